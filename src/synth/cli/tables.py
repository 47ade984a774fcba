"""``synth tables``: every table of the study as CSV."""

from __future__ import annotations

import argparse

from ._common import add_data, add_out_dir, add_unit, data_folder, load_checked, say

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data(parser)
    add_out_dir(parser, "one CSV file per table")
    add_unit(parser)


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_dir
    from ..analysis import analyse
    from ..study import load_study
    from ..tables import build_tables, write_tables

    folder = data_folder(args)
    data = load_checked(folder)
    say(f"loaded {folder}: {len(data.segments):,} coding references")
    analysis = analyse(data, unit=args.unit)
    tables = build_tables(data, analysis, load_study(folder))
    with atomic_dir(args.out, protect=[folder], command=NAME) as tmp:
        written = write_tables(tables, tmp)
    say(f"wrote {len(written)} tables to {args.out}")
    return 0
