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
from synth.interactive import PLOTLY_MIMETYPE
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


def _annotation(fig: dict, name: str) -> str:
    (found,) = [a["text"] for a in fig["layout"]["annotations"] if a["name"] == name]
    return str(found)


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
    assert "Question 1: Successes?" in _annotation(fig, "title")
    assert numbers["mean %"].tolist() == pytest.approx(list(view["mean_pct"]))


def test_render_without_points_rule_or_colours(explorer: Explorer) -> None:
    fig, _ = explorer.render(question=1, points=False, rule=False, colour=False)
    assert len(fig["data"]) == 1
    assert len(set(fig["data"][0]["marker"]["color"])) == 1
    assert fig["layout"]["shapes"] == []
    coloured, _ = explorer.render(question=1, rule=False, colour=True)
    assert len(set(coloured["data"][0]["marker"]["color"])) == 2


def _hatched(fig: dict) -> set[str]:
    bars = fig["data"][0]
    return {t for t, shape in zip(bars["customdata"], bars["marker"]["pattern"]["shape"],
                                  strict=True) if shape}


def test_reported_themes_are_hatched_in_any_order(explorer: Explorer) -> None:
    # Beta (41.67) and Alpha (33.33) reach 50%; Gamma is not reported, whatever the bar order
    for rule in (False, True):
        for colour in (False, True):
            fig, _ = explorer.render(question=1, rule=rule, colour=colour)
            assert _hatched(fig) == {"Alpha", "Beta"}, (rule, colour)
    fig, _ = explorer.render(question=1, leave_out="FG3")  # then Alpha (50) alone reaches 50%
    assert _hatched(fig) == {"Alpha"}


@pytest.mark.parametrize("settings", [{}, {"points": True}, {"rule": True},
                                      {"points": True, "rule": True, "error": "ci95"},
                                      {"colour": False, "error": "se"}])
def test_the_figure_always_has_its_key(explorer: Explorer, settings: dict) -> None:
    fig, _ = explorer.render(question=1, **settings)
    key = _annotation(fig, "key")
    wanted = {"sd": "±1 SD", "se": "standard error", "ci95": "95% confidence interval"}
    assert wanted[settings.get("error", "sd")] in key
    assert "reported (50% rule)" in key
    assert ("major" in key) == settings.get("colour", True)


def test_cumulative_line_stays_inside_the_axes(explorer: Explorer) -> None:
    fig, _ = explorer.render(question=1, rule=True)
    line = fig["data"][-1]
    assert line["y"] == pytest.approx([125 / 3, 75.0, 100.0])
    low, high = fig["layout"]["yaxis2"]["range"]
    assert line["yaxis"] == "y2" and low <= min(line["y"]) and max(line["y"]) <= high


def test_full_question_text_in_the_title(tiny: CodedData) -> None:
    long = "Can you tell us " + "about the successes and achievements " * 6 + "?"
    ex = Explorer(tiny, questions_text={1: long})
    fig, _ = ex.render(question=1)
    title = _annotation(fig, "title").replace("<br>", " ")
    assert title == f"Question 1: {long} (coded paragraphs)"
    assert "..." not in title


def test_first_confidence_interval_needs_no_new_quantile(explorer: Explorer) -> None:
    from synth.explorer import _t_quantile

    before = _t_quantile.cache_info().misses
    for leave in (None, "FG1"):
        explorer.view(question=1, error="ci95", leave_out=leave)
    assert _t_quantile.cache_info().misses == before  # loaded when the explorer was built


def test_numbers_table_has_the_published_value_beside_the_reproduced(tiny: CodedData) -> None:
    from synth.interactive import FigureContext

    class Compared(FigureContext):
        def published_values(self, question: int) -> dict[str, float] | None:
            return {"Beta": 41.67} if question == 1 else {}

    ex = Explorer(tiny, questions_text={}, context=Compared())
    fig, numbers = ex.render(question=1)
    columns = list(numbers.columns)
    assert columns.index("published %") + 1 == columns.index("mean %")
    row = numbers.set_index("theme")
    assert row.loc["Beta", "published %"] == 41.67
    assert row.loc["Beta", "mean %"] == pytest.approx(125 / 3)
    assert math.isnan(row.loc["Alpha", "published %"])
    assert "published 41.67 → reproduced 41.67" in fig["data"][0]["hovertext"][1]


def test_csv_link_holds_the_current_view(explorer: Explorer) -> None:
    import base64
    import io

    from synth.explorer import csv_link

    _, numbers = explorer.render(question=1, error="se", leave_out="FG3")
    link = csv_link(numbers, "question1 view.csv")
    match = re.fullmatch(r'<a download="question1_view\.csv" href="data:text/csv;charset=utf-8;'
                         r'base64,([A-Za-z0-9+/=]+)">Download these numbers \(CSV\)</a>', link)
    assert match is not None
    back = pd.read_csv(io.StringIO(base64.b64decode(match.group(1)).decode("utf-8")))
    assert back["theme"].tolist() == ["Alpha", "Beta", "Gamma"]
    # leaving FG3 out: Alpha 50, Beta 12.5, Gamma 37.5; SE of Beta = 17.6777 / sqrt(2) = 12.5
    assert back["mean %"].tolist() == pytest.approx([50.0, 12.5, 37.5])
    assert back["error ±"].tolist()[1] == pytest.approx(12.5)
    assert "FG3" not in back.columns


