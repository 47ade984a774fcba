"""``synth audit``: every number the paper publishes, checked against coded data."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import add_data, data_folder, emit, load_checked, say

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "audit"
SUMMARY = "check every number the paper publishes against coded data"
DESCRIPTION = """
Recompute, by the paper's counting rules, every number the paper publishes (counts, Appendix 1,
every per-question percentage, which themes each question reports) and compare each with the
published value: match, explained (the paper contradicts itself there) or MISMATCH. Prints the
counts by verdict, every claim that is not a plain match and the paper's internal inconsistencies
with the resolution taken; --out also writes them as CSV. Exits 1 when any claim is an unexplained
MISMATCH.
"""
EXAMPLES = ("synth audit", "synth audit --data data/mine --out audit")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write audit.csv, inconsistencies.csv and the infeasibility tables here",
    )


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_dir
    from ..audit import audit, inconsistencies, infeasibility_demo, summary
    from ..io import write_table
    from ..published import load_published

    folder = data_folder(args)
    data = load_checked(folder, privacy=False)  # bad input fails before anything is printed
    published = load_published()
    say(f"auditing {folder} against the published record")
    table = audit(data, published)
    incons = inconsistencies(published)
    lines = [summary(table), "", f"{len(incons)} internal inconsistencies of the paper:"]
    lines += [
        f"  {row.inconsistency_id} [{row.source}] {row.resolution}"
        for row in incons.itertuples(index=False)
    ]
    if args.out is not None:
        demo = infeasibility_demo(published)
        with atomic_dir(args.out, protect=[folder], command=NAME) as tmp:
            write_table(table, tmp / "audit.csv")
            write_table(incons, tmp / "inconsistencies.csv")
            write_table(demo["pooled"], tmp / "pooled_denominators.csv")
            write_table(demo["code_unit"], tmp / "code_unit_minimum.csv")
        say(f"wrote {args.out}/audit.csv, inconsistencies.csv and the infeasibility tables")
    emit("\n".join(lines))
    bad = int((table["verdict"] == "MISMATCH").sum())
    if bad:
        say(f"{bad} unexplained mismatch(es)")
        return 1
    return 0
