"""``synth export-sav``: per-group counts and percentages for SPSS."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

NAME = "export-sav"
SUMMARY = "write per-group, per-question counts and percentages for SPSS (.sav)"
DESCRIPTION = """
Write one SPSS case per focus group and question, with each theme's count and percentage of the
group's coded paragraphs (or code occurrences with --unit code), variable and value labels
included, so the paper's descriptive statistics can be rerun in SPSS. The same data give the same
bytes.
"""
EXAMPLES = ("synth export-sav --data data/raw --out-file counts.sav",)


OPTIONS = (c.DATA, c.out_file(".sav file"), c.UNIT)


def run(args: argparse.Namespace) -> int:
    from ..spss import export_sav, sav_table

    folder = c.data_folder(args)
    data = c.load_checked(folder)
    path = export_sav(data, args.out_file, unit=args.unit, protect=[folder])
    table = sav_table(data, unit=args.unit)
    noun = "coded paragraphs" if args.unit == "paragraph" else "code occurrences"
    c.say(
        f"wrote {path}: {len(table.frame)} cases (focus group × question), "
        f"{len(table.themes)} themes, counts and percentages of {noun}"
    )
    return 0
