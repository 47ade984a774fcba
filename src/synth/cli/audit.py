"""``synth audit``: every number the paper publishes, checked against coded data."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

NAME = "audit"
SUMMARY = "check every number the paper publishes against coded data"
DESCRIPTION = """
Recompute, by the paper's counting rules, every number the paper publishes (counts, Appendix 1,
every per-question percentage, which themes each question reports) and compare each with the
published value: match, explained (the paper contradicts itself there), unmatched name (a role or
theme the data do not have, with the closest names) or MISMATCH. Roles and themes are matched
whatever their case, spacing, plural or a trailing "sector"/"organisations"; aliases.csv in the
data folder (kind,published,data) names the rest. Prints the counts by verdict, every claim that
is not a plain match with its subject, and the paper's internal inconsistencies with what each
place prints, what Appendix 1 says and the resolution taken; --out also writes them as CSV. Exits
1 when any claim is an unexplained MISMATCH or an unmatched name.
"""
EXAMPLES = ("synth audit", "synth audit --data data/mine --out audit")


OPTIONS = (c.DATA, c.optional_out_dir("audit.csv, inconsistencies.csv and the infeasibility "
                                      "tables"))


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_dir
    from ..audit import audit, inconsistencies, inconsistency_lines, infeasibility_demo, summary
    from ..io import write_table
    from ..published import load_name_aliases, load_published

    folder = c.data_folder(args)
    data = c.load_checked(folder, privacy=False)  # bad input fails before anything is printed
    aliases = load_name_aliases(folder)  # the analyst's names for the paper's roles and themes
    published = load_published()
    c.say(f"auditing {folder} against the published record")
    table = audit(data, published, aliases=aliases)
    incons = inconsistencies(published)
    lines = [summary(table), "", f"{len(incons)} internal inconsistencies of the paper:"]
    lines += inconsistency_lines(incons)
    if args.out is not None:
        demo = infeasibility_demo(published)
        with atomic_dir(args.out, protect=[folder], command=NAME) as tmp:
            write_table(table, tmp / "audit.csv")
            write_table(incons, tmp / "inconsistencies.csv")
            write_table(demo["pooled"], tmp / "pooled_denominators.csv")
            write_table(demo["code_unit"], tmp / "code_unit_minimum.csv")
        c.say(f"wrote {args.out}/audit.csv, inconsistencies.csv and the infeasibility tables")
    c.emit("\n".join(lines))
    bad = int((table["verdict"] == "MISMATCH").sum())
    unmatched = int((table["verdict"] == "unmatched name").sum())
    if unmatched:
        c.say(f"{unmatched} claim(s) name a role or theme the data do not have: the closest names "
            "are listed; aliases.csv in the data folder (kind,published,data) maps the rest")
    if bad:
        c.say(f"{bad} unexplained mismatch(es)")
    return 1 if bad or unmatched else 0
