"""Paper-ready outputs: the Results sentences against the paper's own, the numbers by hand, and
every file of the manuscript folder read back (DOCX with python-docx, TIFF with Pillow, LaTeX
compiled when a TeX engine is present, else parsed).

The tiny dataset is the one of tests/test_explorer.py (hand-worked numbers in its docstring):
Question 1 reports Beta (41.67%) and Alpha (33.33%); code occurrences per theme are Alpha 2,
Beta 3, Gamma 3 (8 codes; mean 2.67, median 3, SD 0.58, range 1); Beta and Gamma are major.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from synth import DataError
from synth.analysis import analyse
from synth.cli import main
from synth.io import CodedData, load_coded_data, write_coded_data
from synth.manuscript import (
    macro_name,
    number_word,
    numbers_tex,
    paper_layout,
    question_sentence,
    results_numbers,
    results_text,
    table_latex,
    table_markdown,
    write_docx_table,
    write_manuscript,
)
from synth.published import canonical_theme, load_published

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "raw"
HAS_SHIPPED = (SHIPPED / "coded_segments.csv").is_file()
PAPER_NAME = "000_880fbc1601fead59.txt"
CRAFTED = 'We said <script>alert("x")</script> & <img src=x onerror=alert(1)> | {50%} $5 #1 _x_'
NBSP = "\u00a0"


def _tiny(text: bool = True) -> CodedData:
    seg = pd.DataFrame(
        {
            "segment_id": ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"],
            "focus_group": ["FG1", "FG1", "FG1", "FG1", "FG2", "FG2", "FG3", "FG3", "FG1"],
            "question": [1, 1, 1, 1, 1, 1, 1, 1, 2],
            "participant_id": ["P1", "P1", "P2", "P2", "P3", "P3", "P4", "P5", "P1"],
            "code_id": ["C1", "C1", "C2", "C3", "C1", "C3", "C2", "C2", "C3"],
            "text": ["", "", CRAFTED if text else "", "", "", "", "", "", ""],
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
def published():
    return load_published()


@pytest.fixture(scope="module")
def paper_text() -> str:
    path = ROOT.parent / "shared" / "paper" / PAPER_NAME
    if not path.is_file():
        pytest.skip(f"the paper's text is not beside the repository ({path})")
    return path.read_text(encoding="utf-8")


def _paper_sentence(paper: str, question: int, published) -> str:
    """The paper's Results sentence for a question, its theme names made Appendix 1's."""
    lines = paper.splitlines()
    sentence = lines[lines.index(f"Question {question}") + 1].strip()
    for printed in re.findall(r"‘([^’]+)’", sentence):
        try:
            name = canonical_theme(published, printed)
        except DataError:
            continue  # "‘health inequalities’" in Question 5's opening is not a theme
        sentence = sentence.replace(f"‘{printed}’", f"‘{name[:1].lower() + name[1:]}’")
    return sentence


# --- the Results text against the paper ------------------------------------------------------


def test_question_sentences_reproduce_the_papers(paper_text: str, published) -> None:
    """Given the published values, the generator writes the paper's eight sentences exactly."""
    from synth.manuscript import _published_intros

    claims = published.claims
    q_of = claims["question"].astype(str).str.strip()
    intros = _published_intros(published)
    for q in range(1, 9):
        pick = claims[(claims["kind"] == "question_pct") & (q_of == str(q))]
        cls = claims[(claims["kind"] == "question_reported_class") & (q_of == str(q))]
        subs = claims[(claims["kind"] == "table_n_subthemes") & (q_of == str(q))]
        cls, subs = cls.set_index("subject")["value"], subs.set_index("subject")["value"]
        reported = sorted(
            ({"theme": canonical_theme(published, s), "pct": float(v),
              "major": cls[s] == "major", "subthemes": int(float(subs[s]))}
             for s, v in zip(pick["subject"], pick["value"], strict=True)),
            key=lambda r: -r["pct"],
        )
        assert question_sentence(q, reported, intros[q]) == _paper_sentence(paper_text, q,
                                                                             published)


def test_question_sentence_forms() -> None:
    one = question_sentence(2, [{"theme": "Mental health", "pct": 60.0, "major": False,
                                 "subthemes": 1}])
    assert one == (f"For Question 2, the theme contributing 50% or more of the total number of "
                   f"codes was the minor theme of ‘mental health’ (60.00%) (Fig.{NBSP}2), "
                   f"derived from one subtheme (Table{NBSP}3).")
    mixed = question_sentence(1, [
        {"theme": "Funding", "pct": 30.0, "major": True, "subthemes": 5},
        {"theme": "Mental health", "pct": 25.0, "major": False, "subthemes": 4},
    ], "For successes")
    assert ("were the major theme of ‘funding’ (30.00%) and the minor theme of ‘mental health’ "
            "(25.00%)") in mixed
    assert "derived from five and four subthemes, respectively" in mixed
    with pytest.raises(ValueError, match="question 3: no reported themes"):
        question_sentence(3, [])


