"""``synth status``: which outputs of a report folder are up to date, and why the others are not."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "status"
SUMMARY = "list every output of a report folder as up to date or stale, and why"
DESCRIPTION = """
Compare what every output of a report folder was made from (recorded in OUT/.cache/ by 'synth
report') with the files as they are now, by content: the data files and the published record,
each notebook's code and markdown, its parameters, the synth package's source,
requirements.lock, the Python version and the git commit. Prints one line per executed notebook,
the manuscript, the page and the figures copy: up to date, or stale with what changed (the input
file, notebook, parameter, package file or lock file). Nothing is run or written. Exit 0 when
everything is up to date, 1 when something is stale.
"""
EXAMPLES = ("synth status", "synth status --data data/mine --out reports-mine")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    c.add_data(parser)
    c.add_out_dir(parser, "the report (as given to synth report)", default="reports")
    parser.add_argument("--unit", choices=["paragraph", "code"], default=None,
                        help="the counting unit to check against (default: the last render's)")


def run(args: argparse.Namespace) -> int:
    from ..build import report_build, report_status

    build, manifest = report_build(c.data_folder(args), c.out_folder(args), unit=args.unit)
    statuses = report_status(build, manifest,
                             accept_changed_data=bool(manifest and manifest.options.get(
                                 "accept_changed_data")))
    for status in statuses:
        c.emit(status.line())
    stale = sum(not s.fresh for s in statuses)
    c.emit(f"{len(statuses) - stale} of {len(statuses)} up to date"
         + (f"; {stale} stale ('synth report' rebuilds only those)" if stale else ""))
    return 1 if stale else 0
