"""Another study's coded data, end to end: its own wording, its own numbers, its own folders.

The studies are written into each test's folder by ``tests/studies.py`` (questions, groups,
themes and roles of their own; no valence). The renders are small (a few hundred rows) and run
once per module; the shipped data are rendered elsewhere (``shipped_report`` in conftest.py).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from pathlib import Path

import pytest

from studies import PAPER_WORDS, write_study
from synth.cli import main

ROOT = Path(__file__).resolve().parents[1]

FIVE = {
    1: "How did the garden start?",
    3: "Who keeps it going?",
    4: "What grows best?",
    6: "What would you change?",
    11: "Anything else you want to tell us?",
}
FIVE_THEMES = ("Soil", "Water", "Tools", "Neighbours", "Weather", "Money")


def _visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles, embedded images and tags."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r'data:image/[^"]+', "", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _listing(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def repo_figures() -> dict[str, str]:
    """The repository's figures/ before any render of this module."""
    return _listing(ROOT / "figures")


@pytest.fixture(scope="module")
def brought_back(tmp_path_factory: pytest.TempPathFactory, repo_figures) -> Path:
    """The two-question volunteer study, rendered with ``--figures`` into a folder of its own,
    with folders given relative to the working directory, as a user types them."""
    base = tmp_path_factory.mktemp("brought_back")
    write_study(
        base / "D",
        questions={1: "What brought you back each week?", 2: "What kept people away?"},
        groups=3, per_group=4, roles=("Volunteer",), segments=90,
    )
    here = os.getcwd()
    os.chdir(base)
    try:
        assert main(["report", "--data", "D", "--out", "O", "--figures", "F"]) == 0
    finally:
        os.chdir(here)
    # the analyst keeps a file of their own in the figures folder synth wrote
    (base / "F" / "notes.txt").write_text("the analyst's own file\n", encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def five(tmp_path_factory: pytest.TempPathFactory, repo_figures) -> Path:
    """Five questions (1, 3, 4, 6, 11; the last answered by one group), seven groups, six themes
    (one never coded), two roles, no valence, a title of its own: report and manuscript."""
    base = tmp_path_factory.mktemp("five")
    data = write_study(
        base / "D", questions=FIVE, groups=7, per_group=3, themes=FIVE_THEMES,
        roles=("Gardener", "Organiser"), segments=210, uncoded_themes=1,
        answered_by={11: [4]}, title="Allotment voices", compare_to_paper=False,
    )
    assert main(["report", "--data", str(data), "--out", str(base / "O")]) == 0
    assert main(["manuscript", "--data", str(data), "--out", str(base / "O" / "manuscript")]) == 0
    return base


@pytest.mark.slow
def test_two_question_volunteer_study(brought_back: Path) -> None:
    page = (brought_back / "O" / "report.html").read_text(encoding="utf-8")
    assert "What brought you back each week" in page
    assert "partnership working" not in page
    # everything under O: the figures of its two questions, and nothing of the paper's eight
    figures = sorted(p.name for p in (brought_back / "O" / "figures").glob("fig*.png"))
    assert figures == ["fig1.png", "fig2.png"]
    text = _visible_text(page)
    assert "The codebook has no valence column" in text
    assert "12 participants in three focus groups of four, with one role." in text


@pytest.mark.slow
def test_five_question_study_speaks_only_of_itself(five: Path) -> None:
    out = five / "O"
    page = (out / "report.html").read_text(encoding="utf-8")
    text = _visible_text(page)
    assert "<title>synth report: Allotment voices</title>" in page
    for wording in FIVE.values():
        assert wording in text, wording
    for word in PAPER_WORDS:
        assert word.lower() not in text.lower(), word
    # figures numbered by the study's questions; the audit is not run for a study not compared
    assert sorted(p.name for p in (out / "figures").glob("fig*.png")) == [
        f"fig{q}.png" for q in sorted(FIVE, key=str)]
    assert not (out / "notebooks" / "30_audit.ipynb").exists()
    assert 'id="figure-11"' in page and 'id="table-12"' in page
    # the question answered by one group: no error bars, said in its caption
    caption = (out / "figures" / "fig11.txt").read_text(encoding="utf-8")
    assert caption.startswith("Figure 11. Question 11 (“Anything else you want to tell us?”)")
    assert "error bars are omitted because one group answered" in caption
    # statistics: what seven groups cannot give is said, not hidden
    assert "Question 11: one focus group answered" in text
    assert "7 focus groups: cluster-robust standard errors need about 10" in text
    assert "Never coded: Money" in text


@pytest.mark.slow
def test_five_question_manuscript(five: Path) -> None:
    manuscript = five / "O" / "manuscript"
    results = (manuscript / "results.md").read_text(encoding="utf-8")
    assert "For question 3, ‘Who keeps it going?’, " in results
    assert "For question 11, ‘Anything else you want to tell us?’, " in results
    assert "successes" not in results  # no valence: no split claimed
    table1 = (manuscript / "tables" / "table1.md").read_text(encoding="utf-8")
    assert "| 11. Anything else you want to tell us? |" in table1
    appendix = (manuscript / "tables" / "appendix1.csv").read_text(encoding="utf-8")
    assert appendix.splitlines()[0] == ("Major/minor theme,No. (%age) of codes per theme,"
                                        "Subthemes (in alphabetical order)")
    tex = (manuscript / "numbers.tex").read_text(encoding="utf-8")
    assert "\\QOneOneNReported" in tex  # question 11's macros are its own
    for path in manuscript.rglob("*"):
        if path.suffix in {".md", ".tex", ".csv", ".txt", ".json"}:
            body = path.read_text(encoding="utf-8").lower()
            for word in PAPER_WORDS:
                assert word.lower() not in body, (path.name, word)


@pytest.mark.slow
def test_one_question_study_and_stale_figures(brought_back: Path) -> None:
    """A one-question study renders (no theme x question test, said so), and rendering it into
    the figures folder of the two-question study removes Figure 2, which synth wrote there, and
    nothing else: not the analyst's file, not a figure file the analyst changed."""
    figures = brought_back / "F"
    assert sorted(p.name for p in figures.glob("fig*.*")) == sorted(
        f"fig{q}.{ext}" for q in (1, 2) for ext in ("png", "svg", "pdf", "csv", "txt"))
    edited = figures / "fig2.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "Edited by hand.\n", encoding="utf-8")
    data = write_study(brought_back / "one", questions={1: "What did the library mean to you?"},
                       groups=2, segments=30)
    assert main(["report", "--data", str(data), "--out", str(brought_back / "O1"),
                 "--figures", str(figures)]) == 0
    left = sorted(p.name for p in figures.iterdir())
    assert left == sorted(["notes.txt", ".synth-figures", ".synth-output", "fig2.txt"]
                          + [f"fig1.{ext}" for ext in ("png", "svg", "pdf", "csv", "txt")])
    text = _visible_text((brought_back / "O1" / "report.html").read_text(encoding="utf-8"))
    assert "What did the library mean to you?" in text
    assert ("chi-square test: not computed: the data have codes in one question only" in text)


@pytest.mark.slow
def test_single_group_study(tmp_path: Path) -> None:
    data = write_study(tmp_path / "D", questions=(1, 2), groups=1, segments=30)
    assert main(["report", "--data", str(data), "--out", str(tmp_path / "O")]) == 0
    text = _visible_text((tmp_path / "O" / "report.html").read_text(encoding="utf-8"))
    assert "Poisson GLM: not computed: a count model needs at least two focus groups" in text
    assert "one focus group: leaving a group out leaves no data" in text
    assert "Question 1: one focus group answered" in text
    assert "Table 1" in text and "Question 2" in text  # no questions.csv: questions by number


@pytest.mark.slow
def test_the_repository_figures_are_untouched(brought_back: Path, five: Path,
                                              repo_figures: dict[str, str]) -> None:
    assert _listing(ROOT / "figures") == repo_figures
