"""Every notebook executes on the shipped data, through ``synth report``, once.

The module-scoped fixture renders the whole report into a temporary folder (all notebooks, two at
a time); the tests then read the report, the executed notebooks and the figures. The published
percentages come from ``data/raw/published/claims.csv`` (kind ``question_pct``), not from the code
under test. A second, small render checks that a quotation holding markup shows as text.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from synth.io import load_coded_data
from synth.report import render_report

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(scope="module")
def rendered(shipped_report: Path) -> Path:
    """The report rendered once per session on the shipped data (conftest.py)."""
    return shipped_report


@pytest.fixture(scope="module")
def page(rendered: Path) -> str:
    return (rendered / "report.html").read_text(encoding="utf-8")


def _section(page: str, anchor: str) -> str:
    """The HTML from the element with ``id=anchor`` to the end of the next table."""
    start = page.index(f'id="{anchor}"')
    end = page.index("</table>", start)
    return page[start:end]


@pytest.mark.slow
def test_every_notebook_was_executed(rendered: Path) -> None:
    names = sorted(p.stem for p in (rendered / "notebooks").glob("*.ipynb"))
    expected = {"00_data_and_participants", "10_themes_appendix1", "30_audit"} | {
        f"20_question_q{q}" for q in range(1, 9)
    }
    assert expected <= set(names)
    sources = {p.stem for p in NOTEBOOKS.glob("[0-8]?_*.ipynb") if p.name != "20_question.ipynb"}
    assert sources <= set(names)  # the statistics notebook too
    assert not any(n.startswith("9") for n in names)  # interactive tools are not report parts


@pytest.mark.slow
def test_executed_notebooks_have_no_errors_and_no_timings(rendered: Path) -> None:
    for path in sorted((rendered / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        assert "start_time" not in nb.metadata.get("papermill", {}), path.name
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), path.name
        for cell in nb.cells:
            assert "papermill" not in cell.metadata and "execution" not in cell.metadata
            for out in cell.get("outputs", []):
                assert out["output_type"] != "error", (path.name, cell.source[:60])
                assert not (out["output_type"] == "stream" and out["name"] == "stderr"), (
                    path.name,
                    out.get("text", "")[:200],
                )


@pytest.mark.slow
def test_report_holds_every_figure_and_table(page: str) -> None:
    for n in range(1, 9):
        assert f'id="figure-{n}"' in page and f"<b>Figure {n}.</b>" in page
    for n in range(1, 10):
        assert f'id="table-{n}"' in page and f"Table {n}." in page
    assert 'id="appendix-1"' in page and "Appendix 1" in page
    assert 'id="audit"' in page
    assert 'id="contents"' in page and 'href="#figure-8"' in page
    assert "doi.org/10.1186/s12939-024-02216-1" in page
    # the summary and every part say that the data are the reconstruction (once per part, not
    # in each of the eight question sections: their captions say it)
    assert "<b>Data: the shipped reconstruction</b>" in page
    assert len(re.findall(r"The data are the compendium(?:&#x27;|')s reconstructed dataset", page)) == 4
    # every image embedded, nothing loaded from elsewhere
    assert page.count('src="data:image/png;base64,') >= 8
    assert page.count("Plotly.newPlot(") == 8  # the interactive versions of Figures 1-8
    assert not re.search(r'<(?:script|img|link)[^>]+(?:src|href)="https?://', page)


@pytest.mark.slow
def test_report_has_no_error_output(page: str) -> None:
    assert "Traceback" not in page
    assert "output_error" not in page and "output_stderr" not in page
    assert not re.search(r"\b\w*Error\b:", page)


@pytest.mark.slow
def test_reported_percentages_equal_the_papers(page: str) -> None:
    claims = pd.read_csv(RAW / "published" / "claims.csv", dtype={"value": str})
    pct = claims[claims["kind"] == "question_pct"]
    assert sorted(pct["question"].astype(int).unique()) == list(range(1, 9))
    for q, rows in pct.groupby(pct["question"].astype(int)):
        table = _section(page, f"table-{q + 1}")
        shown = re.findall(r"<td>(\d+\.\d\d)</td>", table)
        assert sorted(shown) == sorted(f"{float(v):.2f}" for v in rows["value"]), f"Table {q + 1}"


@pytest.mark.slow
def test_figures_written_to_figures_folder(rendered: Path) -> None:
    figures = rendered.parent / "figures"
    for n in range(1, 9):
        for ext in ("png", "svg", "pdf", "csv"):
            assert (figures / f"fig{n}.{ext}").stat().st_size > 0
    claims = pd.read_csv(RAW / "published" / "claims.csv", dtype={"value": str})
    fig1 = pd.read_csv(figures / "fig1.csv")
    reported = fig1[fig1["reported"].astype(str).str.lower() == "true"]
    published = claims[(claims["kind"] == "question_pct") & (claims["question"] == 1)]
    assert sorted(f"{v:.2f}" for v in reported["mean_pct"]) == sorted(published["value"])


@pytest.mark.slow
def test_quotation_with_markup_shows_as_text(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "codebook.csv").write_text(
        "code_id,subtheme,theme,valence\nC1,Surveys,Research evidence,success\n"
        "C2,Outdoor settings,Place-based factors,success\n",
        encoding="utf-8",
    )
    (data / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id,text\n"
        'S1,FG1,1,P1,C1,"<script>alert(1)</script><img src=x onerror=alert(2)>"\n'
        "S2,FG2,1,P2,C1,\nS3,FG2,1,P2,C2,\n",
        encoding="utf-8",
    )
    only = tmp_path / "notebooks"
    only.mkdir()
    shutil.copy(NOTEBOOKS / "20_question.ipynb", only)
    html = render_report(load_coded_data(data), tmp_path / "out", notebooks=only).read_text(
        encoding="utf-8"
    )
    table = _section(html, "table-2")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in table
    assert "<script>alert" not in html and "onerror=alert(2)>" not in html
    assert "not compared with the paper" in html
    assert not re.search(r"compendium(?:&#x27;|')s reconstructed dataset", html)  # other data
    assert html.count('src="data:image/png;base64,') == 1  # Figure 1, inline despite MPLBACKEND


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9]*.ipynb")), ids=lambda p: p.name)
def test_source_notebooks_are_clean_and_parameterised(path: Path) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell tagged parameters"
    declared = {
        t.id
        for node in ast.parse(code[0].source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert {"data_dir", "out_dir", "unit"} <= declared
    if path.name == "20_question.ipynb":
        assert "question" in declared
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, "outputs cleared"
        tree = ast.parse(cell.source)
        defined = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
        ]
        assert not defined, f"{path.name} defines functions: the package holds the code"
        assert "sys.path" not in cell.source
    if int(path.name[:2]) < 90 and path.name != "20_question.ipynb":
        # each part of the report shows the reconstruction notice (on the shipped data only)
        assert any(c.source.startswith("reconstruction_notice(data_dir)") for c in code)


@pytest.mark.slow
def test_tables_written_beside_the_report(rendered: Path) -> None:
    tables = rendered / "tables"
    for n in range(1, 10):
        assert (tables / f"table{n}.csv").stat().st_size > 0
    claims = pd.read_csv(RAW / "published" / "claims.csv", dtype={"value": str})
    stats = pd.read_csv(tables / "appendix1_statistics.csv").set_index("statistic")["value"]
    for kind, name in [
        ("stat_mean", "mean"),
        ("stat_median", "median"),
        ("stat_sd", "sd"),
        ("stat_range", "range"),
    ]:
        row = claims[claims["kind"] == kind].iloc[0]
        assert f"{stats[name]:.{int(row['decimals'])}f}" == row["value"], kind
    appendix = pd.read_csv(tables / "appendix1.csv").drop_duplicates("theme")
    published = claims[claims["kind"] == "theme_codes"]
    assert appendix["codes"].sum() == 323
    assert sorted(appendix["codes"]) == sorted(int(v) for v in published["value"])


@pytest.mark.slow
def test_tables_carry_exactly_the_published_quotations(rendered: Path) -> None:
    # Tables 2-9 are built from the data; on the shipped data each lists one quotation per
    # subtheme, and together they are exactly the quotations the paper prints in that table.
    published = pd.read_csv(RAW / "published" / "quotations.csv")
    for n in range(2, 10):
        table = pd.read_csv(rendered / "tables" / f"table{n}.csv")
        printed = published[published["table"].astype(int) == n]["quotation"]
        assert sorted(q.strip() for q in table["quotation"]) == sorted(
            q.strip() for q in printed
        ), f"Table {n}"
