"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` package, never a
browser download) driven by Playwright for Python.

Two pages are opened from disk, with every network request refused (the report must work offline):

- a small page built from :mod:`synth.interactive` alone (plotly.js embedded once, eight charts,
  a contents link and a table with a crafted quotation), so the interactive figures are checked
  even while the report is being built;
- ``report.html`` rendered once by ``synth report`` from a crafted dataset whose quotations carry
  markup (``<script>``, ``<img onerror>``).

Each page is checked for: no console errors, eight interactive figures drawn, a hover over a bar
showing its values, working table-of-contents links, and the crafted quotation shown as text. A
screenshot of the report's first figure is saved under ``reports/test-artefacts/`` (or
``$SYNTH_TEST_ARTEFACTS``). The tests skip, saying so, only when Chromium is not installed.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("SYNTH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CRAFTED = 'Crafted <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2">'
ARTEFACTS = Path(os.environ.get("SYNTH_TEST_ARTEFACTS", ROOT / "reports" / "test-artefacts"))
THEMES = ["Research evidence", "Funding", "Relationships with partners",
          "Health inequalities and deprivation", "Community involvement",
          "Health service and integrated care systems", "Link workers and social prescribing",
          "Training and support", "Place-based factors", "Longevity of programmes",
          "Setting up and scaling up programmes", "Mental health"]

if not CHROMIUM.is_file():
    pytest.skip(
        f"Chromium is not installed ({CHROMIUM}); the browser test needs Debian's chromium "
        "package (apt-get install chromium), which .ci/run installs",
        allow_module_level=True,
    )
# Playwright for Python is a pinned dependency (requirements.lock): missing, the test errors
from playwright import sync_api  # noqa: E402


def crafted_data(seed: int = 135):
    """Eight questions, four groups, the twelve themes; every coded paragraph of Question 1 carries
    the crafted quotation (synthetic data for the test, not the study's)."""
    from synth.io import CodedData

    rng = np.random.default_rng(seed)
    book = pd.DataFrame([
        {"code_id": f"C{t:02d}{k}", "subtheme": f"Subtheme {t}.{k}", "theme": theme,
         "valence": "success" if k == 0 else "challenge"}
        for t, theme in enumerate(THEMES) for k in range(2)
    ])
    weights = np.linspace(3.0, 1.0, len(book))
    weights /= weights.sum()
    rows, sid = [], 0
    for g in range(4):
        for q in range(1, 9):
            for _ in range(int(rng.integers(4, 8))):
                sid += 1
                person = f"P{g}{int(rng.integers(0, 3))}"
                for code in rng.choice(book["code_id"], size=int(rng.integers(1, 3)),
                                       replace=False, p=weights):
                    rows.append({"segment_id": f"S{sid:04d}", "focus_group": f"FG{g + 1:02d}",
                                 "question": q, "participant_id": person, "code_id": code,
                                 "text": CRAFTED if q == 1 else ""})
    return CodedData.from_frames(pd.DataFrame(rows), book)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                              headless=True)
        yield launched
        launched.close()


class Visit:
    """A page opened from disk with the network refused, recording errors and dialogs."""

    def __init__(self, browser, path: Path) -> None:
        self.errors: list[str] = []
        self.refused: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def route(r) -> None:
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                self.refused.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def close(self) -> None:
        self.page.close()


def _wait_for_charts(page, n: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('.synth-interactive .js-plotly-plot .bars .point').length"
        f" >= {n}", timeout=60_000)


