"""Benchmark the explorer's redraw: under 100 ms once the data are loaded.

Builds :class:`synth.explorer.Explorer` once (load, validate, analyse both units: the heavy work,
timed separately), then redraws many times, cycling through a seeded random sequence of control
settings (question, unit, error bars, left-out group, points, colours, 50% rule), and prints the
median, 95th percentile and maximum of

- ``render``: the numbers and the plotly figure dictionary for one setting (the pure part);
- ``redraw``: the same through the widgets (the figure output cleared and redisplayed, the table
  widget's HTML replaced), as a click in JupyterLab does on the kernel's side. Outside a kernel the
  figure is written out as text instead of being sent as JSON to the browser; the browser's own
  drawing of the chart is not included.

Runs on the shipped data in ``data/raw`` when present, else on a seeded synthetic dataset of the
study's shape (10 groups, 8 questions, 12 themes, about 1,000 paragraphs). Exits 1 when the median
redraw is 100 ms or more. Not part of the test suite. From the repository root::

    .venv/bin/python benchmarks/bench_explorer.py [--redraws N] [--data DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_MS = 100.0
SEED = 20240135
ROOT = Path(__file__).resolve().parents[1]


def synthetic(seed: int = SEED):
    """A coded dataset of the study's shape (not the study's data; for timing only)."""
    from synth.io import CodedData

    rng = np.random.default_rng(seed)
    themes = [f"Theme {i + 1}" for i in range(12)]
    codes = pd.DataFrame(
        {
            "code_id": [f"C{i:03d}" for i in range(323)],
            "subtheme": [f"Subtheme {i % 185}" for i in range(323)],
            "theme": [themes[i % 12] for i in range(323)],
            "valence": ["success" if i % 2 else "challenge" for i in range(323)],
        }
    )
    rows = 1200
    groups = rng.integers(0, 10, rows)
    seg = pd.DataFrame(
        {
            "segment_id": [f"S{i:04d}" for i in rng.integers(0, 977, rows)],
            "focus_group": [f"FG{g + 1:02d}" for g in groups],
            "question": rng.integers(1, 9, rows),
            "participant_id": [f"P{g:02d}{p}" for g, p in zip(groups, rng.integers(0, 9, rows), strict=True)],
            "code_id": codes["code_id"].to_numpy()[rng.integers(0, 323, rows)],
        }
    )
    # a paragraph belongs to one group, question and participant: key them on the first row
    first = seg.drop_duplicates("segment_id").set_index("segment_id")
    for col in ("focus_group", "question", "participant_id"):
        seg[col] = seg["segment_id"].map(first[col])
    seg = seg.drop_duplicates(["segment_id", "code_id"]).reset_index(drop=True)
    return CodedData.from_frames(seg, codes)


def settings_sequence(explorer, n: int, seed: int = SEED) -> list[dict]:
    """``n`` seeded random settings of the controls (no left-out group that leaves none)."""
    from synth.explorer import ERRORS

    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        s = {
            "question": int(rng.choice(explorer.questions)),
            "unit": str(rng.choice(["paragraph", "code"])),
            "error": str(rng.choice(list(ERRORS))),
            "leave_out": None if rng.random() < 0.5 else str(rng.choice(explorer.groups)),
            "points": bool(rng.random() < 0.5),
            "colour": bool(rng.random() < 0.5),
            "rule": bool(rng.random() < 0.5),
        }
        try:
            explorer.view(**s)
        except ValueError:
            continue
        out.append(s)
    return out


def _summary(name: str, seconds: list[float]) -> float:
    ms = sorted(1000 * s for s in seconds)
    median = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"{name:>7}: median {median:7.2f} ms   p95 {p95:7.2f} ms   max {ms[-1]:7.2f} ms   "
          f"({len(ms)} redraws)")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redraws", type=int, default=400)
    parser.add_argument("--data", type=Path, default=None,
                        help="coded-data folder (default: data/raw when it holds data)")
    args = parser.parse_args(argv)

    from synth.explorer import Explorer

    folder = args.data or (ROOT / "data" / "raw")
    started = time.perf_counter()
    if (folder / "coded_segments.csv").is_file() or (folder / "coded_segments.xlsx").is_file():
        explorer = Explorer.from_folder(folder)
        source = str(folder)
    else:
        explorer = Explorer(synthetic(), questions_text={})
        source = "a seeded synthetic dataset of the study's shape"
    load = time.perf_counter() - started
    print(f"data: {source}")
    print(f"load + analyse both units (once): {1000 * load:.0f} ms")

    sequence = settings_sequence(explorer, args.redraws)
    explorer.render(**sequence[0])  # warm up (imports, caches)
    render = []
    for s in sequence:
        t = time.perf_counter()
        explorer.render(**s)
        render.append(time.perf_counter() - t)

    redraw = []
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        print("ipywidgets not installed: widget redraw not measured")
    else:
        # outside a kernel the figure output falls back to printing the figure's dictionary;
        # it goes to a sink, which costs about what the kernel's JSON serialisation does
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            explorer.widget()
            for s in sequence:
                t = time.perf_counter()
                explorer.redraw(**s)
                redraw.append(time.perf_counter() - t)
                sink.seek(0)
                sink.truncate()

    _summary("render", render)
    median = _summary("redraw", redraw) if redraw else statistics.median(render) * 1000
    verdict = "OK" if median < TARGET_MS else "TOO SLOW"
    print(f"target: median redraw under {TARGET_MS:.0f} ms: {verdict}")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
