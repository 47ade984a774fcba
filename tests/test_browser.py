"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` package, never a
browser download) driven by Playwright for Python.

Two pages are opened from disk, at 1366 x 900, with every network request refused (the report must
work offline):

- ``report.html`` rendered once per session on the shipped data (the ``shipped_report`` fixture):
  the summary with the audit's count and the published values on the first screen and a half,
  the contents before any checksum table, at most 25 screens before anything is unfolded, no
  console message at all, real alt text on every image, a reported bar of Figure 1 whose tooltip
  gives its published value, its evidence panel bringing the paper's quotation into view, and
  links into folded parts that open them;
- a small page built from :mod:`synth.interactive` alone (plotly.js and the evidence script
  embedded once, eight charts with their evidence, a table) on crafted data whose names and
  paragraphs carry markup (``<script>``, ``<img onerror>``): everything is shown as text and
  nothing runs.

The expected numbers come from the published record (``data/raw/published``), not from the code
under test. Screenshots are saved under ``reports/test-artefacts/`` (or ``$SYNTH_TEST_ARTEFACTS``).
The tests skip, saying so, only when Chromium is not installed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
CHROMIUM = Path(os.environ.get("SYNTH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTH, HEIGHT = 1366, 900
CRAFTED = 'Crafted <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2">'
ARTEFACTS = Path(os.environ.get("SYNTH_TEST_ARTEFACTS", ROOT / "reports" / "test-artefacts"))
THEMES = ["Research evidence", "Funding", "Relationships with partners",
          "Health inequalities and deprivation", "Community involvement",
          "Health service and integrated care systems", "Link workers and social prescribing",
          "Training and support", "Place-based factors", "Longevity of programmes",
          "Setting up and scaling up programmes", "Mental <b>health</b>"]

if not CHROMIUM.is_file():
    pytest.skip(
        f"Chromium is not installed ({CHROMIUM}); the browser test needs Debian's chromium "
        "package (apt-get install chromium), which .ci/run installs",
        allow_module_level=True,
    )
# Playwright for Python is a pinned dependency (requirements.lock): missing, the test errors
from playwright import sync_api  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                              headless=True)
        yield launched
        launched.close()


class Visit:
    """A page opened from disk with the network refused, recording console messages (of every
    kind), uncaught errors and dialogs."""

    def __init__(self, browser, path: Path) -> None:
        self.messages: list[str] = []
        self.refused: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        self.page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.messages.append(f"uncaught: {e}"))
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


def _wait_for_charts(page, bars: int) -> None:
    page.wait_for_function(
        "document.querySelectorAll('.synth-interactive .js-plotly-plot .bars .point').length"
        f" >= {bars}", timeout=60_000)


