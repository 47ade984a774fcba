"""The plotly figures: same numbers as the publication figures, hover text, escaping, and a
report div without plotly.js.

The tiny dataset's hand-worked numbers are in tests/test_explorer.py's docstring: question 1
means Alpha 33.33, Beta 41.67, Gamma 25.00 over FG1-FG3; question 2 only FG1 answered.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth.analysis import analyse
from synth.interactive import (
    PLOTLY_MIMETYPE,
    figure_dict,
    group_values,
    interactive_figure,
    interactive_html,
    plotly_js,
    plotly_script,
    show_interactive,
)
from synth.io import CodedData, load_coded_data
from synth.plots import figure_table

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "raw"


def _tiny(theme_names: tuple[str, str, str] = ("Alpha", "Beta", "Gamma")) -> CodedData:
    seg = pd.DataFrame(
        {
            "segment_id": ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"],
            "focus_group": ["FG1", "FG1", "FG1", "FG1", "FG2", "FG2", "FG3", "FG3", "FG1"],
            "question": [1, 1, 1, 1, 1, 1, 1, 1, 2],
            "participant_id": ["P1", "P1", "P2", "P2", "P3", "P3", "P4", "P5", "P1"],
            "code_id": ["C1", "C1", "C2", "C3", "C1", "C3", "C2", "C2", "C3"],
        }
    )
    book = pd.DataFrame(
        {
            "code_id": ["C1", "C2", "C3"],
            "subtheme": ["a", "b", "c"],
            "theme": list(theme_names),
            "valence": ["success", "challenge", "success"],
        }
    )
    return CodedData.from_frames(seg, book)


def _annotation(spec: dict, name: str) -> str:
    (found,) = [a["text"] for a in spec["layout"]["annotations"] if a["name"] == name]
    return str(found)


@pytest.fixture(scope="module")
def tiny_analysis():
    return analyse(_tiny())


def test_bars_equal_the_publication_figures_numbers(tiny_analysis) -> None:
    for q in tiny_analysis.questions:
        fig = interactive_figure(tiny_analysis, q)
        table = figure_table(tiny_analysis, q)
        bars = fig.data[0]
        assert list(bars.x) == list(range(len(table)))
        np.testing.assert_allclose(np.asarray(bars.y, dtype=float), table["mean_pct"])
        if table["sd_pct"].notna().any():
            np.testing.assert_allclose(np.asarray(bars.error_y.array, dtype=float),
                                       table["sd_pct"])
        else:
            assert bars.error_y.array is None  # one group: no error bars, as in the seaborn figure
    np.testing.assert_allclose(
        interactive_figure(tiny_analysis, 1).data[0].y, [100 / 3, 125 / 3, 25.0]
    )


@pytest.mark.skipif(not (SHIPPED / "coded_segments.csv").is_file(),
                    reason="the shipped reconstructed data are not in data/raw yet")
def test_bars_equal_figure_table_on_the_shipped_data() -> None:
    result = analyse(load_coded_data(SHIPPED))
    for q in result.questions:
        fig = interactive_figure(result, q)
        table = figure_table(result, q)
        np.testing.assert_allclose(np.asarray(fig.data[0].y, dtype=float), table["mean_pct"])
        np.testing.assert_allclose(np.asarray(fig.data[0].error_y.array, dtype=float),
                                   table["sd_pct"])
    # the paper's Question 1: relationships with partners 28.70%, research evidence 25.68%
    table = figure_table(result, 1).set_index("theme")
    assert round(table.loc["Relationships with partners", "mean_pct"], 2) == 28.70
    assert round(table.loc["Research evidence", "mean_pct"], 2) == 25.68


def test_hover_shows_theme_mean_sd_groups_and_every_group(tiny_analysis) -> None:
    fig = interactive_figure(tiny_analysis, 1)
    hover = fig.data[0].hovertext[0]  # Alpha
    assert "<b>Alpha</b> (minor theme)" in hover
    assert "mean: 33.33%" in hover
    assert "SD: 28.87" in hover
    assert "groups: 3" in hover
    assert "FG1: 50.00%" in hover and "FG2: 50.00%" in hover and "FG3: 0.00%" in hover
    assert "reported (50% rule)" in hover
    assert "reported" not in fig.data[0].hovertext[2]  # Gamma (25%) is not reported
    assert "published" not in hover  # not compared with the paper: nothing said about it


def test_group_values_are_each_groups_percentages(tiny_analysis) -> None:
    wide = group_values(tiny_analysis, 1)
    assert list(wide.index) == ["Alpha", "Beta", "Gamma"]
    assert list(wide.columns) == ["FG1", "FG2", "FG3"]
    np.testing.assert_allclose(wide.to_numpy(), [[50, 50, 0], [25, 0, 100], [25, 50, 0]])


def test_major_minor_colours_and_rule_marks(tiny_analysis) -> None:
    fig = interactive_figure(tiny_analysis, 1)  # codebook order: Alpha, Beta, Gamma
    colours = list(fig.data[0].marker.color)
    assert colours[1] == colours[2] != colours[0]  # Beta, Gamma major; Alpha minor
    assert list(fig.data[0].marker.pattern.shape) == ["/", "/", ""]  # Alpha and Beta reported
    ruled = interactive_figure(tiny_analysis, 1, show_rule=True)  # rank order: Beta, Alpha, Gamma
    assert list(ruled.layout.xaxis.ticktext) == ["Beta", "Alpha", "Gamma"]
    assert list(ruled.data[0].marker.pattern.shape) == ["/", "/", ""]
    np.testing.assert_allclose(ruled.data[-1].y, [125 / 3, 75.0, 100.0])  # cumulative %
    assert ruled.layout.shapes[0].y0 == 50
    plain = interactive_figure(tiny_analysis, 1, colour_by_class=False)
    assert len(set(plain.data[0].marker.color)) == 1


def test_markup_in_names_is_escaped() -> None:
    result = analyse(_tiny(("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "C&D")))
    fig = interactive_figure(result, 1)
    spec = json.dumps(fig.to_plotly_json(), default=str)
    assert "<script>" not in spec and "<img" not in spec
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fig.layout.xaxis.ticktext[0].replace("<br>", "")
    assert "C&amp;D" in fig.data[0].hovertext[2]
    assert list(fig.data[0].customdata)[2] == "C&amp;D"


def test_interactive_html_is_a_div_without_plotly_js(tiny_analysis) -> None:
    fig = interactive_figure(tiny_analysis, 1)
    div = interactive_html(fig, "interactive-figure-1")
    assert div.startswith('<div class="synth-interactive" data-figure="interactive-figure-1">')
    assert 'id="interactive-figure-1"' in div
    assert "Plotly.newPlot" in div
    assert "<script src" not in div and len(div) < 100_000
    assert interactive_html(fig, "interactive-figure-1") == div  # same bytes every run
    with pytest.raises(ValueError, match="div_id must be letters"):
        interactive_html(fig, '1"><script>')


def test_plotly_js_is_the_bundled_library() -> None:
    import plotly

    js = plotly_js()
    assert len(js) > 1_000_000
    assert "Plotly" in js[:5000]
    assert "</script>" not in js  # safe to inline in one <script> element
    del plotly


def test_plotly_script_holds_the_library_once() -> None:
    import base64
    import re

    tag = plotly_script()
    payload = re.fullmatch(r'<script src="data:text/javascript;base64,([A-Za-z0-9+/=]+)"></script>',
                           tag)
    assert payload is not None
    assert base64.b64decode(payload.group(1)).decode("utf-8") == plotly_js()
    assert "Error:" not in tag  # the library's message strings stay out of the page's text


def test_show_interactive_offers_lab_and_html(tiny_analysis) -> None:
    bundle = show_interactive(tiny_analysis, 1)._repr_mimebundle_()
    assert set(bundle) == {PLOTLY_MIMETYPE, "text/html", "text/plain"}
    assert 'id="interactive-figure-1"' in bundle["text/html"]
    json.dumps(bundle[PLOTLY_MIMETYPE])  # JSON-serialisable for the notebook file


def test_figure_dict_checks_its_input() -> None:
    table = pd.DataFrame({"theme": ["A"], "mean_pct": [100.0], "sd_pct": [np.nan],
                          "n_groups": [1], "reported": [True]})
    with pytest.raises(ValueError, match="error must be 'sd', 'se' or 'ci95', got 'range'"):
        figure_dict(table, error="range")
    with pytest.raises(ValueError, match="table lacks column"):
        figure_dict(table.drop(columns="n_groups"))
    spec = figure_dict(table)
    assert "error_y" not in spec["data"][0]
    assert "one group answered" in _annotation(spec, "key")


# --- compared with the paper: published values, ensemble ranges, the key ---------------------


def test_published_bars_are_solid_and_carry_the_published_value(tiny_analysis) -> None:
    table = figure_table(tiny_analysis, 1)  # Alpha 33.33, Beta 41.67, Gamma 25.00
    spec = figure_dict(table, published={"Beta": 41.67},
                       ranges={"Alpha": (12.5, 40.0, 50), "Gamma": (0.0, 30.0, 50)})
    bars = spec["data"][0]
    fill = bars["marker"]["color"]
    assert fill[1].startswith("#") and fill[0].startswith("rgba(") and fill[2].startswith("rgba(")
    assert bars["marker"]["line"]["width"][0] > 0 and bars["marker"]["line"]["width"][2] > 0
    labels = [a for a in spec["layout"]["annotations"] if a["name"] == "published"]
    assert [(a["x"], a["text"]) for a in labels] == [(1, "41.67")]
    # the label sits on the top of Beta's whisker: Beta is 25, 0, 100 over the groups, mean
    # 41.667, squared deviations 277.78 + 1736.11 + 3402.78 = 5416.67, SD sqrt(5416.67 / 2) = 52.04
    assert labels[0]["y"] == pytest.approx(125 / 3 + 52.0416, abs=1e-3)
    assert "published 41.67 → reproduced 41.67" in bars["hovertext"][1]
    assert "not published: 12.5–40.0 across 50 reconstructions" in bars["hovertext"][0]
    assert "mean: 33.33%" in bars["hovertext"][0]
    key = _annotation(spec, "key")
    assert "the paper publishes the value" in key and "not published" in key


def test_not_compared_marks_nothing_as_published(tiny_analysis) -> None:
    spec = figure_dict(figure_table(tiny_analysis, 1))
    assert all(c.startswith("#") for c in spec["data"][0]["marker"]["color"])
    assert [a["name"] for a in spec["layout"]["annotations"]] == ["key"]  # the key only
    assert "publish" not in _annotation(spec, "key")
    assert not any("publish" in h for h in spec["data"][0]["hovertext"])


def test_error_bars_are_not_clipped_at_zero(tiny_analysis) -> None:
    # Gamma: mean 25, SD 28.87: its whisker reaches 25 - 28.87 = -3.87, and the axis shows it
    spec = figure_dict(figure_table(tiny_analysis, 1))
    low, high = spec["layout"]["yaxis"]["range"]
    assert low < 25.0 - 28.8675 < 0
    assert high > 125 / 3 + 52.0416  # Beta's whisker top
    assert "not clipped at 0" in _annotation(spec, "key")


@pytest.mark.parametrize(("error", "words"), [("sd", "±1 SD across focus groups"),
                                              ("se", "standard error of the mean"),
                                              ("ci95", "95% confidence interval")])
@pytest.mark.parametrize("points", [False, True])
@pytest.mark.parametrize("rule", [False, True])
def test_the_key_is_always_there(tiny_analysis, error, words, points, rule) -> None:
    spec = figure_dict(figure_table(tiny_analysis, 1).assign(major=[False, True, True]),
                       groups=group_values(tiny_analysis, 1), error=error, show_points=points,
                       show_rule=rule)
    key = _annotation(spec, "key")
    assert words in key and "major" in key and "reported (50% rule)" in key
    assert ("each focus group" in key) == points
    assert ("cumulative" in key) == rule


def test_the_cumulative_line_stays_inside_its_axis(tiny_analysis) -> None:
    spec = figure_dict(figure_table(tiny_analysis, 1), show_rule=True)
    line = spec["data"][-1]
    assert line["yaxis"] == "y2" and max(line["y"]) == pytest.approx(100.0)
    low, high = spec["layout"]["yaxis2"]["range"]
    assert low <= min(line["y"]) and max(line["y"]) <= high
    assert spec["layout"]["shapes"][0]["yref"] == "y2" and spec["layout"]["shapes"][0]["y0"] == 50


def test_long_titles_are_wrapped_not_cut() -> None:
    table = pd.DataFrame({"theme": ["A"], "mean_pct": [100.0], "sd_pct": [np.nan],
                          "n_groups": [1], "reported": [True]})
    words = " ".join(f"word{i}" for i in range(60))  # about 400 characters
    title = _annotation(figure_dict(table, title=words), "title")
    assert title.replace("<br>", " ") == words
    assert title.count("<br>") >= 4


def test_context_of_the_shipped_data_gives_the_papers_values() -> None:
    from synth.interactive import FigureContext

    if not (SHIPPED / "coded_segments.csv").is_file():
        pytest.skip("the shipped reconstructed data are not in data/raw")
    claims = pd.read_csv(SHIPPED / "published" / "claims.csv", dtype={"value": str})
    pct = claims[claims["kind"] == "question_pct"]
    context = FigureContext.from_folder(SHIPPED, ensemble=SHIPPED / "no-such-file.csv")
    assert context.compared and context.shipped and context.ranges is None
    for q in range(1, 9):
        values = context.published_values(q)
        assert sorted(f"{v:.2f}" for v in values.values()) == sorted(
            pct.loc[pct["question"] == q, "value"])
    assert context.published_values(1)["Relationships with partners"] == 28.70


def test_context_of_other_data_compares_nothing(tmp_path: Path) -> None:
    from synth.interactive import FigureContext
    from synth.io import write_coded_data

    write_coded_data(_tiny(), tmp_path)
    context = FigureContext.from_folder(tmp_path)
    assert not context.compared and not context.shipped
    assert context.published_values(1) is None and context.ranges_for(1) is None
    assert context.quotations(1).empty


def test_ensemble_ranges_are_read_for_the_shipped_data(tmp_path: Path) -> None:
    from synth import DataError
    from synth.interactive import FigureContext

    if not (SHIPPED / "coded_segments.csv").is_file():
        pytest.skip("the shipped reconstructed data are not in data/raw")
    ranges = tmp_path / "ensemble_ranges.csv"
    ranges.write_text("question,theme,n_seeds,mean_min,mean_max,pinned\n"
                      "1,Funding,50,0.3,16.9,False\n", encoding="utf-8")
    context = FigureContext.from_folder(SHIPPED, ensemble=ranges)
    assert context.ranges_for(1) == {"Funding": (0.3, 16.9, 50)}
    assert FigureContext.from_folder(SHIPPED, unit="code", ensemble=ranges).ranges is None
    ranges.write_text("question,theme\n1,Funding\n", encoding="utf-8")
    with pytest.raises(DataError, match="ensemble_ranges.csv.*lacks column"):
        FigureContext.from_folder(SHIPPED, ensemble=ranges)


# --- the evidence behind each bar -----------------------------------------------------------


def _with_text() -> CodedData:
    data = _tiny()
    seg = data.segments.copy()
    seg["text"] = ""
    seg.loc[seg["segment_id"] == "S3", "text"] = "Beta <script>alert(1)</script> said"
    seg.loc[seg["segment_id"] == "S7", "text"] = "Another Beta point"
    people = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P4", "P5"],
                           "focus_group": ["FG1", "FG1", "FG2", "FG3", "FG3"],
                           "role": ["curator", "researcher", "curator", "manager", "nurse"]})
    return CodedData.from_frames(seg, data.codebook, people)


def test_evidence_counts_subthemes_groups_and_paragraphs() -> None:
    from synth.interactive import evidence

    data = _with_text()
    result = analyse(data)
    bars = {b["theme"]: b for b in evidence(data, result, 1)["themes"]}
    # Alpha (subtheme a): paragraphs S1, S2, S5; code occurrences (P1, C1), (P3, C1)
    assert bars["Alpha"]["subthemes"] == [["a", "success", 3, 2]]
    # Beta (subtheme b): paragraphs S3, S7, S8 by three participants
    assert bars["Beta"]["subthemes"] == [["b", "challenge", 3, 3]]
    assert bars["Gamma"]["subthemes"] == [["c", "success", 2, 2]]
    assert bars["Beta"]["groups"] == [["FG1", 25.0], ["FG2", 0.0], ["FG3", 100.0]]
    assert bars["Beta"]["paragraphs_total"] == 2
    assert bars["Beta"]["paragraphs"] == [["FG1", "researcher", "Beta <script>alert(1)</script> said"],
                                          ["FG3", "manager", "Another Beta point"]]
    assert bars["Alpha"]["paragraphs"] == [] and bars["Alpha"]["quotations"] == []
    assert bars["Alpha"]["published"] is None


def test_evidence_json_cannot_close_its_script_element() -> None:
    from synth.interactive import evidence, evidence_json

    data = _with_text()
    payload = evidence(data, analyse(data), 1)
    text = evidence_json(payload)
    assert "<" not in text and ">" not in text and "&" not in text.replace("\\u0026", "")
    assert json.loads(text) == json.loads(json.dumps(payload))


def test_question_figure_block_has_fallback_downloads_caption_and_evidence() -> None:
    import html as html_lib
    import re

    from matplotlib.figure import Figure

    from synth.interactive import show_question_figure

    data = _with_text()
    result = analyse(data)
    static = Figure(figsize=(2, 2))
    static.subplots().bar([0, 1], [1, 2])
    caption = "Figure 1. Question 1: bars <b>and</b> whiskers."
    bundle = show_question_figure(data, result, 1, caption=caption, static=static)
    markup = bundle._repr_mimebundle_()["text/html"]
    alt = re.search(r'<noscript><img src="data:image/png;base64,[^"]+" alt="([^"]*)"></noscript>',
                    markup)
    assert alt is not None and html_lib.unescape(alt.group(1)) == caption
    for ext in ("png", "svg", "pdf", "csv"):
        assert f'href="figures/fig1.{ext}" download' in markup
    assert "<b>and</b>" not in markup and "&lt;b&gt;and&lt;/b&gt;" in markup
    assert "not clipped at 0" in markup
    payload = re.search(r'<script type="application/json" class="synth-evidence-data">(.*?)'
                        r"</script>", markup, re.S)
    assert payload is not None
    assert json.loads(payload.group(1))["themes"][1]["paragraphs"][0][2].startswith("Beta <script>")
    assert markup.count("<script>alert") == 0
    assert bundle._repr_mimebundle_()[PLOTLY_MIMETYPE]["data"][0]["type"] == "bar"
