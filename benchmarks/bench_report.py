"""Time ``synth report`` against the floor measured in the same run.

The floor is one fresh Python process that imports pandas, seaborn and statsmodels and saves
eight seaborn bar charts with SD error bars as PNG (300 dpi), SVG and PDF: the least any report
with these figures could cost. The report is ``synth report --data DATA --out TMP --figures TMP
--jobs N --no-manuscript`` in a fresh process (the report alone; ``bench_build.py`` times the
whole ``make report``, manuscript included, and the build cache). Both are wall-clock times;
with ``--repeat`` the best of each is kept. The target is a ratio of at most 6.

Usage::

    .venv/bin/python benchmarks/bench_report.py [--data data/raw] [--jobs 2] [--repeat 1]

Prints the two times and the ratio; exits 1 when the ratio is above ``--max-ratio``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FLOOR = r"""
import sys, numpy as np, pandas as pd, seaborn as sns, statsmodels.api as sm
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
out = sys.argv[1]
rng = np.random.default_rng(0)
themes = [f"Theme {i}" for i in range(12)]
for q in range(1, 9):
    frame = pd.DataFrame({"theme": np.repeat(themes, 10), "pct": rng.uniform(0, 40, 120)})
    fig, ax = plt.subplots(figsize=(9, 6.5), layout="constrained")
    sns.barplot(frame, x="theme", y="pct", errorbar="sd", ax=ax)
    ax.set_ylabel("Percentage of codes")
    ax.tick_params(axis="x", rotation=90)
    for ext in ("png", "svg", "pdf"):
        fig.savefig(f"{out}/fig{q}.{ext}", dpi=300)
    plt.close(fig)
"""


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "raw"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--max-ratio", type=float, default=6.0)
    args = parser.parse_args(argv)
    synth = [sys.executable, "-m", "synth.cli"]
    floors, reports = [], []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        for i in range(args.repeat):
            run = Path(tmp) / f"run{i}"
            (run / "floor").mkdir(parents=True)
            floors.append(_time([sys.executable, "-c", FLOOR, str(run / "floor")]))
            reports.append(
                _time(
                    synth
                    + [
                        "report",
                        "--data",
                        args.data,
                        "--out",
                        str(run / "report"),
                        "--figures",
                        str(run / "figures"),
                        "--jobs",
                        str(args.jobs),
                        "--no-manuscript",
                    ]
                )
            )
    floor, report = min(floors), min(reports)
    ratio = report / floor
    print(f"floor  (import pandas/seaborn/statsmodels, 8 charts x PNG/SVG/PDF): {floor:6.1f} s")
    print(f"report (synth report --jobs {args.jobs}):                              {report:6.1f} s")
    print(f"ratio: {ratio:.2f} (target <= {args.max_ratio:g})")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
