"""A study's own description: study.toml and questions.csv, read, validated and written back."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BASE_CODEBOOK, BASE_PARTICIPANTS, BASE_SEGMENTS
from synth import DataError
from synth.cli import main
from synth.study import NEUTRAL_TITLE, Question, Study, load_study, questions_csv, study_toml


def _folder(tmp_path: Path, study: str | None = None, questions: str | None = None) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "coded_segments.csv").write_text(BASE_SEGMENTS)
    (folder / "codebook.csv").write_text(BASE_CODEBOOK)
    (folder / "participants.csv").write_text(BASE_PARTICIPANTS)
    if study is not None:
        (folder / "study.toml").write_text(study, encoding="utf-8")
    if questions is not None:
        (folder / "questions.csv").write_text(questions, encoding="utf-8")
    return folder


def test_without_the_files_the_study_is_neutral(tmp_path):
    study = load_study(_folder(tmp_path))
    assert study == Study()
    assert study.title == NEUTRAL_TITLE and not study.compare_to_paper
    assert study.question_title(3) == "Question 3"


def test_the_files_give_title_wording_and_comparison(tmp_path):
    folder = _folder(
        tmp_path,
        'title = "Belonging in Leeds"\ndoi = "10.1/x"\ncompare_to_paper = false\n',
        "question,text,topic\n2,What kept people away?,access\n7,\"Why, and how?\",\n",
    )
    study = load_study(folder)
    assert study.title == "Belonging in Leeds" and study.doi == "10.1/x"
    assert study.questions == {2: Question(2, "What kept people away?", "access"),
                               7: Question(7, "Why, and how?", "")}
    assert study.question_title(7) == "Question 7: Why, and how?"
    assert study.question_texts() == {2: "What kept people away?", 7: "Why, and how?"}


def test_written_files_read_back_the_same(tmp_path):
    study = Study(title='Quotes "and" back\\slashes', citation="A. Author (2030)", doi="10.9/y",
                  compare_to_paper=True,
                  questions={1: Question(1, "Zero, one; \"two\"", "t"), 3: Question(3, "Three")},
                  described=True)
    folder = _folder(tmp_path, study_toml(study), questions_csv(study))
    assert load_study(folder) == study


@pytest.mark.parametrize(
    ("study", "questions", "message"),
    [
        ("title = ", None, "study.toml: is not valid TOML"),
        ('title = "x"\ncompare = true\n', None, "unknown key(s) 'compare'; expected title"),
        ('title = "x"\ncompare_to_paper = "yes"\n', None, "'compare_to_paper' must be true or false"),
        ('title = "  "\n', None, "'title' is empty"),
        (None, "question,text\n1,First\none,Second\n", "column 'question': not a positive whole "
         "number: 'one' (1 row: 3)"),
        (None, "question,text\n1,First\n1,Again\n", "question 1 is listed twice (1 row: 3)"),
        (None, "question,text\n1,\n", "column 'text': empty (1 row: 2)"),
        (None, "number,wording\n1,First\n", "no 'question' column (header: number, wording)"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_place(tmp_path, capsys, study, questions, message):
    folder = _folder(tmp_path, study, questions)
    with pytest.raises(DataError, match=None) as error:
        load_study(folder)
    assert message in str(error.value)
    assert main(["validate", "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_study_file_that_is_not_utf8_names_its_line(tmp_path):
    folder = _folder(tmp_path, None, None)
    (folder / "questions.csv").write_bytes(b"question,text\n1,caf\xe9\n")
    with pytest.raises(DataError, match=r"questions.csv: is not UTF-8 text; save it as UTF-8 \(1 row: 2\)"):
        load_study(folder)


def test_the_shipped_data_describe_the_paper(raw):
    study = load_study(raw)
    assert study.compare_to_paper and study.doi == "10.1186/s12939-024-02216-1"
    assert sorted(study.questions) == list(range(1, 9))
    assert study.question_text(5) == "What does the term ‘health inequalities’ mean to you?"


def test_validate_reports_the_study(tmp_path, capsys):
    folder = _folder(tmp_path, 'title = "Belonging"\n', "question,text\n1,Why come?\n")
    assert main(["validate", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "study: Belonging; 1 of 2 questions worded; not compared with the paper" in out
