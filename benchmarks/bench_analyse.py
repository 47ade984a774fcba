"""Benchmark ``synth analyse`` end to end on 1,000,000 coding rows.

Generates a seeded coded dataset (10 focus groups, 8 questions, 3,000 participants, 5,000 codes in
12 themes, 600,000 paragraphs of which 400,000 carry two codes), writes it as CSV, then runs
``synth analyse`` in a subprocess and reports its wall time and peak resident memory
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``). Exits 1 when over the target: 15 s and 2 GiB.

Not part of the test suite. Run it from the repository root::

    .venv/bin/python benchmarks/bench_analyse.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_SECONDS = 15.0
TARGET_BYTES = 2 * 1024**3
SEED = 20240135

THEMES = [
    "Research evidence",
    "Funding",
    "Relationships with partners",
    "Health inequalities and deprivation",
    "Community involvement",
    "Health service and integrated care systems",
    "Link workers and social prescribing",
    "Training and support",
    "Place-based factors",
    "Longevity of programmes",
    "Setting up and scaling up programmes",
    "Mental health",
]


def generate(folder: Path, rows: int, seed: int = SEED) -> tuple[Path, Path]:
    """Write a seeded ``coded_segments.csv`` with ``rows`` rows and its ``codebook.csv``."""
    rng = np.random.default_rng(seed)
    n_groups, n_questions, n_people, n_codes = 10, 8, 3000, 5000
    n_seg = rows * 3 // 5  # 60% of the paragraphs ...
    n_double = rows - n_seg  # ... and this many of them carry a second code
    if n_double > n_seg:
        raise SystemExit("rows too small for the layout")
    person = rng.integers(0, n_people, n_seg)
    group = person * n_groups // n_people  # a participant belongs to one group
    question = rng.integers(1, n_questions + 1, n_seg)
    first = rng.integers(0, n_codes, n_seg)
    doubled = rng.choice(n_seg, n_double, replace=False)
    second = (first[doubled] + 1 + rng.integers(0, n_codes - 1, n_double)) % n_codes  # != first
    seg_index = np.concatenate([np.arange(n_seg), doubled])
    code = np.concatenate([first, second])
    order = np.argsort(seg_index, kind="stable")
    seg_index, code = seg_index[order], code[order]
    segments = pd.DataFrame(
        {
            "segment_id": np.char.add("S", np.char.zfill(seg_index.astype(str), 7)),
            "focus_group": np.char.add("FG", np.char.zfill((group[seg_index] + 1).astype(str), 2)),
            "question": question[seg_index],
            "participant_id": np.char.add("P", np.char.zfill(person[seg_index].astype(str), 5)),
            "code_id": np.char.add("C", np.char.zfill(code.astype(str), 5)),
        }
    )
    codebook = pd.DataFrame(
        {
            "code_id": np.char.add("C", np.char.zfill(np.arange(n_codes).astype(str), 5)),
            "subtheme": [f"Subtheme {i // 25:03d}" for i in range(n_codes)],
            "theme": [THEMES[(i // 25) % len(THEMES)] for i in range(n_codes)],
            "valence": np.where(np.arange(n_codes) % 2 == 0, "success", "challenge"),
        }
    )
    seg_path, book_path = folder / "coded_segments.csv", folder / "codebook.csv"
    segments.to_csv(seg_path, index=False, lineterminator="\n")
    codebook.to_csv(book_path, index=False, lineterminator="\n")
    return seg_path, book_path


def breakdown(seg_path: Path, book_path: Path, out: Path) -> None:
    """Print how long each phase takes in this process (load + validate, analyse, write)."""
    from synth.analysis import analyse, write_analysis
    from synth.io import load_coded_data

    t0 = time.perf_counter()
    data = load_coded_data(segments=seg_path, codebook=book_path)
    t1 = time.perf_counter()
    result = analyse(data)
    t2 = time.perf_counter()
    write_analysis(result, out)
    t3 = time.perf_counter()
    print(
        f"  breakdown: load + validate {t1 - t0:.2f} s, analyse {t2 - t1:.2f} s, "
        f"write {t3 - t2:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="coding rows (default 1e6)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the data and output here")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time loading, analysing and writing separately, in this process",
    )
    parser.add_argument("--phases", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phases:
        breakdown(*args.phases)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-analyse-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        seg_path, book_path = generate(folder, args.rows)
        size = seg_path.stat().st_size
        print(
            f"generated {args.rows:,} coding rows ({size / 1e6:.1f} MB CSV) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        command = [
            sys.executable,
            "-m",
            "synth.cli",
            "analyse",
            "--segments",
            str(seg_path),
            "--codebook",
            str(book_path),
            "--out",
            str(folder / "analysis"),
        ]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            print(f"synth analyse failed with exit code {done.returncode}")
            return 1
        ok = wall < TARGET_SECONDS and peak < TARGET_BYTES
        if args.breakdown:  # in a fresh process, like the command
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--phases",
                    str(seg_path),
                    str(book_path),
                    str(folder / "analysis-breakdown"),
                ],
                check=True,
            )
        print(
            f"synth analyse: wall {wall:.2f} s (target < {TARGET_SECONDS:.0f} s), "
            f"peak RSS {peak / 1024**2:.0f} MiB (target < {TARGET_BYTES / 1024**3:.0f} GiB): "
            f"{'OK' if ok else 'OVER TARGET'}"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
