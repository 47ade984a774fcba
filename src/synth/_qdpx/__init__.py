"""The machinery behind :mod:`synth.qdpx` (private; import from :mod:`synth.qdpx`).

- :mod:`.archive`: opening ``.qdpx``/``.qde`` files safely (sizes, paths, letter case);
- :mod:`.read`: the project XML into flat tables (bounded nesting, positions and quoted text);
- :mod:`.mapping`: the mapping file;
- :mod:`.importer`: the mapping applied, into the coded-data schema;
- :mod:`.export`: a coded dataset as a REFI-QDA project;
- :mod:`.inspect`: a project's structure and a draft mapping.
"""

__all__: list[str] = []
