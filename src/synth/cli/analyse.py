"""``synth analyse``: themes, descriptive statistics and per-question shares as CSV and JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "analyse"
SUMMARY = "themes, descriptive statistics and per-question shares (CSV, JSON)"
DESCRIPTION = """
Apply the paper's counting rules to coded data and write four files: themes.csv (codes per theme,
major or minor), theme_stats.json (mean, median, SD and range of codes per theme), shares.csv
(each question's mean percentage per theme over the focus groups, with the SD) and selected.csv
(the themes each question reports under the 50% rule). Takes a data folder, or the coded segments
and the codebook as single files. The four files replace same-named files in the output folder.
"""
EXAMPLES = (
    "synth analyse --data data/raw --out analysis",
    "synth analyse --segments segs.xlsx --codebook book.csv --out analysis --unit code",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    c.add_data(parser)
    files = parser.add_argument_group(
        "single files", "instead of --data: the tables as files (CSV or XLSX)"
    )
    files.add_argument("--segments", type=Path, metavar="FILE", help="the coded segments")
    files.add_argument("--codebook", type=Path, metavar="FILE", help="the codebook")
    files.add_argument("--participants", type=Path, metavar="FILE", help="the roster (optional)")
    c.add_out_dir(parser, "themes.csv, theme_stats.json, shares.csv and selected.csv")
    c.add_unit(parser)


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_dir
    from .._exceptions import UsageError
    from ..analysis import analyse, write_analysis
    from ..io import load_coded_data

    single = (args.segments, args.codebook, args.participants)
    if any(f is not None for f in single):
        if args.data is not None:
            raise UsageError("give either --data or --segments/--codebook, not both")
        if args.segments is None or args.codebook is None:
            raise UsageError("--segments and --codebook go together")
        data = load_coded_data(
            segments=args.segments, codebook=args.codebook, participants=args.participants
        )
        source = str(args.segments)
        for note in data.notes:
            c.say(f"note: {note}")
    else:
        folder = c.data_folder(args)
        data = c.load_checked(folder, privacy=False)  # numbers only: no text leaves
        source = str(folder)
    inputs = [p for p in single if p is not None] if args.segments else [folder]
    c.say(f"read {len(data.segments):,} coding rows from {source}; analysing (unit: {args.unit})")
    result = analyse(data, unit=args.unit)
    with atomic_dir(args.out, merge=True, protect=inputs, command=NAME) as tmp:
        written = write_analysis(result, tmp)
    c.say(f"wrote {', '.join(p.name for p in written)} to {args.out}")
    return 0
