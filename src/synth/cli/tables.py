"""``synth tables``: every table of the study as CSV."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

NAME = "tables"
SUMMARY = "build the tables: questions, one per question, Appendix 1, participants (CSV)"
DESCRIPTION = """
Build every table of the study from coded data and write each as CSV: the questions (the paper's
Table 1), one table per question with its reported themes, their subthemes and a quotation each
(Tables 2-9), Appendix 1 (every theme with its codes and subthemes, split into successes and
challenges) with its statistics, and the participants by group and by role. The output folder is
replaced as a whole, only when everything succeeded.
"""
EXAMPLES = ("synth tables --data data/raw --out tables",)


OPTIONS = (c.DATA, c.out_dir("one CSV file per table"), c.UNIT)


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_dir
    from ..analysis import analyse
    from ..study import load_study
    from ..tables import build_tables, write_tables

    folder = c.data_folder(args)
    data = c.load_checked(folder)
    c.say(f"loaded {folder}: {len(data.segments):,} coding references")
    analysis = analyse(data, unit=args.unit)
    tables = build_tables(data, analysis, load_study(folder))
    with atomic_dir(args.out, protect=[folder], command=NAME) as tmp:
        written = write_tables(tables, tmp)
    c.say(f"wrote {len(written)} tables to {args.out}")
    return 0