def _bar(page, question: int, index: int):
    bar = page.locator(f"#interactive-figure-{question} .bars .point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and box["height"] > 0
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _hover_text(page, question: int, index: int) -> str:
    x, y = _bar(page, question, index)
    page.mouse.move(x, y)
    hover = page.locator(f"#interactive-figure-{question} .hoverlayer .hovertext")
    hover.first.wait_for(timeout=10_000)
    return hover.first.text_content() or ""


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["height"] > 0 and -2 <= box["y"] and \
        box["y"] + min(box["height"], 40) <= HEIGHT


def _shot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 5_000
    return path


# --- the rendered report on the shipped data ---------------------------------------------------


@pytest.fixture(scope="module")
def report_visit(browser, shipped_report: Path) -> Iterator[Visit]:
    visit = Visit(browser, shipped_report / "report.html")
    _wait_for_charts(visit.page, 8 * 12)
    yield visit
    visit.close()


@pytest.fixture(scope="module")
def published() -> dict[str, pd.DataFrame]:
    claims = pd.read_csv(RAW / "published" / "claims.csv", dtype={"value": str})
    quotes = pd.read_csv(RAW / "published" / "quotations.csv")
    return {"claims": claims, "quotations": quotes}


@pytest.mark.slow
def test_report_loads_quietly_offline_and_short(report_visit: Visit) -> None:
    page = report_visit.page
    assert page.locator(".synth-interactive .js-plotly-plot").count() == 8
    page.wait_for_timeout(500)  # let plotly finish any deferred drawing before counting messages
    assert report_visit.messages == [], report_visit.messages
    assert report_visit.refused == [], f"the page asked the network for {report_visit.refused}"
    assert report_visit.dialogs == []
    # before anything is unfolded: at most 25 screens, the rest folded, not removed
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 25 * HEIGHT, f"{height} px = {height / HEIGHT:.1f} screens"
    assert page.locator("details.synth-fold").count() >= 10
    assert page.locator("details.synth-fold[open]").count() == 0


@pytest.mark.slow
def test_summary_comes_first_with_the_audit_and_the_published_values(
    report_visit: Visit, published: dict[str, pd.DataFrame]
) -> None:
    page = report_visit.page
    page.evaluate("window.scrollTo(0, 0)")
    first_screens = 1.5 * HEIGHT
    audit = page.locator("#summary-audit")
    box = audit.bounding_box()
    assert box is not None and box["y"] + box["height"] <= first_screens
    n_claims = len(published["claims"])
    assert f"all {n_claims} numbers the paper publishes are reproduced" in audit.inner_text()
    table = page.locator("#summary-figures")
    box = table.bounding_box()
    assert box is not None and box["y"] + box["height"] <= first_screens, box
    text = table.inner_text()
    assert "published" in text
    pct = published["claims"][published["claims"]["kind"] == "question_pct"]
    for value in pct["value"]:
        assert value in text
    # the caveat a reviewer needs most is on the first screen: what the paper pins
    note = page.locator("#summary-data")
    assert f"pins only {len(pct)} of the 96 bars" in note.inner_text()
    assert note.bounding_box()["y"] < HEIGHT
    _shot(page, "report-summary.png")


@pytest.mark.slow
def test_contents_come_before_any_checksum_and_stay_in_view(report_visit: Visit) -> None:
    page = report_visit.page
    order = page.evaluate("""() => {
      const all = Array.from(document.querySelectorAll('#contents, table'));
      const firstSum = all.findIndex(e => /[0-9a-f]{64}/.test(e.textContent || ''));
      return [all.findIndex(e => e.id === 'contents'), firstSum];
    }""")
    assert order[1] > order[0] >= 0, order
    checksums = page.locator("#input-checksums")
    assert checksums.evaluate("d => d.tagName === 'DETAILS' && !d.open")  # folded by default
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    assert _in_view(page, page.locator("#contents a[href='#top']"))  # sticky while scrolling
    # every contents link leads somewhere
    links = page.locator("#contents a[href^='#']")
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert page.locator(f"[id='{href[1:]}']").count() == 1, f"broken contents link {href}"
    # a link into a folded part opens it and brings the target into view
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#contents a[href='#table-2']").click()
    page.wait_for_function("location.hash === '#table-2'")
    target = page.locator("[id='table-2']")
    assert target.evaluate("e => e.closest('details').open")
    assert _in_view(page, target), target.bounding_box()
    page.locator("#contents a[href='#figure-3']").click()
    page.wait_for_function("location.hash === '#figure-3'")
    top = page.locator("[id='figure-3']").bounding_box()["y"]
    assert -5 <= top <= 100, f"Figure 3's heading is at y={top} after following its link"
    assert page.locator("a[href='#top']").count() >= 10  # back-to-top links


@pytest.mark.slow
def test_every_image_says_what_it_shows(report_visit: Visit) -> None:
    images = report_visit.page.evaluate(
        "() => Array.from(document.querySelectorAll('img'), i => i.getAttribute('alt'))")
    assert images, "the report shows images"
    for alt in images:
        assert alt and len(alt) >= 30, alt
        assert "No description" not in alt and not re.search(r"\.(png|svg|jpe?g)$", alt)
    # the fallback of each interactive figure is its static PNG, described by its caption
    fallbacks = report_visit.page.evaluate("""() => Array.from(
        document.querySelectorAll('.synth-figure-chart noscript'), n => n.textContent)""")
    assert len(fallbacks) == 8
    for n, markup in enumerate(fallbacks, 1):
        assert f'alt="Figure {n}. ' in markup and "data:image/png;base64," in markup


@pytest.mark.slow
def test_a_reported_bar_shows_its_published_value(
    report_visit: Visit, published: dict[str, pd.DataFrame]
) -> None:
    claims = published["claims"]
    row = claims[(claims["kind"] == "question_pct") & (claims["question"] == 1)
                 & (claims["subject"].str.lower() == "relationships with partners")].iloc[0]
    page = report_visit.page
    index = THEMES.index("Relationships with partners")
    text = _hover_text(page, 1, index)
    assert text.startswith("Relationships with partners"), text
    assert f"published {row['value']} → reproduced {row['value']}" in text
    for label in ("SD: ", "groups: 10", "FG01: ", "FG10: "):
        assert label in text, (label, text)
    # its published value is written on the figure
    labels = page.locator("#interactive-figure-1 .annotation-text").all_text_contents()
    assert row["value"] in labels
    # a bar the paper does not publish says so
    other = _hover_text(page, 1, THEMES.index("Funding"))
    assert "not published" in other and "→" not in other


@pytest.mark.slow
def test_clicking_a_bar_brings_its_quotation_into_view(
    report_visit: Visit, published: dict[str, pd.DataFrame]
) -> None:
    quotes = published["quotations"]
    first = quotes[(quotes["question"] == 1)
                   & (quotes["theme"] == "Relationships with partners")]["quotation"].iloc[0]
    page = report_visit.page
    page.evaluate("window.scrollTo(0, 0)")
    x, y = _bar(page, 1, THEMES.index("Relationships with partners"))
    page.mouse.click(x, y)
    panel = page.locator("#figure-1-block .synth-evidence")
    quote = panel.locator("blockquote.synth-quotation p", has_text=first.strip()[:60])
    quote.first.wait_for(timeout=10_000)
    assert _in_view(page, quote.first), quote.first.bounding_box()
    assert panel.locator("h4").inner_text() == "Relationships with partners"
    assert "Published quotations (Table 2)" in panel.inner_text()
    _shot(page, "report-figure-1-evidence.png")


@pytest.mark.slow
def test_audit_filter_finds_claims_in_folded_sections(
    report_visit: Visit, published: dict[str, pd.DataFrame]
) -> None:
    claims = published["claims"]
    wanted = claims[claims["statement"].str.contains("28.70", regex=False)
                    | (claims["value"] == "28.70")]
    assert len(wanted) >= 1
    page = report_visit.page
    box = page.locator("input.synth-filter")
    box.scroll_into_view_if_needed()
    box.fill("28.70")
    rows = page.locator("#audit-claims tr[data-row]:not([hidden])")
    shown = rows.all_inner_texts()
    assert sorted(r.split("\t")[0] for r in shown) == sorted(wanted["claim_id"])
    assert rows.first.evaluate("r => r.closest('details') === null || r.closest('details').open")
    assert f"{len(wanted)} claims match the filter" in page.locator(
        "#audit-claims .synth-filter-count").inner_text()
    # each claim links to what it concerns: this one to Figure 1
    assert rows.first.locator("a[href='#figure-1']").count() == 1
    box.fill("")
    assert page.locator("#audit-claims tr[data-row][hidden]").count() == 0


# --- a page of synth.interactive's own, on crafted data -----------------------------------------


def crafted_data(seed: int = 135):
    """Eight questions, four groups, twelve themes (one named with markup); every coded paragraph
    of Question 1 carries the crafted text (synthetic data for the test, not the study's)."""
    from synth.io import CodedData

    rng = np.random.default_rng(seed)
    book = pd.DataFrame([
        {"code_id": f"C{t:02d}{k}", "subtheme": f"Subtheme {t}.{k} <i>x</i>", "theme": theme,
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
    people = pd.DataFrame({"participant_id": [f"P{g}{i}" for g in range(4) for i in range(3)],
                           "focus_group": [f"FG{g + 1:02d}" for g in range(4) for _ in range(3)],
                           "role": ["<b>curator</b>"] * 12})
    return CodedData.from_frames(pd.DataFrame(rows), book, people)


@pytest.fixture(scope="module")
def own_page(tmp_path_factory) -> Path:
    from matplotlib.figure import Figure

    from synth.analysis import analyse
    from synth.display import show_table
    from synth.interactive import evidence_script, plotly_script, show_question_figure

    data = crafted_data()
    result = analyse(data)
    parts = ['<nav id="contents"><a href="#figure-1">Figure 1</a> '
             '<a href="#figure-3">Figure 3</a> <a href="#quotes">Quotations</a></nav>']
    static = Figure(figsize=(3, 2))
    static.subplots().bar([0, 1], [1, 2])
    for q in result.questions:
        parts.append(f'<h2 id="figure-{q}">Figure {q}</h2>')
        block = show_question_figure(data, result, q, caption=f"Figure {q}. {CRAFTED}",
                                     static=static)
        parts.append(block._repr_mimebundle_()["text/html"])
    parts.append(show_table(pd.DataFrame({"quotation": [CRAFTED]}), "Quotations",
                            anchor="quotes").markup)
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>charts</title>"
            f"{plotly_script()}{evidence_script()}</head><body>{''.join(parts)}"
            "<div style='height:2000px'></div></body></html>")
    path = tmp_path_factory.mktemp("own") / "page.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_crafted_markup_is_shown_as_text_and_never_runs(browser, own_page: Path) -> None:
    visit = Visit(browser, own_page)
    page = visit.page
    try:
        _wait_for_charts(page, 8 * len(THEMES))
        charts = page.locator(".synth-interactive .js-plotly-plot")
        assert charts.count() == 8
        for i in range(8):
            assert charts.nth(i).locator(".bars .point").count() == len(THEMES)
        # the hover shows the values and the escaped theme name
        text = _hover_text(page, 1, len(THEMES) - 1)
        assert text.startswith("Mental <b>health</b>"), text
        for label in ("mean: ", "SD: ", "groups: 4", "FG01: ", "FG04: "):
            assert label in text, (label, text)
        # clicking a bar fills the evidence panel with the crafted paragraphs, as text
        x, y = _bar(page, 1, 0)
        page.mouse.click(x, y)
        panel = page.locator("#figure-1-block .synth-evidence")
        panel.locator("blockquote.synth-paragraph").first.wait_for(timeout=10_000)
        shown = panel.inner_text()
        assert "<script>window.__pwned = 1</script>" in shown
        assert "<b>curator</b>" in shown and "<i>x</i>" in shown
        # choosing a theme from the list does the same without a mouse
        page.locator("#figure-1-block select.synth-evidence-select").select_option("11")
        assert panel.locator("h4").inner_text() == "Mental <b>health</b>"
        # the table and the captions show the markup as text too
        assert "<script>window.__pwned = 1</script>" in page.locator("#quotes + table").inner_text()
        assert page.locator(".synth-caption").first.inner_text().count("<img src=x") == 1
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator("img[src='x']").count() == 0
        assert visit.dialogs == []
        assert visit.messages == [], visit.messages
        assert visit.refused == [], f"the page asked the network for {visit.refused}"
    finally:
        visit.close()
