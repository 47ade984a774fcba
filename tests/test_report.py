"""The report machinery: display helpers, parameter checks, failure reporting, clean-up.

Fast tests work on notebook objects in memory; the few that start a kernel use one-cell notebooks
on a tiny dataset (a kernel start takes a few seconds).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from synth import ReportError
from synth.io import CodedData, load_coded_data
from synth.report import _exec as rx
from synth.report import figure_caption, render_report, show_heading, show_table

PARAMS = 'data_dir = "."\nout_dir = "."\nunit = "paragraph"'


def _notebook(*sources: str, params: str = PARAMS) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# A test notebook")]
    first = nbformat.v4.new_code_cell(params)
    first.metadata["tags"] = ["parameters"]
    cells.append(first)
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i}"
    return nbformat.v4.new_notebook(cells=cells)


def _write(folder: Path, name: str, nb: nbformat.NotebookNode) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def tiny_data(tmp_path: Path) -> CodedData:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "codebook.csv").write_text(
        "code_id,subtheme,theme,valence\nC1,Surveys,Research evidence,success\n", encoding="utf-8"
    )
    (folder / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id,text\n"
        "S1,FG1,1,P1,C1,<script>alert(1)</script>\n",
        encoding="utf-8",
    )
    return load_coded_data(folder)


# --- display helpers -----------------------------------------------------------------------


def test_show_table_escapes_and_formats() -> None:
    frame = pd.DataFrame(
        {"theme": ["<script>alert(1)</script>", "A & B"], "mean_pct": [28.7, 1 / 3], "n": [1, 2]}
    )
    markup = show_table(frame, title="T <1>", anchor="table-2", note="x<y").markup
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "A &amp; B" in markup
    assert "28.70" in markup and "0.33" in markup  # two decimals, as the paper prints
    assert '<h3 id="table-2">T &lt;1&gt;</h3>' in markup
    assert "x&lt;y" in markup
    assert "mean pct" in markup  # column names made readable


def test_show_table_shows_missing_values_as_empty() -> None:
    frame = pd.DataFrame(
        {"q": pd.array([1, None], dtype="Int64"), "s": ["a", None], "x": [1.5, float("nan")]}
    )
    back = pd.read_html(__import__("io").StringIO(show_table(frame).markup), keep_default_na=False)[
        0
    ]
    assert back.astype(str).values.tolist() == [["1", "a", "1.50"], ["", "", ""]]


def test_show_table_does_not_truncate_long_text() -> None:
    long = "word " * 200
    markup = show_table(pd.DataFrame({"quotation": [long.strip()]})).markup
    assert long.strip() in markup


def test_show_table_blank_repeats_gives_the_paper_layout() -> None:
    frame = pd.DataFrame(
        {"theme": ["A", "A", "B"], "percent": [50.0, 50.0, 20.0], "subtheme": ["a1", "a2", "b1"]}
    )
    html = show_table(frame, blank_repeats=["theme", "percent"]).markup
    back = pd.read_html(__import__("io").StringIO(html), keep_default_na=False)[0]
    assert back["theme"].tolist() == ["A", "", "B"]
    assert back["percent"].astype(str).tolist() == ["50.00", "", "20.00"]
    assert back["subtheme"].tolist() == ["a1", "a2", "b1"]


def test_heading_and_caption() -> None:
    assert show_heading("Figure 2", "figure-2", level=2).markup == '<h2 id="figure-2">Figure 2</h2>'
    with pytest.raises(ValueError, match="heading level must be 1 to 6, got 7"):
        show_heading("x", level=7)
    cap = figure_caption(4, "Figure 4. Question 4: <b>bars</b>.").markup
    assert cap.count("Figure 4.") == 1  # the label is not doubled
    assert "&lt;b&gt;bars&lt;/b&gt;" in cap


# --- parameters ----------------------------------------------------------------------------


def test_declared_parameters_reads_assignments() -> None:
    nb = _notebook(
        params='data_dir = "x"\nout_dir: str = "y"\nunit = "paragraph"  # c\nquestion = 1'
    )
    assert rx.declared_parameters(nb, "n") == ["data_dir", "out_dir", "unit", "question"]


def test_unknown_parameter_is_refused() -> None:
    nb = _notebook()
    with pytest.raises(
        ReportError,
        match=r"notebook n: cell 2 \(parameters\): unknown parameter\(s\) "
        r"question; the notebook declares data_dir, out_dir, unit",
    ):
        rx.check_parameters(nb, "n", {"data_dir": ".", "question": 3})


def test_missing_parameters_cell() -> None:
    nb = _notebook()
    nb.cells[1].metadata["tags"] = []
    with pytest.raises(ReportError, match="notebook n: no code cell is tagged 'parameters'"):
        rx.declared_parameters(nb, "n")


# --- output checks and clean-up ------------------------------------------------------------


def test_check_outputs_names_notebook_and_cell() -> None:
    nb = _notebook("x = 1", "import warnings\nwarnings.warn('careful')")
    nb.cells[3].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n")
    ]
    with pytest.raises(
        ReportError,
        match=r"notebook nb1: cell 4 \(import warnings\) wrote to "
        r"stderr: UserWarning: careful",
    ):
        rx.check_outputs(nb, "nb1")
    nb.cells[3].outputs = [
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])
    ]
    with pytest.raises(ReportError, match=r"nb1: cell 4 .* raised ValueError: bad"):
        rx.check_outputs(nb, "nb1")
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="fine\n")]
    rx.check_outputs(nb, "nb1")  # stdout is allowed


def test_clean_strips_timings_and_paths() -> None:
    nb = _notebook("x = 1")
    nb.metadata["papermill"] = {
        "start_time": "2026",
        "duration": 1.0,
        "input_path": "/tmp/a",
        "output_path": "/tmp/b",
        "parameters": {"unit": "code"},
        "environment_variables": {},
        "version": "2.7.0",
    }
    nb.cells[2].metadata["tags"] = ["injected-parameters"]
    nb.cells[2]["id"] = "4f712fe5"
    nb.cells[2].metadata["papermill"] = {"duration": 0.5}
    nb.cells[2].metadata["execution"] = {"iopub.execute_input": "2026-01-01"}
    rx.clean(nb)
    assert nb.metadata["papermill"] == {"parameters": {"unit": "code"}, "version": "2.7.0"}
    assert "papermill" not in nb.cells[2].metadata and "execution" not in nb.cells[2].metadata
    assert nb.cells[2]["id"] == "injected-parameters"


def test_private_kernel_uses_this_interpreter_and_restores_env(monkeypatch) -> None:
    import os
    import sys

    monkeypatch.setenv("JUPYTER_PATH", "/somewhere")
    with rx.private_kernel() as (name, folder):
        spec = json.loads((folder / "kernels" / name / "kernel.json").read_text())
        assert spec["argv"] == [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ]
        assert os.environ["JUPYTER_PATH"].split(os.pathsep) == [str(folder), "/somewhere"]
    assert os.environ["JUPYTER_PATH"] == "/somewhere"


# --- whole runs on one-cell notebooks (each starts a kernel) -------------------------------


def test_unknown_parameter_fails_before_running(tiny_data: Path, tmp_path: Path) -> None:
    # 20_question.ipynb gets `question`; this one does not declare it.
    nbs = tmp_path / "nbs"
    _write(nbs, "20_question.ipynb", _notebook("x = 1"))
    with pytest.raises(
        ReportError,
        match=r"notebook 20_question_q1: cell 2 \(parameters\): "
        r"unknown parameter\(s\) question",
    ):
        render_report(tiny_data, tmp_path / "out", notebooks=nbs)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_raising_notebook_fails_naming_notebook_and_cell(tiny_data: Path, tmp_path: Path) -> None:
    nbs = tmp_path / "nbs"
    _write(nbs, "05_boom.ipynb", _notebook("x = 1", "raise ValueError('boom in a cell')"))
    out = tmp_path / "out"
    out.mkdir()
    (out / ".synth-output").write_text("written by an earlier report\n", encoding="utf-8")
    (out / "previous.txt").write_text("kept", encoding="utf-8")
    with pytest.raises(
        ReportError,
        match=r"notebook 05_boom: cell 4 \(raise ValueError\('boom in a cell'\)\) raised ValueError: "
        r"boom in a cell",
    ):
        render_report(tiny_data, out, notebooks=nbs)
    # the failed run left the previous output as it was
    assert (out / "previous.txt").read_text(encoding="utf-8") == "kept"
    assert not (out / "report.html").exists()


@pytest.mark.slow
def test_warning_in_notebook_fails(tiny_data: Path, tmp_path: Path) -> None:
    nbs = tmp_path / "nbs"
    _write(nbs, "07_warns.ipynb", _notebook("import warnings\nwarnings.warn('deprecated thing')"))
    messages: list[str] = []
    with pytest.raises(
        ReportError,
        match=r"notebook 07_warns: cell 3 \(import warnings\) wrote "
        r"to stderr: .*deprecated thing",
    ):
        render_report(tiny_data, tmp_path / "out", notebooks=nbs, say=messages.append)
    assert messages and messages[0].startswith("running 1 notebooks")


@pytest.mark.slow
def test_reused_kernel_starts_each_notebook_clean(tiny_data: Path, tmp_path: Path) -> None:
    # One worker runs both notebooks in one kernel, 02 before 01 (one-off notebooks run from the
    # highest number down). 02 leaves a variable and a changed matplotlib setting behind; 01 must
    # see neither, and its execution counts start at 1 as in a fresh kernel.
    nbs = tmp_path / "nbs"
    _write(
        nbs,
        "02_dirty.ipynb",
        _notebook('leak = 1\nimport matplotlib\nmatplotlib.rcParams["lines.linewidth"] = 17.0'),
    )
    _write(
        nbs,
        "01_check.ipynb",
        _notebook(
            'import matplotlib\nassert matplotlib.rcParams["lines.linewidth"] != 17.0\n'
            'assert "leak" not in globals()\nprint("clean")'
        ),
    )
    messages: list[str] = []
    render_report(tiny_data, tmp_path / "out", notebooks=nbs, jobs=1, say=messages.append)
    assert [m.split()[1] for m in messages if "done (" in m] == ["02_dirty", "01_check"]
    nb = nbformat.read(str(tmp_path / "out" / "notebooks" / "01_check.ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]  # parameters, injected, check
    assert code[-1].outputs[0]["text"] == "clean\n"
    assert not any("synth-prelude" in c.metadata.get("tags", []) for c in nb.cells)


# --- the front page --------------------------------------------------------------------------


@pytest.fixture
def raw_copy(tmp_path: Path, raw: Path) -> Path:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(raw, copy)
    return copy


def test_front_page_for_the_shipped_data(raw_copy: Path, monkeypatch) -> None:
    from synth.report._page import front_page
    from synth.report._render import _inspect_inputs

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    inputs = _inspect_inputs(raw_copy, accept_changed_data=False)
    assert inputs.shipped and not inputs.changed
    names = [name for name, _ in inputs.files]
    assert "coded_segments.csv" in names and "published/claims.csv" in names
    page = front_page(inputs, "paragraph", "data/raw")
    assert "reconstructed dataset, not the study" in page
    assert "doi:10.1186/s12939-024-02216-1" in page
    for package in ("python", "pandas", "seaborn", "statsmodels", "papermill"):
        assert f"<td>{package}</td>" in page
    import hashlib

    digest = hashlib.sha256((raw_copy / "codebook.csv").read_bytes()).hexdigest()
    assert f"<code>{digest}</code>" in page
    assert "Rendered:" not in page  # no date unless SOURCE_DATE_EPOCH
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert "Rendered: 2023-11-14 22:13 UTC" in front_page(inputs, "paragraph", "data/raw")


def test_changed_data_stop_the_report_unless_accepted(raw_copy: Path) -> None:
    from synth import ChecksumError
    from synth.report._page import front_page
    from synth.report._render import _inspect_inputs

    with (raw_copy / "participants.csv").open("a", encoding="utf-8") as handle:
        handle.write("P999,FG01,researcher\n")
    with pytest.raises(ChecksumError, match="participants.csv"):
        _inspect_inputs(raw_copy, accept_changed_data=False)
    inputs = _inspect_inputs(raw_copy, accept_changed_data=True)
    assert inputs.changed and not inputs.shipped
    page = front_page(inputs, "code", str(raw_copy))
    assert "differ from the checksums recorded in SHA256SUMS" in page
    assert "<b>not</b> the shipped reconstructed dataset" in page
    assert "code occurrences" in page
