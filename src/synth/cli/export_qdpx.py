"""``synth export-qdpx``: write coded data as a REFI-QDA project."""

from __future__ import annotations

import argparse

from ._common import add_data, add_out_file, data_folder, load_checked, say

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "export-qdpx"
SUMMARY = "write the coded data as a REFI-QDA project (.qdpx) for QDA software"
DESCRIPTION = """
Write the study as a REFI-QDA project that NVivo, ATLAS.ti, MAXQDA and QualCoder can open: one
text source per focus group, the codebook as a theme > subtheme > code tree, each coding as a
selection of its paragraph, participants as cases, valence as sets, and one code per question.
The same data give the same bytes.
"""
EXAMPLES = ("synth export-qdpx --data data/raw --out-file study.qdpx",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data(parser)
    add_out_file(parser, ".qdpx file")


def run(args: argparse.Namespace) -> int:
    from ..qdpx import export_qdpx

    data = load_checked(data_folder(args))
    path = export_qdpx(data, args.out_file)
    seg = data.segments
    say(
        f"wrote {path}: {seg['focus_group'].nunique()} sources, {len(seg)} codings, "
        f"{len(data.codebook)} codes"
        + ("" if data.participants is None else f", {len(data.participants)} cases")
    )
    return 0
