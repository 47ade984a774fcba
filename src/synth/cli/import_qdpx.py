"""``synth import-qdpx``: read a REFI-QDA project into the coded-data schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "add_arguments", "run"]

NAME = "import-qdpx"
SUMMARY = "read a REFI-QDA project (.qdpx/.qde from NVivo, ATLAS.ti, MAXQDA...) into the schema"
DESCRIPTION = """
Read a REFI-QDA project exported by NVivo, ATLAS.ti, MAXQDA or QualCoder and write its codings as
coded_segments.csv, codebook.csv, code_tree.csv, participants.csv (from the project's cases or
speakers) and import-notes.txt. A mapping file (TOML or YAML, see docs/qdpx-mapping.md; 'synth
inspect' drafts one) says where the themes, valence, questions, focus groups, speakers and roles
are in the project; without one the import is for inspection. The file is read with bounded
memory and hostile archives are refused.
"""
EXAMPLES = (
    "synth import-qdpx project.qdpx --map docs/study-mapping.toml --out data/mine",
    "synth import-qdpx project.qdpx --map drafted.toml --out data/mine",
)


OPTIONS = (c.PROJECT, c.out_dir("the imported tables"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--map", type=Path, default=None, metavar="FILE", help="mapping file (TOML or YAML)"
    )


def run(args: argparse.Namespace) -> int:
    import warnings

    from .._atomic import atomic_dir
    from ..qdpx import QdpxWarning, import_qdpx, write_import

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QdpxWarning)
        result = import_qdpx(args.file, args.map)
    for warning in caught:
        if issubclass(warning.category, QdpxWarning):
            c.say(f"warning: {warning.message}")
    with atomic_dir(args.out, protect=[args.file], command=NAME) as tmp:
        write_import(result, tmp)
    seg = result.segments
    c.say(
        f"imported {len(seg)} codings on {seg['segment_id'].nunique()} selections and "
        f"{len(result.codebook)} codes from {Path(args.file).name} into {args.out}"
    )
    if result.boundary_share is not None:
        c.say(f"text cuts on word boundaries: {100 * result.boundary_share:.1f}% ({result.units})")
    if not result.mapped:
        c.say(
            "note: no mapping gave questions and participants; this import is for inspection "
            "(synth validate needs them; see docs/qdpx-mapping.md)"
        )
    return 0