def _check_page(visit: Visit, first_question: int = 1) -> None:
    page = visit.page
    _wait_for_charts(page, 8 * len(THEMES))
    charts = page.locator(".synth-interactive .js-plotly-plot")
    assert charts.count() == 8, "eight interactive figures"
    for i in range(8):
        assert charts.nth(i).locator(".bars .point").count() == len(THEMES)
        assert charts.nth(i).locator(".main-svg").count() >= 1

    # hovering over the first bar of the first figure shows its values
    chart = page.locator(f"#interactive-figure-{first_question}")
    bar = chart.locator(".bars .point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and box["height"] > 0
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = chart.locator(".hoverlayer .hovertext")
    hover.first.wait_for(timeout=10_000)
    text = hover.first.text_content() or ""
    assert text.startswith(THEMES[0]) or THEMES[0] in text
    for label in ("mean: ", "SD: ", "n groups: 4", "FG01: ", "FG04: "):
        assert label in text, (label, text)

    # the contents' links lead somewhere, and following one scrolls to its target
    links = page.locator("#contents a[href^='#']")
    assert links.count() >= 3
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert page.locator(f"[id='{href[1:]}']").count() == 1, f"broken contents link {href}"
    target = page.locator("#contents a[href='#figure-3']").first
    page.evaluate("window.scrollTo(0, 0)")
    target.click()
    page.wait_for_function("location.hash === '#figure-3'")
    top = page.locator("[id='figure-3']").bounding_box()["y"]
    assert -5 <= top <= 100, f"Figure 3's heading is at y={top} after following its link"

    # the crafted quotation is shown as text, and its markup did nothing
    assert "<script>window.__pwned = 1</script>" in page.locator("body").inner_text()
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("img[src='x']").count() == 0
    assert visit.dialogs == []
    assert visit.errors == [], visit.errors
    assert visit.refused == [], f"the page asked the network for {visit.refused}"


# --- a page of synth.interactive's own ---------------------------------------------------------


@pytest.fixture(scope="module")
def own_page(tmp_path_factory) -> Path:
    from synth.analysis import analyse
    from synth.interactive import interactive_figure, interactive_html, plotly_script
    from synth.report import show_table

    result = analyse(crafted_data())
    parts = ['<nav id="contents"><a href="#figure-1">Figure 1</a> '
             '<a href="#figure-3">Figure 3</a> <a href="#quotes">Quotations</a></nav>']
    for q in result.questions:
        parts.append(f'<h2 id="figure-{q}">Figure {q}</h2>')
        parts.append(interactive_html(interactive_figure(result, q), f"interactive-figure-{q}"))
    parts.append(show_table(pd.DataFrame({"quotation": [CRAFTED]}), "Quotations",
                            anchor="quotes").markup)
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>charts</title>"
            f"{plotly_script()}</head><body>{''.join(parts)}"
            "<div style='height:2000px'></div></body></html>")
    path = tmp_path_factory.mktemp("own") / "page.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_interactive_figures_in_a_browser(browser, own_page: Path) -> None:
    visit = Visit(browser, own_page)
    try:
        _check_page(visit)
    finally:
        visit.close()


# --- the rendered report -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from synth.io import write_coded_data

    data = tmp_path_factory.mktemp("crafted")
    write_coded_data(crafted_data(), data)
    out = tmp_path_factory.mktemp("report") / "report"
    run = subprocess.run(
        [sys.executable, "-m", "synth.cli", "report", "--data", str(data), "--out", str(out),
         "--jobs", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert run.returncode == 0, f"synth report failed: {run.stderr[-3000:]}"
    return out / "report.html"


@pytest.mark.slow
def test_report_in_a_browser(browser, report: Path) -> None:
    visit = Visit(browser, report)
    try:
        _check_page(visit)
        first = visit.page.locator(".synth-interactive").first
        first.scroll_into_view_if_needed()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTEFACTS / "report-first-figure.png"
        first.screenshot(path=str(shot))
        assert shot.stat().st_size > 5_000
    finally:
        visit.close()


@pytest.mark.slow
def test_report_embeds_plotly_once(report: Path) -> None:
    from synth.interactive import plotly_js

    html_text = report.read_text(encoding="utf-8")
    assert html_text.count("Plotly.newPlot(") == 8
    blobs = re.findall(r'<script src="data:text/javascript;base64,([A-Za-z0-9+/=]+)">', html_text)
    assert len(blobs) == 1  # the library, once
    assert base64.b64decode(blobs[0]).decode("utf-8") == plotly_js()
    assert not re.search(r'<script[^>]+src="(?!data:)', html_text)  # nothing fetched: offline
