"""The explorer's pure functions, checked by hand on a tiny dataset, its widget wiring, and the
explorer notebook executed with papermill (on the shipped data when present).

The tiny dataset (three themes, three focus groups, two questions) and its hand-worked numbers:

Question 1, unit paragraph (distinct coded paragraphs per theme / the group's total):

    group  Alpha  Beta  Gamma           S1,S2: Alpha; S3: Beta; S4: Gamma (FG1)
    FG1     50     25     25            S5: Alpha; S6: Gamma (FG2)
    FG2     50      0     50            S7, S8: Beta (FG3, two participants)
    FG3      0    100      0

    mean   33.333 41.667 25.000
    SD (ddof 1) of Alpha = sqrt(((50-33.3)^2 * 2 + 33.3^2) / 2) = sqrt(2500 / 3) = 28.8675
    SE of Alpha = 28.8675 / sqrt(3) = 16.6667; 95% CI half-width = t(0.975, 2) 4.302653 x SE = 71.7109
    50% rule: Beta (41.67) is short of 50, Beta + Alpha = 75 reaches it: Beta and Alpha reported.

Leaving FG3 out: Alpha (50, 50) -> 50, SD 0; Beta (25, 0) -> 12.5, SD 17.6777; Gamma 37.5, SD 17.6777;
Alpha alone reaches 50, so only Alpha is reported.

Unit code: FG1's P1 makes the Alpha point twice (S1, S2), which counts once, so FG1 is 1/3 each:
Alpha (33.33 + 50 + 0) / 3 = 27.78, Beta (33.33 + 0 + 100) / 3 = 44.44, Gamma 27.78.

Question 2: only FG1 answered (Gamma 100): one group, so SD and every error bar are missing.

Code occurrences per theme: Alpha 2, Beta 3, Gamma 3 (mean 2.67), so Beta and Gamma are major.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth.analysis import analyse, select_themes
from synth.explorer import (
    ERRORS,
    Explorer,
    QuestionShares,
    explore,
    numbers_table,
    question_shares_matrix,
    view_table,
)
from synth.io import CodedData, write_coded_data

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "90_explorer.ipynb"
SHIPPED = ROOT / "data" / "raw"

T_975_2 = 4.302652729911275  # Student's t, 0.975 quantile, 2 degrees of freedom (tables: 4.303)


@pytest.fixture(scope="module")
def tiny() -> CodedData:
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
            "theme": ["Alpha", "Beta", "Gamma"],
            "valence": ["success", "challenge", "success"],
        }
    )
    return CodedData.from_frames(seg, book)


@pytest.fixture(scope="module")
def explorer(tiny: CodedData) -> Explorer:
    return Explorer(tiny, questions_text={1: "Successes?", 2: "Challenges?"})


def _row(table: pd.DataFrame, theme: str) -> pd.Series:
    return table.set_index("theme").loc[theme]


# --- the numbers for each control setting ------------------------------------------------------


def test_matrix_holds_each_groups_percentages(tiny: CodedData) -> None:
    m = question_shares_matrix(analyse(tiny), 1)
    assert m.groups == ("FG1", "FG2", "FG3")
    assert m.themes == ("Alpha", "Beta", "Gamma")
    np.testing.assert_allclose(m.pct, [[50, 25, 25], [50, 0, 50], [0, 100, 0]])
    with pytest.raises(ValueError, match="question 7 has no codings"):
        question_shares_matrix(analyse(tiny), 7)


def test_sd_is_the_papers_error_bar(explorer: Explorer) -> None:
    view = explorer.view(question=1, error="sd", rule=False)
    assert list(view["theme"]) == ["Alpha", "Beta", "Gamma"]  # codebook order
    np.testing.assert_allclose(view["mean_pct"], [100 / 3, 125 / 3, 25.0])
    assert _row(view, "Alpha")["sd_pct"] == pytest.approx(math.sqrt(2500 / 3))
    assert _row(view, "Alpha")["err"] == pytest.approx(28.867513)
    assert _row(view, "Alpha")["lower"] == pytest.approx(100 / 3 - 28.867513)
    assert set(view["n_groups"]) == {3}
    assert list(view.loc[view["reported"], "theme"]) == ["Alpha", "Beta"]


def test_standard_error_and_confidence_interval(explorer: Explorer) -> None:
    se = _row(explorer.view(question=1, error="se"), "Alpha")
    ci = _row(explorer.view(question=1, error="ci95"), "Alpha")
    assert se["err"] == pytest.approx(16.666667)
    assert ci["err"] == pytest.approx(T_975_2 * 16.666667)
    assert ci["err"] == pytest.approx(71.7109, abs=1e-3)
    assert ci["upper"] == pytest.approx(100 / 3 + 71.7109, abs=1e-3)
    assert se["sd_pct"] == ci["sd_pct"]  # the SD itself does not change


def test_leave_one_group_out(explorer: Explorer) -> None:
    view = explorer.view(question=1, leave_out="FG3", rule=False)
    np.testing.assert_allclose(view["mean_pct"], [50.0, 12.5, 37.5])
    np.testing.assert_allclose(view["sd_pct"], [0.0, 17.677670, 17.677670], atol=1e-6)
    assert set(view["n_groups"]) == {2}
    assert list(view.loc[view["reported"], "theme"]) == ["Alpha"]


def test_leaving_out_a_group_that_did_not_answer_changes_nothing(explorer: Explorer) -> None:
    pd.testing.assert_frame_equal(explorer.view(question=2, leave_out="FG2"),
                                  explorer.view(question=2))


def test_one_group_has_no_error_bars_and_cannot_be_left_out(explorer: Explorer) -> None:
    for error in ERRORS:
        view = explorer.view(question=2, error=error)
        assert view["err"].isna().all() and view["sd_pct"].isna().all()
        assert _row(view, "Gamma")["mean_pct"] == 100.0
    with pytest.raises(ValueError, match="leaving out FG1 leaves no focus group that answered "
                                         "question 2"):
        explorer.view(question=2, leave_out="FG1")


def test_unit_code_counts_a_repeated_point_once(explorer: Explorer) -> None:
    view = explorer.view(question=1, unit="code", rule=False)
    np.testing.assert_allclose(view["mean_pct"], [250 / 9, 400 / 9, 250 / 9])
    assert list(view.loc[view["reported"], "theme"]) == ["Alpha", "Beta"]


def test_rank_order_and_cumulative_percentage(explorer: Explorer) -> None:
    view = explorer.view(question=1, rule=True)
    assert list(view["theme"]) == ["Beta", "Alpha", "Gamma"]
    np.testing.assert_allclose(view["cum_pct"], [125 / 3, 75.0, 100.0])


def test_major_minor_classes(explorer: Explorer) -> None:
    assert explorer.major == {"Beta", "Gamma"}
    view = explorer.view(question=1, rule=False)
    assert list(view["major"]) == [False, True, True]


def test_no_leave_out_equals_the_analysis(tiny: CodedData) -> None:
    result = analyse(tiny)
    for q in result.questions:
        view = view_table(question_shares_matrix(result, q))
        shares = result.shares[result.shares["question"] == q]
        np.testing.assert_allclose(view["mean_pct"], shares["mean_pct"])
        np.testing.assert_allclose(view["sd_pct"], shares["sd_pct"])


def test_reporting_rule_matches_select_themes_on_random_shares() -> None:
    rng = np.random.default_rng(20240135)
    themes = tuple(f"T{i}" for i in range(6))
    for trial in range(200):
        n = int(rng.integers(1, 6))
        counts = rng.integers(0, 4, size=(n, len(themes))).astype(float)
        counts[:, 0] += 1  # every group has at least one coding
        if trial % 3 == 0:
            counts[:, 1] = counts[:, 2]  # ties, broken by the theme order
        pct = 100 * counts / counts.sum(axis=1, keepdims=True)
        shares = QuestionShares(1, themes, tuple(f"G{i}" for i in range(n)), pct)
        view = view_table(shares)
        expected = select_themes(
            pd.DataFrame({"question": 1, "theme": themes, "mean_pct": pct.mean(axis=0)}),
            theme_order=themes,
        )
        assert set(view.loc[view["reported"], "theme"]) == set(expected["theme"])
        ranked = view_table(shares, order="rank")
        assert list(ranked["theme"][: len(expected)]) == list(expected["theme"])


def test_numbers_table_has_every_groups_value(explorer: Explorer) -> None:
    shares = explorer.shares(question=1)
    table = numbers_table(explorer.view(question=1, rule=False), shares)
    assert list(table.columns[-3:]) == ["FG1", "FG2", "FG3"]
    assert table["FG3"].tolist() == [0.0, 100.0, 0.0]
    assert table["class"].tolist() == ["minor", "major", "major"]
    left = numbers_table(explorer.view(question=1, leave_out="FG3"), shares, "FG3")
    assert "FG3" not in left.columns


def test_bad_settings_are_refused(explorer: Explorer) -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        explorer.view(colour_blind=True)
    with pytest.raises(ValueError, match="error must be one of sd, se, ci95, got 'iqr'"):
        explorer.view(error="iqr")
    with pytest.raises(ValueError, match="unit must be one of 'paragraph', 'code'; got 'word'"):
        explorer.view(unit="word")
    with pytest.raises(ValueError, match="question 9 has no codings"):
        explorer.view(question=9)
    with pytest.raises(ValueError, match="order must be"):
        view_table(explorer.shares(question=1), order="alphabetical")


# --- the figure the controls draw --------------------------------------------------------------


def test_render_draws_the_view(explorer: Explorer) -> None:
    fig, numbers = explorer.render(question=1, error="se", points=True, rule=True)
    bars = fig["data"][0]
    view = explorer.view(question=1, error="se", rule=True)
    assert bars["y"] == pytest.approx(list(view["mean_pct"]))
    assert bars["error_y"]["array"] == pytest.approx(list(view["err"]))
    points = fig["data"][1]
    assert len(points["y"]) == 3 * 3  # three themes x three groups
    assert sorted(points["y"]) == sorted(np.asarray(explorer.shares(question=1).pct).ravel())
    assert fig["data"][2]["y"] == pytest.approx([125 / 3, 75.0, 100.0])  # cumulative line
    assert fig["layout"]["shapes"][0]["y0"] == 50
    assert "Question 1: Successes?" in fig["layout"]["title"]["text"]
    assert numbers["mean %"].tolist() == pytest.approx(list(view["mean_pct"]))


def test_render_without_points_rule_or_colours(explorer: Explorer) -> None:
    fig, _ = explorer.render(question=1, points=False, rule=False, colour=False)
    assert len(fig["data"]) == 1
    assert len(set(fig["data"][0]["marker"]["color"])) == 1
    assert fig["layout"]["shapes"] == []
    assert "pattern" not in fig["data"][0]["marker"]  # no reported themes marked
    coloured, _ = explorer.render(question=1, rule=False, colour=True)
    assert len(set(coloured["data"][0]["marker"]["color"])) == 2


def test_widget_controls_redraw(tiny: CodedData) -> None:
    pytest.importorskip("ipywidgets")
    ex = Explorer(tiny, questions_text={})
    box = ex.widget()
    html_table = ex._widgets["table"]
    assert "41.67" in html_table.value  # Beta's mean in question 1
    controls = box.children[0].children  # question, leave out
    controls[0].value = 2
    assert ex.settings["question"] == 2
    assert "100.00" in html_table.value
    controls[1].value = "FG1"  # leaves no group in question 2: refused, settings kept
    assert ex.settings["leave_out"] is None
    assert "leaves no focus group" in ex._widgets["status"].value


def test_explore_sets_the_first_view(tiny: CodedData, tmp_path: Path) -> None:
    write_coded_data(tiny, tmp_path)
    ex = explore(tmp_path, question=2, unit="code")
    assert (ex.settings["question"], ex.settings["unit"]) == (2, "code")
    with pytest.raises(ValueError, match="question 5 has no codings"):
        explore(tmp_path, question=5)


# --- the notebook ------------------------------------------------------------------------------


def test_notebook_is_committed_clean_and_calls_the_package() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    params = "".join(code[0]["source"])
    for name in ("data_dir", "out_dir", "unit", "question"):
        assert re.search(rf"^{name} = ", params, re.M), name
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None
        source = "".join(cell["source"])
        assert not re.search(r"^\s*(def|class) ", source, re.M)
        assert "sys.path" not in source
    assert "synth.explorer" in "".join("".join(c["source"]) for c in code)


@pytest.mark.slow
def test_notebook_executes(tiny: CodedData, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill as pm

    if (SHIPPED / "coded_segments.csv").is_file():
        data_dir = SHIPPED
    else:  # before the reconstruction ships, the tiny dataset stands in
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        write_coded_data(tiny, data_dir)
    # a kernel running this interpreter (the project's environment), in a private JUPYTER_PATH
    spec = tmp_path / "jupyter" / "kernels" / "synth-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "synth (test)", "language": "python",
    }), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    executed = pm.execute_notebook(
        str(NOTEBOOK), None, kernel_name="synth-test", progress_bar=False, cwd=str(tmp_path),
        parameters={"data_dir": str(data_dir), "out_dir": str(tmp_path), "unit": "paragraph",
                    "question": 2},
    )
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    assert [o for o in outputs if o.get("name") == "stderr"] == []
    widget = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widget) == 1
    assert "VBox" in widget[0]["data"]["text/plain"]
