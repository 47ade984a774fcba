"""``synth report``: execute every notebook and assemble report.html."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "report"
SUMMARY = "execute every notebook on the data and assemble one self-contained report.html"
DESCRIPTION = """
Run the parameterised notebooks with papermill on the coded data (the data and participants,
the themes and Appendix 1, one figure and table per question, the audit, the statistics) and
assemble their outputs into OUT/report.html, which works offline from the file. The executed
notebooks, tables, figures and the manuscript's files (OUT/manuscript/, as 'synth manuscript'
writes them) are written beside it with a SHA256SUMS of everything. Only what changed since the
last render into OUT is re-executed ('synth status' says what and why); with nothing changed the
command returns at once. The output folder is replaced only when every notebook succeeded; a
notebook that fails or warns stops the report with one line naming the notebook and the cell.
"""
EXAMPLES = (
    "synth report",
    "synth report --data data/mine --out reports-mine",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    c.add_data(parser)
    c.add_out_dir(parser, "report.html, notebooks/, tables/, figures/ and SHA256SUMS",
                default="reports")
    parser.add_argument(
        "--figures",
        type=Path,
        default=None,
        metavar="DIR",
        help="also copy the figures here (make report uses the compendium's figures/)",
    )
    c.add_jobs(parser, "notebooks run at once")
    parser.add_argument(
        "--accept-changed-data",
        action="store_true",
        help="run even when the data differ from their SHA256SUMS; the new checksums are "
        "recorded on the report's front page",
    )
    c.add_unit(parser)
    parser.add_argument(
        "--no-manuscript",
        action="store_true",
        help="do not write OUT/manuscript/ (the paper-ready figures, tables and numbers)",
    )


def run(args: argparse.Namespace) -> int:
    from ..build import Manifest, report_build, report_status
    from ..checksums import verify_if_listed

    folder, out = c.data_folder(args), c.out_folder(args)
    # Before pandas, matplotlib or a kernel: when every output is up to date, there is nothing
    # to do. The checks c.load_checked makes passed for exactly these inputs last time.
    previous = Manifest.load(out)
    if previous is not None and previous.options.get("checked") and bool(
            previous.options.get("accept_changed_data")) == args.accept_changed_data:
        if not args.accept_changed_data:
            verify_if_listed(folder)
        build, manifest = report_build(folder, out, unit=args.unit,
                                       manuscript=not args.no_manuscript, figures=args.figures)
        statuses = report_status(build, manifest, accept_changed_data=args.accept_changed_data)
        if all(s.fresh for s in statuses):
            c.say(f"up to date: {out / 'report.html'} (nothing changed; 'synth status' lists "
                f"{len(statuses)} outputs)")
            return 0

    from ..report import render_report

    data = c.load_checked(folder, accept_changed_data=args.accept_changed_data)
    render_report(
        data,
        out,
        figures=args.figures,
        unit=args.unit,
        jobs=args.jobs,
        accept_changed_data=args.accept_changed_data,
        say=c.say,
        manuscript=not args.no_manuscript,
        checked=True,
    )
    return 0
