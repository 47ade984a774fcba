"""The ensemble of reconstructions (issue 8, section 5), timed; it also writes the cache the
statistics notebook reads.

Runs :func:`synth.stats.write_ensemble` (as ``synth ensemble`` does) on ``--seeds`` consecutive seeds (default 50, starting at
``--first``) in ``--jobs`` worker processes (default 2, the cores of this machine): each worker
reconstructs the dataset with its seed, audits it and computes every bar of Figures 1-8. Then
:func:`synth.stats.ensemble_ranges` gives each bar's range across the reconstructions that pass the
audit. Prints the wall time, the time per seed and how many bars the published numbers pin.

Writes, atomically, into ``--out`` (default ``data/processed/ensemble``):

- ``ensemble_bars.csv``: ``seed, question, theme, mean_pct, sd_pct, n_groups, audit_ok``;
- ``ensemble_ranges.csv``: the ranges.

The files hold no timings, so the same seeds give the same bytes. Not part of the test suite.
From the repository root::

    .venv/bin/python benchmarks/bench_ensemble.py [--seeds 50] [--first 1] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from synth import stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="number of seeds (default 50)")
    parser.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--unit", choices=["paragraph", "code"], default="paragraph")
    parser.add_argument("--no-audit", action="store_true", help="skip the audit of each seed")
    parser.add_argument(
        "--out", type=Path, default=Path("data/processed/ensemble"), help="output folder"
    )
    args = parser.parse_args(argv)
    seeds = list(range(args.first, args.first + args.seeds))

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    bars, ranges = stats.write_ensemble(
        seeds, args.out, unit=args.unit, jobs=args.jobs, check_audit=not args.no_audit, say=say
    )
    elapsed = time.perf_counter() - start
    audited = bars.drop_duplicates("seed")["audit_ok"].astype(bool)
    pinned = int(ranges["pinned"].sum())
    print(f"ensemble: {len(seeds)} seeds on {args.jobs} worker(s) in {elapsed:.1f} s "
          f"({elapsed / len(seeds):.2f} s per seed)")
    print(f"passed the audit: {int(audited.sum())} of {len(seeds)}")
    print(f"bars pinned (same mean to two decimals in every audited reconstruction): "
          f"{pinned} of {len(ranges)}")
    print(f"median range of the other bars' means: "
          f"{ranges.loc[~ranges['pinned'], 'mean_width'].median():.2f} points; "
          f"median range of the SDs: {ranges['sd_width'].median():.2f} points")
    print(f"wrote {args.out / 'ensemble_bars.csv'} and {args.out / 'ensemble_ranges.csv'}")
    return 0 if bool(audited.all()) else 1


if __name__ == "__main__":
    sys.exit(main())