def test_publication_view_draws_the_figure_file(tiny: CodedData) -> None:
    import base64
    import io

    from PIL import Image

    from synth.plots import FIGSIZE

    ex = Explorer(tiny, questions_text={})
    uri = ex.publication_png(1)
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.size == (int(FIGSIZE[0] * 100), int(FIGSIZE[1] * 100))  # figN.png's layout
    assert ex.publication_png(1) is uri  # drawn once
    assert ex.publication_png(2) != uri


def test_widget_controls_redraw(tiny: CodedData) -> None:
    pytest.importorskip("ipywidgets")
    ex = Explorer(tiny, questions_text={})
    box = ex.widget()
    html_table = ex._widgets["table"]
    assert "41.67" in html_table.value  # Beta's mean in question 1
    assert "Download these numbers (CSV)" in html_table.value
    controls = box.children[0].children  # question, leave out
    (shown,) = ex._widgets["figure"].outputs
    assert shown["data"][PLOTLY_MIMETYPE]["data"][0]["y"] == pytest.approx([100 / 3, 125 / 3, 25])
    controls[0].value = 2
    assert ex.settings["question"] == 2
    assert "100.00" in html_table.value
    (shown,) = ex._widgets["figure"].outputs  # replaced, not added to
    assert shown["data"][PLOTLY_MIMETYPE]["data"][0]["y"] == pytest.approx([0, 0, 100])
    controls[1].value = "FG1"  # leaves no group in question 2: refused, settings kept
    assert ex.settings["leave_out"] is None
    assert "leaves no focus group" in ex._widgets["status"].value
    checks = box.children[3].children  # points, colours, rule, publication view
    assert [c.description.split(" ")[0] for c in checks] == ["each", "major/minor", "50%",
                                                            "publication"]
    controls[1].value = ""  # no group left out again
    checks[3].value = True
    assert ex.settings["publication"] is True
    assert "Publication view" in html_table.value
    (shown,) = ex._widgets["figure"].outputs
    assert shown["data"]["text/html"].startswith('<img src="data:image/png;base64,')


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


# --- make lab ----------------------------------------------------------------------------------

LAB_URL = "/lab/tree/notebooks/90_explorer.ipynb"


def _lab_command(args: str) -> list[str]:
    import shlex
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("GNU make is not installed")
    out = subprocess.run(["make", "-n", "lab", f"LAB_ARGS={args}"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    line = next(ln for ln in out.stdout.splitlines() if " lab " in ln and "jupyter" in ln)
    return shlex.split(line)


def test_make_lab_serves_the_project_root_and_opens_the_explorer() -> None:
    args = _lab_command("--no-browser --ip=10.0.0.5 --port=9123")
    assert args[0].endswith("/jupyter") and args[1] == "lab"
    assert "--ServerApp.root_dir=." in args  # README, figures/ and reports/ in the file browser
    assert f"--LabApp.default_url={LAB_URL}" in args  # the explorer, not an empty launcher
    assert args[-3:] == ["--no-browser", "--ip=10.0.0.5", "--port=9123"]  # LAB_ARGS, last


def test_explorer_notebook_says_how_to_start_it() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert "Run All Cells" in first.split("\n\n")[1]  # the first paragraph under the title
    assert nb["metadata"]["kernelspec"]["name"] == "synth"  # the kernel make lab installs


@pytest.mark.slow
def test_make_lab_starts_jupyterlab_on_the_explorer(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    _lab_command("")  # skips without make
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = tmp_path / "lab.log"
    with log.open("wb") as handle:
        server = subprocess.Popen(
            ["make", "lab", f"LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} "
                            "--IdentityProvider.token=synth-test"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # a generous bound on start-up, not a measurement
        while f":{port}/" not in log.read_text(errors="replace"):
            assert server.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "JupyterLab did not start within 120 s"
            time.sleep(0.2)
        printed = re.search(rf"http://127\.0\.0\.1:{port}(\S*)\?token", log.read_text())
        assert printed is not None and printed.group(1) == LAB_URL

        def get(path: str) -> dict:
            url = f"http://127.0.0.1:{port}{path}?token=synth-test"
            with urllib.request.urlopen(url, timeout=30) as response:
                return json.loads(response.read())

        root = {item["name"] for item in get("/api/contents")["content"]}
        assert {"README.md", "notebooks", "data", "Makefile"} <= root
        notebook = get("/api/contents/notebooks/90_explorer.ipynb")
        assert notebook["type"] == "notebook"
        assert notebook["content"]["cells"][0]["source"].startswith("# Explorer")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{LAB_URL}?token=synth-test",
                                    timeout=30) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
