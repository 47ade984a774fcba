"""``synth inspect``: describe a REFI-QDA project and draft the mapping that imports it."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "add_arguments", "run"]

NAME = "inspect"
SUMMARY = "describe a REFI-QDA project (.qdpx/.qde) and draft the mapping that imports it"
DESCRIPTION = """
Read a REFI-QDA project and print its structure: the code tree's roots and depths with their
codes and codings, the sets and what they contain, the cases with their variables, the sources,
the speaker labels found at the start of paragraphs and the question headings found in the text.
With --mapping-out, also write a draft mapping (TOML) that 'synth import-qdpx FILE --map FILE'
accepts as it is; each choice is explained in a comment, and what the project does not decide is
listed under '# FILL IN'. Hostile files are refused as by import-qdpx.
"""
EXAMPLES = (
    "synth inspect project.qdpx",
    "synth inspect project.qdpx --mapping-out mapping.toml && "
    "synth import-qdpx project.qdpx --map mapping.toml --out data/mine",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mapping-out", type=Path, metavar="FILE",
                        help="write a draft mapping (TOML) for import-qdpx here")


OPTIONS = (c.PROJECT,)


def run(args: argparse.Namespace) -> int:
    from ..qdpx import draft_mapping, inspect_project, write_mapping

    structure = inspect_project(args.file)
    c.emit(structure.render())
    if args.mapping_out is not None:
        write_mapping(draft_mapping(structure), args.mapping_out)
        c.say(f"wrote the draft mapping {args.mapping_out}")
    return 0
