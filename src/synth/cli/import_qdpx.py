"""``synth import-qdpx``: read a REFI-QDA project into the coded-data schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import add_out_dir, say

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the .qdpx or .qde file")
    add_out_dir(parser, "the imported tables")
    parser.add_argument(
        "--map", type=Path, default=None, metavar="FILE", help="mapping file (TOML or YAML)"
    )


def run(args: argparse.Namespace) -> int:
    import warnings

    from ..qdpx import QdpxWarning, import_qdpx, save_import

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QdpxWarning)
        result = import_qdpx(args.file, args.map)
    for warning in caught:
        if issubclass(warning.category, QdpxWarning):
            say(f"warning: {warning.message}")
    save_import(result, args.out)
    seg = result.segments
    say(
        f"imported {len(seg)} codings on {seg['segment_id'].nunique()} selections and "
        f"{len(result.codebook)} codes from {Path(args.file).name} into {args.out}"
    )
    if result.boundary_share is not None:
        say(f"text cuts on word boundaries: {100 * result.boundary_share:.1f}% ({result.units})")
    if not result.mapped:
        say(
            "note: no mapping gave questions and participants; this import is for inspection "
            "(synth validate needs them; see docs/qdpx-mapping.md)"
        )
    return 0
