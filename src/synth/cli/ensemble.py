"""``synth ensemble``: many reconstructions, to show which bars the published numbers pin."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "ensemble"
SUMMARY = "many reconstructions: which bars the published numbers pin down (slow)"
DESCRIPTION = """
Reconstruct the dataset with many seeds, audit each reconstruction, and collect every bar of every
figure from those that pass: ensemble_bars.csv (one row per seed, question and theme) and
ensemble_ranges.csv (each bar's range across the reconstructions, and whether the paper pins it).
make report builds it once and the statistics notebook reads it. Takes one to three minutes on two
cores for 50 seeds.
"""
EXAMPLES = ("synth ensemble", "synth ensemble --seeds 10 --out /tmp/ensemble")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=50, help="number of seeds (default 50)")
    parser.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    c.add_jobs(parser, "worker processes")
    c.add_out_dir(parser, "ensemble_bars.csv and ensemble_ranges.csv",
                default="data/processed/ensemble")
    c.add_unit(parser)


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_dir
    from ..ensemble import ensemble_ranges, run_ensemble
    from ..io import write_table

    seeds = list(range(args.first, args.first + args.seeds))
    out = c.out_folder(args)
    c.say(f"reconstructing {len(seeds)} datasets (seeds {seeds[0]}-{seeds[-1]}) on {args.jobs} "
        "worker(s); each is audited and its bars collected")
    bars = run_ensemble(seeds, unit=args.unit, jobs=args.jobs, say=c.say)
    ranges = ensemble_ranges(bars)
    with atomic_dir(out, command=NAME) as tmp:
        write_table(bars, tmp / "ensemble_bars.csv")
        write_table(ranges, tmp / "ensemble_ranges.csv")
    passed = bars.drop_duplicates("seed")["audit_ok"].astype(bool)
    c.emit(f"{int(passed.sum())} of {len(seeds)} reconstructions pass the audit; "
         f"{int(ranges['pinned'].sum())} of {len(ranges)} bars are pinned by the published numbers")
    c.emit(f"wrote {out / 'ensemble_bars.csv'} and {out / 'ensemble_ranges.csv'}")
    return 0 if bool(passed.all()) else 1
