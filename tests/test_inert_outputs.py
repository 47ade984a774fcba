"""Everything synth writes is well-formed and inert, whatever the names and words in the data.

A theme, a subtheme or a quotation is data: in LaTeX it cannot run a command or start a line, in
Markdown it cannot become a link, an image or HTML, in Word it cannot break the file, and two
themes always get two macro names. Cells that a spreadsheet would read as a formula are written
as they are (the CSV files are data; see docs/guarantees.md).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from synth.cli import main

HOSTILE_THEME = "RE\n\\input{/etc/passwd}"
SCRIPT_THEME = "</script><script>alert(1)</script>"
LINK_SUBTHEME = "[click](javascript:alert(1))"
GREEK = ("Αγάπη", "Ελπίδα")
FORMULA = '=HYPERLINK("http://example.invalid","open me")'


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("inert")
    data = base / "data"
    data.mkdir()
    themes = [HOSTILE_THEME, SCRIPT_THEME, *GREEK]
    with open(data / "codebook.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code_id", "subtheme", "theme", "valence"])
        for i, theme in enumerate(themes):
            sub = LINK_SUBTHEME if i == 1 else f"Subtheme {i}"
            writer.writerow([f"C{i}", sub, theme, "success"])
    with open(data / "coded_segments.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["segment_id", "focus_group", "question", "participant_id", "code_id",
                         "text"])
        n = 0
        for group in ("G1", "G2"):
            for i in range(len(themes)):
                for k in range(i + 1):
                    n += 1
                    # words on paragraphs of the two reported themes (Αγάπη, Ελπίδα)
                    text = {4: FORMULA, 7: "We said\vthis on two lines."}.get(n, "")
                    writer.writerow([f"S{n}", group, 1, f"{group}P{k}", f"C{i}", text])
    (data / "questions.csv").write_text(
        'question,text\n1,"What *worked*? See [here](javascript:alert(2)) \\input{x}"\n',
        encoding="utf-8")
    out = base / "manuscript"
    assert main(["manuscript", "--data", str(data), "--out", str(out), "--jobs", "1",
                 "--no-pdf"]) == 0
    return out


def _tex_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tex"))


def test_no_name_runs_a_latex_command_or_starts_a_line(manuscript: Path) -> None:
    files = _tex_files(manuscript)
    assert {p.name for p in files} >= {"numbers.tex", "preview.tex", "table1.tex", "table2.tex",
                                        "appendix1.tex"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "\\input{/etc/passwd}" not in text, path.name
        assert "\\input{x}" not in text, path.name
        for line in text.splitlines():
            assert not line.lstrip().startswith("\\input{/etc"), (path.name, line)
            assert "/etc/passwd" not in line or "\\textbackslash{}input" in line, (path.name, line)
    numbers = (manuscript / "numbers.tex").read_text(encoding="utf-8")
    # every line of numbers.tex is a comment or one \newcommand: a name cannot add a line
    for line in numbers.splitlines():
        assert line.startswith("%") or re.fullmatch(r"\\newcommand\{\\[A-Za-z]+\}\{[^\n]*", line)


def test_themes_in_other_scripts_get_their_own_macros(manuscript: Path) -> None:
    names = re.findall(r"^\\newcommand\{\\([A-Za-z]+)\}",
                       (manuscript / "numbers.tex").read_text(encoding="utf-8"), re.M)
    assert len(names) == len(set(names))
    greek = [n for n in names if n.startswith("ThemeCodes") and "Alpha" in n]
    assert len(greek) == 2  # Αγάπη and Ελπίδα: two macros, not one, not none


def test_markdown_holds_no_html_links_or_images_from_data(manuscript: Path) -> None:
    for path in [manuscript / "results.md", *sorted((manuscript / "tables").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "</script" not in text, path.name
        assert not re.search(r"(?<!\\)\]\(javascript:", text), path.name
        assert not re.search(r"(?<!\\)\[click(?<!\\)\]", text), path.name
    results = (manuscript / "results.md").read_text(encoding="utf-8")
    assert "What \\*worked\\*? See \\[here\\](javascript:alert(2))" in results


def test_word_documents_are_well_formed_and_keep_line_breaks(manuscript: Path) -> None:
    from docx import Document

    docs = sorted((manuscript / "tables").glob("*.docx"))
    assert docs
    for path in docs:
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
        Document(str(path))  # parses: the XML is well-formed
    cells = [c.text for path in docs for t in Document(str(path)).tables
             for row in t.rows for c in row.cells]
    assert "We said\nthis on two lines." in cells  # Word's manual break, kept as a break


def test_a_formula_like_cell_is_written_as_the_data_hold_it(manuscript: Path) -> None:
    """The documented choice: CSV, Markdown and Word outputs carry a cell that starts with
    ``=``, ``+``, ``-`` or ``@`` exactly as the data hold it (no quote or apostrophe added), so
    the files round-trip; Word and Markdown never evaluate it, and docs/guarantees.md tells
    spreadsheet users to import CSVs as text."""
    found = []
    for path in sorted((manuscript / "tables").glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            found += [cell for row in csv.reader(handle) for cell in row if cell == FORMULA]
    assert found


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_preview_with_hostile_names_compiles_without_reading_other_files(manuscript, tmp_path):
    work = tmp_path / "m"
    shutil.copytree(manuscript, work)
    result = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode",
                             "-halt-on-error", "preview.tex"], cwd=work, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    log = (work / "preview.log").read_text(encoding="utf-8", errors="replace")
    assert "/etc/passwd" not in log.split("preview.tex", 1)[-1].split("\n(")[0]
    assert "(/etc/passwd" not in log  # TeX logs every file it opens as "(path"
