"""The report machinery: display helpers, parameter checks, failure reporting, clean-up.

Fast tests work on notebook objects in memory; the few that start a kernel use one-cell notebooks
on a tiny dataset (a kernel start takes a few seconds).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import tomllib
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
    front = front_page(inputs, "paragraph", "data/raw")
    summary = front.summary
    # the study and the paper, from the data folder and the published record
    paper = tomllib.loads((raw_copy / "published" / "paper.toml").read_text(encoding="utf-8"))
    assert html.escape(paper["title"]) in summary and html.escape(paper["citation"]) in summary
    assert f'href="https://doi.org/{paper["doi"]}"' in summary
    # what the data are, and what the paper pins: 16 published percentages of 8 x 12 bars
    claims = pd.read_csv(raw_copy / "published" / "claims.csv", dtype={"value": str})
    pct = claims[claims["kind"] == "question_pct"]
    assert "the shipped reconstruction" in summary and "not the study's data" in summary
    assert f"pins only {len(pct)} of the {8 * 12} bars" in summary
    # the audit's verdict in one line, with its caveat
    assert f"all {len(claims)} numbers the paper publishes are reproduced" in summary
    assert "by construction" in summary
    # one row per figure, the published value beside the reproduced one
    rows = pd.read_html(io.StringIO(summary[summary.index('<table class="synth-figures"'):]))[0]
    assert len(rows) == 8
    for q, group in pct.groupby(pct["question"].astype(int)):
        row = rows[rows["figure"] == f"Figure {q}"].iloc[0]
        assert sorted(str(row["published %"]).split()) == sorted(group["value"])
        assert sorted(str(row["reproduced %"]).split()) == sorted(group["value"])
    # versions, commit and checksums are in the appendix, not on the first screen
    for package in ("python", "pandas", "seaborn", "statsmodels", "papermill"):
        assert f"<td>{package}</td>" in front.appendix and f"<td>{package}</td>" not in summary
    digest = hashlib.sha256((raw_copy / "codebook.csv").read_bytes()).hexdigest()
    assert f"<code>{digest}</code>" in front.appendix and digest not in summary
    assert "Rendered" not in str(front)  # no date unless SOURCE_DATE_EPOCH
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert "Rendered: 2023-11-14 22:13 UTC" in str(front_page(inputs, "paragraph", "data/raw"))


def test_front_page_for_data_not_compared_with_the_paper(tiny_data: CodedData) -> None:
    from synth.report._page import front_page
    from synth.report._render import _inspect_inputs

    inputs = _inspect_inputs(tiny_data.folder, accept_changed_data=False)
    summary = front_page(inputs, "paragraph", "mine").summary
    assert "<h1>Coded focus-group study</h1>" in summary  # the neutral title, no study.toml
    assert "not compared with the paper" in summary
    assert "Audit" not in summary and "doi" not in summary.lower()
    assert "Thomson" not in summary and "published %" not in summary
    rows = pd.read_html(io.StringIO(summary[summary.index('<table class="synth-figures"'):]))[0]
    assert rows.to_dict("records") == [
        {"figure": "Figure 1", "themes reported (50% rule)": "Research evidence", "mean %": 100.0}]


def test_front_page_names_the_studys_own_title_and_escapes_it(tiny_data: CodedData) -> None:
    from synth.report._page import front_page
    from synth.report._render import _inspect_inputs

    (tiny_data.folder / "study.toml").write_text(
        'title = "Museums <script>alert(1)</script> & health"\ncompare_to_paper = false\n',
        encoding="utf-8")
    front = front_page(_inspect_inputs(tiny_data.folder, False), "paragraph", "mine")
    assert "<h1>Museums &lt;script&gt;alert(1)&lt;/script&gt; &amp; health</h1>" in front.summary
    assert front.title == "Museums <script>alert(1)</script> & health"


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
    summary = front_page(inputs, "code", str(raw_copy)).summary
    assert "differ from the checksums recorded in SHA256SUMS" in summary
    assert "Data: the shipped reconstruction" not in summary
    assert "not the shipped reconstruction" in summary
    assert "code occurrences" in summary


def test_front_page_of_a_clean_clone_claims_no_uncommitted_changes(
    tmp_path: Path, root: Path, raw_copy: Path
) -> None:
    import shutil
    import subprocess

    from synth.report._page import front_page
    from synth.report._render import _inspect_inputs

    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout, or git is not installed")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(root), str(clone)], check=True)
    # what a render writes into a checkout is ignored: it must not make the clone look changed
    for made in ("reports/report.html", "figures/fig1.png", "data/processed/ensemble/x.csv",
                 "src/synth.egg-info/PKG-INFO", "notebooks/.ipynb_checkpoints/x.ipynb"):
        (clone / made).parent.mkdir(parents=True, exist_ok=True)
        (clone / made).write_text("output\n", encoding="utf-8")
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    front = front_page(_inspect_inputs(raw_copy, False), "paragraph", "data/raw", root=clone)
    assert f"{head} (clean checkout)" in front.appendix
    assert "clean checkout" in front.summary
    assert "uncommitted" not in str(front)
    (clone / "README.md").write_text("changed\n", encoding="utf-8")  # a tracked file changed
    changed = front_page(_inspect_inputs(raw_copy, False), "paragraph", "data/raw", root=clone)
    assert "with uncommitted changes" in changed.summary


# --- the page: contents, folding, descriptions ------------------------------------------------


def _run(name: str, title: str, **parameters: object) -> rx.Run:
    return rx.Run(Path(f"{name.split('_q')[0]}.ipynb"), name, title, dict(parameters))


def _executed(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def _output(cell_source: str, markup: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(cell_source)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    return cell


def test_page_folds_second_level_parts_and_keeps_everything() -> None:
    from synth.report._page import Front, assemble

    png = base64.b64encode(b"\x89PNG fake").decode()
    image = nbformat.v4.new_code_cell("show()")
    image.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    nb = _executed(
        nbformat.v4.new_markdown_cell("# Part one\n\nThe introduction."),
        _output("a", "<p>intro output</p>"),
        nbformat.v4.new_markdown_cell("## 1. Intervals\n\nOne panel per question: the bars."),
        image,
        _output("b", "<p>folded output</p>"),
        nbformat.v4.new_markdown_cell("## 2. Short\n\nA few words."),
        _output("c", "<table><tr><td>short table</td></tr></table>"),
        nbformat.v4.new_markdown_cell("## 3. Long\n\n" + "Many words. " * 300),
    )
    page = assemble([_run("01_part", "Part one")], {"01_part": nb},
                    Front("<header id='top'>S</header>", "<section id='appendix'>A</section>"))
    # the summary first, then the contents, the parts, and the appendix last
    assert page.index("<header id='top'>S</header>") < page.index('<nav id="contents"')
    assert page.index('<nav id="contents"') < page.index('id="sec-01_part"')
    section = page[page.index('id="sec-01_part"'):]
    assert "The introduction." in section and "intro output" in section
    fold = section[section.index('<details class="synth-fold">'):section.index("</details>")]
    assert "<summary><h2>1. Intervals</h2></summary>" in fold
    assert "folded output" in fold and "One panel per question" in fold
    assert section.index("The introduction.") < section.index('<details class="synth-fold">')
    # an image without a description gets one from where it stands
    alt = re.search(r'<img [^>]*alt="([^"]+)"[^>]*src="data:image/png;base64,', fold)
    assert alt is not None
    assert alt.group(1) == ("Part one — 1. Intervals, image 1 of 1: One panel per question: "
                            "the bars.")
    assert "No description has been provided" not in page
    assert page.index("<section id='appendix'>A</section>") > page.index("folded output")
    assert '<a href="#top">↑ Back to top</a>' in section
    # a short part without images stays open; a long one folds
    short = section[section.index("2. Short"):]
    assert section[:section.index("2. Short")].endswith('<div class="synth-part"><h2>')
    assert "short table" in short[:short.index("3. Long")]
    assert "<summary><h2>3. Long</h2></summary>" in section


def test_contents_list_every_part_and_link_figures_and_tables() -> None:
    from synth.report._page import contents

    runs = [_run("00_data", "Data"), _run("20_question_q1", "Question 1: ...", question=1),
            _run("20_question_q2", "Question 2: ...", question=2), _run("30_audit", "Audit")]
    nav = contents(runs)
    hrefs = re.findall(r'href="#([^"]+)"', nav)
    assert hrefs == ["top", "sec-00_data", "table-1", "sec-20_question_q1", "figure-1", "table-2",
                     "sec-20_question_q2", "figure-2", "table-3", "sec-30_audit", "appendix"]
    assert nav.startswith('<nav id="contents"')