@pytest.mark.skipif(not HAS_SHIPPED, reason="the shipped reconstructed data are not in data/raw")
def test_results_md_carries_the_papers_numbers_on_the_shipped_data(paper_text: str,
                                                                   published) -> None:
    data = load_coded_data(SHIPPED)
    text = results_text(data, analyse(data), published, reconstructed=True)
    for q in range(1, 9):
        assert _paper_sentence(paper_text, q, published) in text, f"Question {q}"
    first = re.search(r"^Responses comprising .*$", text, re.M).group(0)
    # the paper's 185 counts Appendix 1's rows; Table 7 adds one subtheme Appendix 1 lacks, which
    # the codebook carries flagged as extra (published/inconsistencies.csv, I24)
    extra = data.codebook.get("extra", pd.Series(dtype=str)).astype(str).eq("True")
    n_sub = 185 + data.codebook.loc[extra, ["theme", "subtheme"]].drop_duplicates().shape[0]
    assert first.startswith("Responses comprising 977 paragraphs of text were categorised into "
                            f"323 codes. Codes were divided into {n_sub} subthemes")
    assert "I24" in set(published.inconsistencies["inconsistency_id"])
    for sentence in re.findall(r"(?:Six|The remaining six) themes[^.]*\.", text):
        assert sentence in paper_text
    numbers = results_numbers(data)
    assert numbers["QOnePctRelationshipsWithPartners"]["text"] == "28.70"
    claims = published.claims
    for rec in claims[claims["kind"] == "question_pct"].itertuples():
        theme = canonical_theme(published, rec.subject)
        assert numbers[macro_name("Q", int(float(rec.question)), "Pct", theme)]["text"] == \
            f"{float(rec.value):.2f}"
    for key, claim in (("CodesMean", "26.92"), ("CodesMedian", "26.50"), ("CodesSD", "11.74"),
                       ("CodesRange", "40.00"), ("NCodes", "323"), ("NParagraphs", "977")):
        assert numbers[key]["text"] == claim


# --- numbers by hand ---------------------------------------------------------------------------


def test_results_numbers_by_hand() -> None:
    numbers = results_numbers(_tiny())
    text = {k: v["text"] for k, v in numbers.items()}
    assert text["NParagraphs"] == "9" and text["NCodes"] == "8"
    assert text["NSubthemes"] == "3" and text["NThemes"] == "3"
    assert (text["NMajorThemes"], text["NMinorThemes"]) == ("2", "1")
    assert text["CodesMean"] == "2.67" and text["CodesMedian"] == "3.00"
    assert text["CodesSD"] == "0.58" and text["CodesRange"] == "1.00"
    assert text["ThemeCodesBeta"] == "3" and text["ThemePctBeta"] == "37.50"
    assert text["QOneNReported"] == "2"
    assert text["QOnePctBeta"] == "41.67" and text["QOnePctAlpha"] == "33.33"
    assert text["QOneSubthemesBeta"] == "1"
    assert text["QTwoPctGamma"] == "100.00"
    assert numbers["QOnePctBeta"]["value"] == pytest.approx(125 / 3)


def test_results_text_by_hand(published) -> None:
    text = results_text(_tiny(), published=published)
    assert ("Responses comprising 9 paragraphs of text were categorised into 8 codes. Codes were "
            "divided into 3 subthemes") in text
    assert ("Two themes (beta and gamma) for which the number of coded responses was greater "
            "than average (mean = 2.67; median = 3.00; SD = 0.58; range = 1.00) were considered "
            "major themes.") in text
    assert ("The remaining theme with fewer coded responses than average (alpha) was "
            "considered a minor theme.") in text
    assert ("For successes and achievements in partnership working, themes contributing 50% or "
            "more of the total number of codes were the major theme of ‘beta’ (41.67%) and the "
            "minor theme of ‘alpha’ (33.33%)") in text
    assert "## Responses to the questions" in text  # the study gives no topics


