"""The ensemble of reconstructions, timed.

Runs :func:`synth.ensemble.run_ensemble` (what ``synth ensemble`` runs) on ``--seeds``
consecutive seeds (default 50, from ``--first``) in ``--jobs`` worker processes (default 2, the
cores of this machine): each worker reconstructs the dataset with its seed, audits it and computes
every bar of the figures. Then :func:`synth.ensemble.ensemble_ranges` gives each bar's range
across the reconstructions that pass the audit. Prints the wall time, the time per seed and how
many bars the published numbers pin. Writes nothing: the cached ensemble the statistics notebook
reads is built by ``make ensemble``. Not part of the test suite. From the repository root::

    .venv/bin/python benchmarks/bench_ensemble.py [--seeds 50] [--first 1] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time

from synth.ensemble import ensemble_ranges, run_ensemble


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="number of seeds (default 50)")
    parser.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--unit", choices=["paragraph", "code"], default="paragraph")
    parser.add_argument("--no-audit", action="store_true", help="skip the audit of each seed")
    args = parser.parse_args(argv)
    seeds = list(range(args.first, args.first + args.seeds))

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    bars = run_ensemble(seeds, unit=args.unit, jobs=args.jobs, check_audit=not args.no_audit,
                        say=say)
    ranges = ensemble_ranges(bars)
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
    return 0 if bool(audited.all()) else 1


if __name__ == "__main__":
    sys.exit(main())
