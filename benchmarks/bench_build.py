"""The build, end to end, in one run: cold ``make report`` against the floor, the no-op, a changed
quotation, and ``synth verify``.

Steps (each a fresh process, wall-clock time):

1. the floor: one Python process that imports pandas, seaborn and statsmodels and saves eight
   seaborn bar charts with SD error bars as PNG (300 dpi), SVG and PDF;
2. cold ``make report DATA=<copy> OUT=<tmp>`` (report and manuscript) on a copy of the shipped
   data (without its SHA256SUMS, so that the data may be edited);
3. the same ``make report`` again with nothing changed (best of three): the no-op;
4. one quotation of ``coded_segments.csv`` changes; ``synth status`` must exit 1 and name
   ``coded_segments.csv``;
5. ``make report`` again: what uses the data is rebuilt and ``report.html`` changes;
6. ``synth verify`` must pass (exit 0); then one output (``tables/table2.csv``) is altered and
   ``synth verify`` must fail (exit 1) naming it.

Prints every time and the ratios; exits 1 when a target is missed: cold at most 2.5 x the floor,
the no-op at most 5% of the cold render, and every check above.

Usage::

    .venv/bin/python benchmarks/bench_build.py [--jobs 2] [--profile]

``--profile`` also prints how long each notebook run of the cold render took (from its progress
lines), the profile recorded in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import FLOOR  # noqa: E402  (the floor is defined once)

MAX_COLD_RATIO = 2.5
MAX_NOOP_SHARE = 0.05


def _run(cmd: list[str], *, ok: tuple[int, ...] = (0,)) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout[-2000:]}"
                 f"\n{done.stderr[-2000:]}")
    return elapsed, done


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    synth = [sys.executable, "-m", "synth.cli"]
    failures: list[str] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        base = Path(tmp)
        data, out = base / "data", base / "reports"
        shutil.copytree(ROOT / "data" / "raw", data)
        (data / "SHA256SUMS").unlink()
        (base / "floor").mkdir()
        make = ["make", "-s", "report", f"DATA={data}", f"OUT={out}", f"JOBS={args.jobs}"]

        floor, _ = _run([sys.executable, "-c", FLOOR, str(base / "floor")])
        cold, done = _run(make)
        noops = [_run(make)[0] for _ in range(3)]
        noop = min(noops)
        html = _sha(out / "report.html")

        segments = data / "coded_segments.csv"
        text = segments.read_text(encoding="utf-8")
        quote = re.search(r",([A-Z][a-z]+ )", text)
        assert quote is not None
        segments.write_text(text[:quote.start(1)] + "Indeed " + text[quote.start(1):],
                            encoding="utf-8")
        t_status, status = _run(synth + ["status", "--data", str(data), "--out", str(out)],
                                ok=(1,))
        named = "coded_segments.csv" in status.stdout
        incremental, _ = _run(make)
        changed = _sha(out / "report.html") != html

        t_verify, verify = _run(synth + ["verify", "--data", str(data), "--out", str(out),
                                         "--jobs", str(args.jobs)])
        with (out / "tables" / "table2.csv").open("a", encoding="utf-8") as handle:
            handle.write("\n")
        _t, verify_bad = _run(synth + ["verify", "--data", str(data), "--out", str(out),
                                       "--jobs", str(args.jobs)], ok=(1,))
        caught = verify_bad.stdout.startswith("differs: tables/table2.csv")

    ratio, share = cold / floor, noop / cold
    print(f"load average at start: {load:.1f}")
    print(f"floor (import pandas/seaborn/statsmodels, 8 charts x PNG/SVG/PDF): {floor:6.1f} s")
    print(f"cold make report (report + manuscript, --jobs {args.jobs}):       {cold:6.1f} s"
          f"  = {ratio:.2f} x the floor (target <= {MAX_COLD_RATIO})")
    print(f"no-op make report (best of 3: {', '.join(f'{t:.2f}' for t in noops)} s):"
          f"       {noop:6.2f} s  = {100 * share:.1f}% of cold (target <= "
          f"{100 * MAX_NOOP_SHARE:.0f}%)")
    print(f"synth status after one quotation changed: exit 1 in {t_status:.2f} s, names "
          f"coded_segments.csv: {named}")
    print(f"make report after the change: {incremental:.1f} s; report.html changed: {changed}")
    print(f"synth verify on the fresh render: exit 0 in {t_verify:.1f} s "
          f"({verify.stdout.strip().splitlines()[-1]})")
    print(f"synth verify after tables/table2.csv was altered: exit 1, names it: {caught}")
    if args.profile:
        print("cold render, per run (finish time since the runs started):")
        for line in done.stderr.splitlines():
            if " done (" in line:
                print("   " + line.strip())
    if ratio > MAX_COLD_RATIO:
        failures.append(f"cold ratio {ratio:.2f}")
    if share > MAX_NOOP_SHARE:
        failures.append(f"no-op share {100 * share:.1f}%")
    for ok, what in ((named, "status names the file"), (changed, "report.html changed"),
                     (caught, "verify names the altered file")):
        if not ok:
            failures.append(what)
    if failures:
        print("missed: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