def test_results_text_in_the_studys_own_words() -> None:
    from synth.study import Question, Study

    study = Study(questions={1: Question(1, "What brought you back each week?", "joining in"),
                             2: Question(2, "What kept people away?", "joining in")})
    tiny = _tiny()
    tiny = dataclasses.replace(tiny, codebook=tiny.codebook.drop(columns="valence"))
    text = results_text(tiny, study=study)
    assert ("For question 1, ‘What brought you back each week?’, themes contributing 50% or "
            "more of the total number of codes were the major theme of ‘beta’ (41.67%) and the "
            "minor theme of ‘alpha’ (33.33%)") in text
    assert "For question 2, ‘What kept people away?’, the theme contributing" in text
    assert "## Joining in: responses to questions 1–2" in text
    # no valence in a codebook: no split into successes and challenges is claimed
    assert "successes" not in text and "partnership" not in text.lower()
    # without wording, a question is named by its number
    assert "For Question 1, themes contributing" in results_text(_tiny(), study=Study())


def test_names_and_words() -> None:
    assert number_word(9) == "nine" and number_word(21) == "21"
    assert number_word(1, capital=True) == "One"
    assert macro_name("Q", 12, "Pct", "Health service and ICSs") == "QOneTwoPctHealthServiceAndICSs"
    with pytest.raises(ValueError, match="no letters or digits"):
        macro_name("—", "…")


def test_names_differing_only_in_punctuation_get_distinct_macros() -> None:
    seg = pd.DataFrame({"segment_id": ["S1", "S2"], "focus_group": ["FG1"] * 2,
                        "question": [1, 1], "participant_id": ["P1"] * 2,
                        "code_id": ["C1", "C2"]})
    book = pd.DataFrame({"code_id": ["C1", "C2"], "subtheme": ["a", "b"],
                         "theme": ["Place-based", "Place based"],
                         "valence": ["success", "success"]})
    numbers = results_numbers(CodedData.from_frames(seg, book))
    assert "Appendix 1: codes of Place-based" == numbers["ThemeCodesPlaceBased"]["what"]
    assert "Appendix 1: codes of Place based" == numbers["ThemeCodesPlaceBasedTwo"]["what"]


def test_numbers_tex_defines_every_number_once() -> None:
    numbers = results_numbers(_tiny())
    tex = numbers_tex(numbers)
    defined = re.findall(r"^\\newcommand\{\\([A-Za-z]+)\}\{([^{}]*)\}", tex, re.M)
    assert [n for n, _ in defined] == list(numbers)
    assert dict(defined)["QOnePctBeta"] == "41.67"
    with pytest.raises(ValueError, match="letters only"):
        numbers_tex({"Q1": {"text": "1", "what": "x"}})


# --- tables ------------------------------------------------------------------------------------


def test_paper_layout_of_each_table() -> None:
    t1 = pd.DataFrame({"topic": ["partnership working"] * 2 + ["health inequalities"],
                       "question": [1, 2, 5], "text": ["A?", "B?", "C?"]})
    caption, layout = paper_layout("table1", t1)
    assert caption == "Table 1. Focus group questions"
    assert layout["Topics"].tolist() == ["Partnership working", "", "Health inequalities"]
    assert layout["Questions"].tolist() == ["1. A?", "2. B?", "5. C?"]
    q = pd.DataFrame({"question": [1, 1], "rank": [1, 1], "theme": ["Funding"] * 2,
                      "percent": [30.0] * 2, "subtheme": ["x", "y"], "quotation": ["q1", "q2"]})
    caption, layout = paper_layout("table2", q)
    assert caption.startswith("Table 2. Question 1: themes, subthemes")
    assert layout.columns.tolist() == ["Theme", "Subthemes", "Quotations"]
    assert layout["Theme"].tolist() == ["Funding", ""]
    a = pd.DataFrame({"class": ["major", "major"], "theme": ["Funding"] * 2, "codes": [40, 40],
                      "percent": [12.383, 12.383], "valence": ["successes", "challenges"],
                      "n_subthemes": [2, 1], "subthemes": ["A; B", "C"]})
    _, layout = paper_layout("appendix1", a)
    assert layout.iloc[0].tolist() == ["Major themes", "Funding 40 (12.38%)", "Successes", "A\nB"]
    assert layout.iloc[1].tolist() == ["", "", "Challenges", "C"]
    with pytest.raises(ValueError, match="not one of the paper's tables: 'table0'"):
        paper_layout("table0", q)


