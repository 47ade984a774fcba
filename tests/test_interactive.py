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
    assert "n groups: 3" in hover
    assert "FG1: 50.00%" in hover and "FG2: 50.00%" in hover and "FG3: 0.00%" in hover
    assert "reported (50% rule)" in hover
    assert "reported" not in fig.data[0].hovertext[2]  # Gamma (25%) is not reported


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
    assert "one group answered" in spec["layout"]["annotations"][0]["text"]
