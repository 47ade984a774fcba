"""What a study says about itself: its title, its questions' wording, and whether it is compared
with the paper's published numbers.

A coded-data folder may hold two optional files beside the coded data:

- ``study.toml``: ``title`` (text), optional ``citation`` and ``doi`` (text), and
  ``compare_to_paper`` (``true``/``false``, default ``false``): whether the report audits the data
  against the published record of Thomson, Waterson & Chatterjee (2024).
- ``questions.csv``: ``question`` (a positive whole number, unique), ``text`` (the question as it
  was asked) and an optional ``topic``.

Without them a study is titled :data:`NEUTRAL_TITLE`, its questions "Question N", and nothing is
compared with the paper. Everything the compendium writes takes its wording from here, never from
the paper, unless ``compare_to_paper`` is on. The shipped ``data/raw/`` carries both files, written
by ``synth reconstruct`` from the published record.
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ._exceptions import DataError

__all__ = [
    "STUDY_FILE",
    "QUESTIONS_FILE",
    "NEUTRAL_TITLE",
    "Question",
    "Study",
    "load_study",
    "study_toml",
    "questions_csv",
]

#: The study's description in a data folder.
STUDY_FILE = "study.toml"
#: The study's questions in a data folder.
QUESTIONS_FILE = "questions.csv"
#: The title of a study whose folder has no ``study.toml``.
NEUTRAL_TITLE = "Coded focus-group study"

_KEYS = {"title": str, "citation": str, "doi": str, "compare_to_paper": bool}
_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class Question:
    """One question the focus groups were asked: its number, its wording and its topic."""

    number: int
    text: str = ""
    topic: str = ""


@dataclass(frozen=True)
class Study:
    """A study as its data folder describes it.

    Attributes
    ----------
    title
        The study's title (:data:`NEUTRAL_TITLE` without a ``study.toml``).
    citation, doi
        How to cite the study or the paper it reproduces; empty when not given.
    compare_to_paper
        Whether the data are audited against the paper's published record.
    questions
        The questions with their wording, by number (empty without a ``questions.csv``).
    described
        Whether the folder had a ``study.toml`` at all.

    Examples
    --------
    >>> study = Study(questions={2: Question(2, "What kept people away?")})
    >>> study.question_title(2), study.question_title(5)
    ('Question 2: What kept people away?', 'Question 5')
    """

    title: str = NEUTRAL_TITLE
    citation: str = ""
    doi: str = ""
    compare_to_paper: bool = False
    questions: dict[int, Question] = field(default_factory=dict)
    described: bool = False

    def question_text(self, number: int) -> str:
        """The question's wording, or "" when the study does not give it."""
        question = self.questions.get(int(number))
        return question.text if question is not None else ""

    def question_title(self, number: int) -> str:
        """"Question N: wording", or "Question N" when the study does not give the wording."""
        text = self.question_text(number)
        return f"Question {int(number)}: {text}" if text else f"Question {int(number)}"

    def question_texts(self) -> dict[int, str]:
        """Question number to wording, for the questions whose wording the study gives."""
        return {n: q.text for n, q in sorted(self.questions.items()) if q.text}


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError("is not a regular file", path=path)
    if path.stat().st_size > _MAX_BYTES:
        raise DataError(f"is larger than {_MAX_BYTES // 1024} KiB", path=path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError("is not UTF-8 text; save it as UTF-8", path=path, rows=[line]) from None


def _load_toml(path: Path) -> dict[str, object]:
    try:
        document = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"is not valid TOML ({exc})", path=path) from None
    unknown = sorted(set(document) - set(_KEYS))
    if unknown:
        raise DataError(
            f"unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}; "
            f"expected {', '.join(_KEYS)}",
            path=path,
        )
    for key, kind in _KEYS.items():
        if key in document and not isinstance(document[key], kind):
            wanted = "true or false" if kind is bool else "text in quotes"
            raise DataError(f"'{key}' must be {wanted}", path=path)
    title = document.get("title", "")
    if isinstance(title, str) and not title.strip():
        raise DataError("'title' is empty", path=path)
    return document


def _load_questions(path: Path) -> dict[int, Question]:
    rows = list(csv.reader(io.StringIO(_read_text(path))))
    if not rows:
        raise DataError("is empty; expected a header 'question,text'", path=path)
    header = [h.strip().lower() for h in rows[0]]
    for required in ("question", "text"):
        if required not in header:
            raise DataError(f"no '{required}' column (header: {', '.join(header)[:80]})",
                            path=path)
    at = {name: header.index(name) for name in ("question", "text", "topic") if name in header}
    questions: dict[int, Question] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in at.items()}
        number = cells["question"]
        if not number.isdigit() or int(number) < 1:
            raise DataError(f"not a positive whole number: {number[:20]!r}", path=path,
                            column="question", rows=[line])
        if int(number) in questions:
            raise DataError(f"question {int(number)} is listed twice", path=path,
                            column="question", rows=[line])
        if not cells["text"]:
            raise DataError("empty", path=path, column="text", rows=[line])
        questions[int(number)] = Question(int(number), cells["text"], cells.get("topic", ""))
    return dict(sorted(questions.items()))


def load_study(folder: str | os.PathLike[str] | None) -> Study:
    """Read ``study.toml`` and ``questions.csv`` from a coded-data folder, when they are there.

    Parameters
    ----------
    folder
        The coded-data folder; None (data built in memory) gives the neutral study.

    Returns
    -------
    Study

    Raises
    ------
    DataError
        A file is present but malformed: not UTF-8, not TOML, an unknown key, a value of the
        wrong type, a question that is not a positive whole number or is listed twice, an empty
        wording (the message names the file, the key or the row).

    Examples
    --------
    >>> load_study("data/raw").compare_to_paper
    True
    >>> load_study(tmp).title
    'Coded focus-group study'
    """
    if folder is None:
        return Study()
    base = Path(folder)
    questions: dict[int, Question] = {}
    if (base / QUESTIONS_FILE).exists():
        questions = _load_questions(base / QUESTIONS_FILE)
    if not (base / STUDY_FILE).exists():
        return Study(questions=questions)
    document = _load_toml(base / STUDY_FILE)
    return Study(
        title=str(document.get("title", NEUTRAL_TITLE)).strip(),
        citation=str(document.get("citation", "")).strip(),
        doi=str(document.get("doi", "")).strip(),
        compare_to_paper=bool(document.get("compare_to_paper", False)),
        questions=questions,
        described=True,
    )


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " or c == "\t" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def study_toml(study: Study) -> str:
    """The text of a ``study.toml`` describing ``study`` (what :func:`load_study` reads back).

    Examples
    --------
    >>> print(study_toml(Study(title='A "quoted" title', compare_to_paper=True)), end="")
    title = "A \\"quoted\\" title"
    compare_to_paper = true
    """
    lines = [f"title = {_toml_string(study.title)}"]
    if study.citation:
        lines.append(f"citation = {_toml_string(study.citation)}")
    if study.doi:
        lines.append(f"doi = {_toml_string(study.doi)}")
    lines.append(f"compare_to_paper = {'true' if study.compare_to_paper else 'false'}")
    return "\n".join(lines) + "\n"


def questions_csv(study: Study) -> str:
    """The text of a ``questions.csv`` listing the study's questions (``question,text,topic``).

    Examples
    --------
    >>> print(questions_csv(Study(questions={1: Question(1, "Why, and how?", "access")})), end="")
    question,text,topic
    1,"Why, and how?",access
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["question", "text", "topic"])
    for number, question in sorted(study.questions.items()):
        writer.writerow([number, question.text, question.topic])
    return buffer.getvalue()