def test_markdown_and_latex_escape_markup() -> None:
    frame = pd.DataFrame({"Quotations": [CRAFTED], "Subthemes": ["a\nb"]})
    md = table_markdown("Table 2. <b>", frame)
    assert "<script>" not in md and "<img" not in md and "<b>" not in md.replace("<br>", "")
    assert "&lt;script&gt;" in md and "\\|" in md and "a<br>b" in md
    tex = table_latex("Table 2. Q & A", frame, "tab:x")
    assert r"\textless{}script\textgreater{}" in tex
    assert r"\{50\%\} \$5 \#1 \_x\_" in tex
    assert r"a \newline b" in tex
    assert r"\caption{Q \& A}" in tex
    _check_latex(tex)
    with pytest.raises(ValueError, match="label must be"):
        table_latex("T", frame, "tab x")
    with pytest.raises(ValueError, match="widths has 1 entries for 2 columns"):
        table_latex("T", frame, "t", widths=[1.0])


def test_docx_reads_back(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    frame = pd.DataFrame({"Theme": ["Funding", ""], "Subthemes": ["x", "y\nz"],
                          "Quotations": [CRAFTED, "plain"]})
    path = write_docx_table("Table 3. Question 2", frame, tmp_path / "t.docx")
    doc = docx.Document(str(path))
    assert doc.paragraphs[0].text == "Table 3. Question 2"
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Theme", "Subthemes", "Quotations"]
    assert len(table.rows) == 3
    assert table.rows[1].cells[2].text == CRAFTED  # markup kept as plain text
    assert table.rows[2].cells[1].text == "y\nz"
    again = write_docx_table("Table 3. Question 2", frame, tmp_path / "u.docx")
    assert path.read_bytes() == again.read_bytes()  # fixed timestamps: same bytes


# --- the whole folder --------------------------------------------------------------------------


def _check_latex(source: str) -> None:
    """Balanced braces (escaped ones aside) and matching \\begin/\\end."""
    body = re.sub(r"\\[{}%]", "", source)
    body = "\n".join(line.split("%", 1)[0] for line in body.splitlines())
    depth = 0
    for char in body:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a closing brace without an opening one"
    assert depth == 0, "unbalanced braces"
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]+)\}", body):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"\\end{{{env}}} without its \\begin"
    assert not stack, f"unclosed environments: {stack}"


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    write_coded_data(_tiny(), folder)
    out = tmp_path_factory.mktemp("manuscript") / "manuscript"
    assert main(["manuscript", "--data", str(folder), "--out", str(out)]) == 0
    return out


def test_figures_at_journal_sizes(manuscript: Path) -> None:
    from PIL import Image

    for q in (1, 2):
        for width, mm in (("single", 85.0), ("double", 170.0)):
            stem = manuscript / "figures" / f"fig{q}_{width}"
            for dpi in (300, 600):
                png = Image.open(f"{stem}_{dpi}dpi.png")
                assert abs(png.size[0] - mm / 25.4 * dpi) <= 1.5
                assert png.info["dpi"][0] == pytest.approx(dpi, abs=0.01)
            tiff = Image.open(f"{stem}.tiff")
            assert tiff.format == "TIFF" and tiff.info["compression"] == "tiff_lzw"
            assert tiff.info["dpi"][0] == pytest.approx(600)
            assert abs(tiff.size[0] - mm / 25.4 * 600) <= 1.5
            tiff.load()
            pdf = Path(f"{stem}.pdf").read_bytes()
            assert b"/FontFile2" in pdf  # TrueType embedded (pdf.fonttype 42)
            assert b"/Subtype /Type3" not in pdf
            svg = ET.parse(f"{stem}.svg").getroot()
            assert svg.get("width", "").endswith("pt")
            assert b"<text" not in Path(f"{stem}.svg").read_bytes()  # text as paths
        caption = (manuscript / "figures" / f"fig{q}.txt").read_text(encoding="utf-8")
        assert caption.startswith(f"Figure {q}. Question {q}")
        plotted = pd.read_csv(manuscript / "figures" / f"fig{q}.csv")
        assert plotted.columns.tolist() == ["theme", "mean_pct", "sd_pct", "n_groups",
                                            "reported"]
    fig1 = pd.read_csv(manuscript / "figures" / "fig1.csv").set_index("theme")
    assert fig1.loc["Beta", "mean_pct"] == pytest.approx(125 / 3)


