"""Benchmark the explorer's redraw: under 100 ms once the data are loaded.

Builds :class:`synth.explorer.Explorer` once (load, validate, analyse both units: the heavy work,
timed separately), then redraws many times, cycling through a seeded random sequence of control
settings (question, unit, error bars, left-out group, points, colours, 50% rule), and prints the
median, 95th percentile and maximum of

- ``render``: the numbers and the plotly figure dictionary for one setting (the pure part);
- ``redraw``: the same through the widgets (the figure's display updated, the table widget's HTML
  replaced), as a click in JupyterLab does on the kernel's side. Outside a kernel the figure is
  written out as text instead of being sent as JSON to the browser;
- ``browser`` (with ``--browser``): what a reviewer sees. JupyterLab is started on a copy of the
  explorer notebook (nothing in ``notebooks/`` is touched), Debian's Chromium opens it through
  Playwright and runs it, and each redraw is timed in the page from the click on a control to the
  first frame painted after the chart shows the new numbers (the kernel's work, both messages and
  plotly's drawing included). The first switch to the 95% CI is timed on its own.

Runs on the shipped data in ``data/raw`` when present, else on a seeded synthetic dataset of the
study's shape (10 groups, 8 questions, 12 themes, about 1,000 paragraphs). Exits 1 when a median
redraw is 100 ms or more. Not part of the test suite. From the repository root::

    .venv/bin/python benchmarks/bench_explorer.py [--redraws N] [--data DIR] [--browser]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
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


# --- in a browser ------------------------------------------------------------------------------

CHROMIUM = Path(os.environ.get("SYNTH_CHROMIUM", "/usr/bin/chromium"))

#: In the page: the chart's numbers as a string, to see when a redraw has reached the screen.
_SIGNATURE = """() => {
  const gd = document.querySelector('.jp-OutputArea .js-plotly-plot');
  if (!gd || !gd.data || !gd.data.length) { return ''; }
  const bars = gd.data[0];
  return JSON.stringify([bars.y, bars.error_y && bars.error_y.array, gd.data.length,
                         gd.layout && gd.layout.title && gd.layout.title.text,
                         bars.marker && bars.marker.color]);
}"""

#: In the page: click a control's element, then resolve with the milliseconds until the first
#: animation frame after the chart's numbers changed.
_TIMED_CLICK = """async ([selector, index, signature]) => {
  const before = (SIGNATURE)();
  const target = document.querySelectorAll(selector)[index];
  const start = performance.now();
  target.click();
  return await new Promise((resolve, reject) => {
    const limit = start + 10000;
    function poll() {
      if ((SIGNATURE)() !== before) {
        requestAnimationFrame(() => resolve(performance.now() - start));
      } else if (performance.now() > limit) {
        reject(new Error('no redraw within 10 s'));
      } else {
        requestAnimationFrame(poll);
      }
    }
    requestAnimationFrame(poll);
  });
}""".replace("SIGNATURE", _SIGNATURE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def browser_redraws(folder: Path, n: int) -> tuple[list[float], float]:
    """Time ``n`` redraws in JupyterLab in Chromium; return them (seconds) and the first switch
    to the 95% CI (seconds)."""
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="synth-bench-lab-"))
    server = None
    try:
        notebook = json.loads((ROOT / "notebooks" / "90_explorer.ipynb").read_text("utf-8"))
        for cell in notebook["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                cell["source"] = [f"data_dir = {str(folder.resolve())!r}\n",
                                  'out_dir = "."\nunit = "paragraph"\nquestion = 1\n']
        (work / "root").mkdir()
        (work / "root" / "explorer.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        kernels = work / "jupyter" / "kernels" / "synth"
        kernels.mkdir(parents=True)
        (kernels / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "synth (.venv)", "language": "python"}), encoding="utf-8")
        settings = work / "settings" / "@jupyterlab" / "docmanager-extension"
        settings.mkdir(parents=True)
        (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}', "utf-8")
        env = {**os.environ, "JUPYTER_PATH": str(work / "jupyter"),
               "JUPYTER_CONFIG_DIR": str(work / "config"),
               "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        port, token = _free_port(), "synth-bench"
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
             "--ip=127.0.0.1", f"--ServerApp.token={token}",
             f"--ServerApp.root_dir={work / 'root'}", "--LabApp.expose_app_in_browser=True"]
            + (["--allow-root"] if os.getuid() == 0 else []),
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 1000})
            url = f"http://127.0.0.1:{port}/lab/tree/explorer.ipynb?token={token}"
            for _ in range(60):
                try:
                    page.goto(url, timeout=5000)
                    break
                except Exception:  # the server is still starting
                    time.sleep(0.5)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell", timeout=60000)
            page.wait_for_selector(".jp-Notebook", timeout=60000)
            page.wait_for_function(
                "document.querySelector('.jp-Notebook-ExecutionIndicator') === null || "
                "!document.title.includes('Busy')", timeout=60000)
            time.sleep(2)  # the kernel
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".jp-OutputArea .js-plotly-plot .bars .point", timeout=120000)
            time.sleep(1)
            toggles = ".widget-toggle-buttons button"
            # first switch to the 95% CI (the third error-bar button), then back to SD
            first_ci = page.evaluate(_TIMED_CLICK, [toggles, 2, ""]) / 1000
            page.evaluate(_TIMED_CLICK, [toggles, 0, ""])
            checks = ".widget-checkbox input"
            # every control but the publication view (the last checkbox), changed in turn
            steps = [(toggles, 1), (toggles, 2), (toggles, 0), (toggles, 4), (toggles, 3),
                     (checks, 0), (checks, 1), (checks, 2), (checks, 0), (checks, 1), (checks, 2)]
            times = []
            for i in range(n):
                selector, index = steps[i % len(steps)]
                times.append(page.evaluate(_TIMED_CLICK, [selector, index, ""]) / 1000)
            browser.close()
        return times, first_ci
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redraws", type=int, default=400)
    parser.add_argument("--data", type=Path, default=None,
                        help="coded-data folder (default: data/raw when it holds data)")
    parser.add_argument("--browser", action="store_true",
                        help="also time redraws as seen in JupyterLab in Chromium")
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
        # outside a kernel the figure's display falls back to printing the figure's dictionary;
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
    medians = [median]
    if args.browser:
        if not CHROMIUM.is_file() or (folder / "coded_segments.csv").is_file() is False:
            print(f"browser: not measured (needs {CHROMIUM} and the data in {folder})")
        else:
            seen, first_ci = browser_redraws(folder, min(args.redraws, 60))
            medians.append(_summary("browser", seen))
            print(f"browser: first switch to the 95% CI {1000 * first_ci:.1f} ms")
    verdict = "OK" if max(medians) < TARGET_MS else "TOO SLOW"
    print(f"target: median redraw under {TARGET_MS:.0f} ms: {verdict}")
    return 0 if max(medians) < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