def test_tables_in_four_formats(manuscript: Path) -> None:
    import docx

    for name in ("table1", "table2", "table3", "appendix1"):
        for suffix in (".csv", ".md", ".tex", ".docx"):
            assert (manuscript / "tables" / f"{name}{suffix}").is_file(), f"{name}{suffix}"
    table2 = pd.read_csv(manuscript / "tables" / "table2.csv", keep_default_na=False)
    assert table2.columns.tolist() == ["Theme", "Subthemes", "Quotations"]
    assert table2["Theme"].tolist() == ["Beta", "Alpha"]  # rank order, each theme once
    assert table2.loc[0, "Quotations"] == CRAFTED
    assert table2.loc[1, "Quotations"] == "no quotation in the data"
    doc = docx.Document(str(manuscript / "tables" / "table2.docx"))
    assert doc.tables[0].rows[1].cells[2].text == CRAFTED
    md = (manuscript / "tables" / "table2.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in md and "<script>" not in md
    table1 = docx.Document(str(manuscript / "tables" / "table1.docx")).tables[0]
    # the study's folder has no questions.csv: its two questions, by number, under one heading
    assert [row.cells[0].text for row in table1.rows] == ["Questions", "1. Question 1",
                                                          "2. Question 2"]
    appendix = pd.read_csv(manuscript / "tables" / "appendix1.csv", keep_default_na=False)
    assert appendix.iloc[0, 0] == "Major themes" and appendix.iloc[0, 1] == "Beta 3 (37.50%)"


def test_latex_compiles_or_parses(manuscript: Path, tmp_path: Path) -> None:
    for tex in sorted((manuscript / "tables").glob("*.tex")):
        _check_latex(tex.read_text(encoding="utf-8"))
    numbers = (manuscript / "numbers.tex").read_text(encoding="utf-8")
    _check_latex(numbers)
    preview = (manuscript / "preview.tex").read_text(encoding="utf-8")
    _check_latex(preview)
    defined = set(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", numbers))
    used = set(re.findall(r"\\([A-Z][A-Za-z]+)\{\}", preview))
    assert used and used <= defined
    engine = next((e for e in ("pdflatex", "xelatex", "lualatex") if shutil.which(e)), None)
    if engine is None:
        return  # no TeX engine on this machine: parsed only
    work = tmp_path / "tex"
    shutil.copytree(manuscript, work)
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "preview.tex"],
                         cwd=work, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]


def test_numbers_json_and_results_md(manuscript: Path) -> None:
    numbers = json.loads((manuscript / "numbers.json").read_text(encoding="utf-8"))
    assert numbers["QOnePctBeta"]["text"] == "41.67"
    tex = (manuscript / "numbers.tex").read_text(encoding="utf-8")
    assert "\\newcommand{\\QOnePctBeta}{41.67}" in tex
    text = (manuscript / "results.md").read_text(encoding="utf-8")
    assert "‘beta’ (41.67%)" in text and f"(Fig.{NBSP}1)" in text


def test_provenance_covers_every_file(manuscript: Path) -> None:
    prov = json.loads((manuscript / "provenance.json").read_text(encoding="utf-8"))
    files = {p.relative_to(manuscript).as_posix() for p in manuscript.rglob("*")
             if p.is_file() and not p.name.startswith(".")}  # not synth's marker file
    assert set(prov["outputs"]) == files - {"provenance.json"}
    for name, info in prov["outputs"].items():
        digest = hashlib.sha256((manuscript / name).read_bytes()).hexdigest()
        assert info["sha256"] == digest, name
    fig = prov["outputs"]["figures/fig2_single.tiff"]
    assert fig["notebook"] == "notebooks/20_question.ipynb"
    assert fig["parameters"]["question"] == 2 and fig["paper_item"] == "Figure 2"
    table = prov["outputs"]["tables/table3.docx"]
    assert table["parameters"]["question"] == 2 and table["paper_item"] == "Table 3"
    assert prov["outputs"]["tables/appendix1.md"]["notebook"] == \
        "notebooks/10_themes_appendix1.ipynb"
    data_sums = prov["inputs"]["data"]
    assert set(data_sums) >= {"coded_segments.csv", "codebook.csv"}
    folder = Path(fig["parameters"]["data_dir"])
    assert data_sums["codebook.csv"] == hashlib.sha256(
        (folder / "codebook.csv").read_bytes()).hexdigest()
    assert "commit" in prov and prov["reconstructed_data"] is False


def test_same_bytes_on_a_second_run(manuscript: Path, tmp_path: Path) -> None:
    data = load_coded_data(json.loads((manuscript / "provenance.json").read_text())
                           ["outputs"]["figures/fig1.csv"]["parameters"]["data_dir"])
    again = tmp_path / "again"
    write_manuscript(data, again, widths=("single",))
    for path in sorted(again.rglob("*")):
        if path.is_file() and path.name != "provenance.json":
            rel = path.relative_to(again)
            assert path.read_bytes() == (manuscript / rel).read_bytes(), str(rel)


def test_bad_input_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "manuscript"
    assert main(["manuscript", "--data", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert "data folder not found" in capsys.readouterr().err
    assert not out.exists()
