"""Tables 1-9, Appendix 1 and the participants table of the paper, built from data.

Every table is a plain :class:`pandas.DataFrame` (one row per printed line, tidy columns) so that
notebooks can show it and :func:`write_tables` can save it as CSV for authors and reviewers:

- **Table 1** (:func:`table1`): the study's focus-group questions (its ``questions.csv``, read by
  :func:`synth.study.load_study`), by topic when the study gives topics; a question the data
  answer but the study does not word is listed as "Question N";
- **Tables 2, 3, ...** (:func:`question_table`): for question *q* (Table *q* + 1), each reported theme
  (the 50% rule of :mod:`synth.analysis`) with its mean percentage, the subthemes coded for it in
  that question, and one quotation per subtheme: the ``text`` of a paragraph of that question,
  theme and subtheme. Where the data hold no text for a subtheme the table says
  ``"no quotation in the data"``; a quotation is never made up;
- **Appendix 1** (:func:`appendix1`, :func:`appendix1_statistics`): every theme with its number and
  percentage of codes, major or minor, and its subthemes split into successes and challenges, with
  the descriptive statistics of codes per theme;
- **Participants** (:func:`participants_table`, :func:`roles_table`): focus groups, their sizes and
  roles, from ``participants.csv``.

The analysis object these functions take is the one :func:`synth.analysis.analyse` returns; only
its documented tables are used (``themes``: ``theme, codes, percent, major``; ``stats``: ``mean,
median, sd, range, total``; ``selected``: ``question, rank, theme, mean_pct``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ._exceptions import DataError

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis
    from .io import CodedData

from .study import Study

__all__ = [
    "NO_QUOTATION",
    "STATISTICS",
    "table1",
    "question_table",
    "appendix1",
    "appendix1_statistics",
    "participants_table",
    "roles_table",
    "build_tables",
    "write_tables",
]

#: What a table shows where the data hold no words for a subtheme.
NO_QUOTATION = "no quotation in the data"

#: The descriptive statistics of codes per theme, in the order Appendix 1's text gives them.
STATISTICS: tuple[str, ...] = ("mean", "median", "sd", "range", "total")

_VALENCE_LABEL = {"success": "successes", "challenge": "challenges"}


def _alphabetical(names: pd.Series | list[str]) -> list[str]:
    """Unique names in case-insensitive alphabetical order (ties: the exact string)."""
    return sorted({str(n) for n in names}, key=lambda s: (s.casefold(), s))


def _has_text(values: pd.Series) -> pd.Series:
    return values.notna() & values.astype(str).str.strip().ne("") & values.astype(str).ne("nan")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what} lacks the column(s) {', '.join(missing)}", column=missing[0])


# --- Table 1 -------------------------------------------------------------------------------


def table1(questions: Study | pd.DataFrame, asked: Iterable[int] = ()) -> pd.DataFrame:
    """Table 1: the focus-group questions, by topic when the study gives topics.

    Parameters
    ----------
    questions
        The study (:func:`synth.study.load_study`): its questions and their wording; or a table
        with columns ``question``, ``topic`` and ``text`` (the published record's
        ``Published.questions``).
    asked
        The questions the data hold codings for; those the study does not word are listed as
        "Question N" (only with a :class:`~synth.study.Study`).

    Returns
    -------
    pandas.DataFrame
        Columns ``topic, question, text`` (``question, text`` for a study that gives no topics),
        one row per question in question order. A questions table without its columns raises
        :class:`~synth.DataError`.

    Examples
    --------
    >>> from synth.study import Question, Study
    >>> study = Study(questions={2: Question(2, "What kept people away?")})
    >>> table1(study, asked=[1, 2])["text"].tolist()
    ['Question 1', 'What kept people away?']
    >>> q = pd.DataFrame({"question": [2, 1], "topic": ["B", "A"], "text": ["Why?", "What?"]})
    >>> table1(q)["question"].tolist()
    [1, 2]
    """
    if isinstance(questions, Study):
        numbers = sorted(set(questions.questions) | {int(q) for q in asked})
        rows = [
            {
                "topic": questions.questions[n].topic if n in questions.questions else "",
                "question": n,
                "text": questions.question_text(n) or f"Question {n}",
            }
            for n in numbers
        ]
        out = pd.DataFrame(rows, columns=["topic", "question", "text"])
        out["question"] = out["question"].astype("int64")
        if not out["topic"].astype(bool).any():
            out = out.drop(columns="topic")
        return out
    _require(questions, ("question", "topic", "text"), "the questions table")
    out = questions[["topic", "question", "text"]].copy()
    out["question"] = out["question"].astype("int64")
    return out.sort_values("question", kind="stable").reset_index(drop=True)


# --- Tables 2, 3, ... (one per question) ----------------------------------------------------------------------------


def question_table(data: CodedData, analysis: Analysis, question: int) -> pd.DataFrame:
    """Table *question* + 1: reported themes, their subthemes and one quotation each.

    Parameters
    ----------
    data
        The coded dataset (:class:`synth.io.CodedData`).
    analysis
        The result of :func:`synth.analysis.analyse` on ``data``; its ``selected`` table names the
        reported themes (in rank order) and their mean percentages.
    question
        The question number.

    Returns
    -------
    pandas.DataFrame
        Columns ``question, rank, theme, percent, subtheme, quotation``: one row per subtheme coded
        for a reported theme in this question, themes in rank order and subthemes alphabetical.
        ``quotation`` is the text of the first paragraph (by ``segment_id``) of that question,
        theme and subtheme that has text, or :data:`NO_QUOTATION`.

    Raises
    ------
    DataError
        When the question has no reported themes in ``analysis`` (it has no codings).

    Examples
    --------
    >>> # see tests/test_tables.py for a worked example
    >>> NO_QUOTATION
    'no quotation in the data'
    """
    selected = analysis.selected
    _require(selected, ("question", "rank", "theme", "mean_pct"), "the analysis' selected table")
    chosen = selected[selected["question"].astype("int64") == int(question)].sort_values(
        "rank", kind="stable"
    )
    if chosen.empty:
        raise DataError(
            f"question {question} has no reported themes (no codings?)", column="question"
        )
    coded = data.coded()
    coded = coded[coded["question"] == int(question)]
    if "text" not in coded.columns:
        coded = coded.assign(text="")
    rows: list[dict[str, object]] = []
    for rec in chosen.itertuples(index=False):
        in_theme = coded[coded["theme"] == rec.theme]
        subthemes = _alphabetical(in_theme["subtheme"]) or [""]
        for sub in subthemes:
            said = in_theme[(in_theme["subtheme"] == sub) & _has_text(in_theme["text"])]
            said = said.sort_values("segment_id", kind="stable")
            quote = str(said["text"].iloc[0]).strip() if len(said) else NO_QUOTATION
            rows.append(
                {
                    "question": int(question),
                    "rank": int(rec.rank),
                    "theme": rec.theme,
                    "percent": float(rec.mean_pct),
                    "subtheme": sub,
                    "quotation": quote,
                }
            )
    return pd.DataFrame(
        rows, columns=["question", "rank", "theme", "percent", "subtheme", "quotation"]
    )


# --- Appendix 1 ----------------------------------------------------------------------------


def appendix1(data: CodedData, analysis: Analysis) -> pd.DataFrame:
    """Appendix 1: themes with their codes, class and subthemes by successes and challenges.

    Parameters
    ----------
    data
        The coded dataset; its codebook gives the theme order and every theme's subthemes.
    analysis
        The result of :func:`synth.analysis.analyse`; its ``themes`` table gives ``codes``,
        ``percent`` and ``major``.

    Returns
    -------
    pandas.DataFrame
        Columns ``class, theme, codes, percent, valence, n_subthemes, subthemes``: one row per
        theme and valence (``successes`` before ``challenges``; a valence with no subtheme is left
        out). A codebook without ``valence`` gives one row per theme and no ``valence`` column. Major themes come first, then minor ones, each in codebook order. ``subthemes`` joins
        the subtheme names, in case-insensitive alphabetical order, with ``"; "``.

    Raises
    ------
    DataError
        When the analysis lacks a theme of the codebook.

    Examples
    --------
    >>> # see tests/test_tables.py for a worked example
    >>> _VALENCE_LABEL["success"]
    'successes'
    """
    themes = analysis.themes
    _require(themes, ("theme", "codes", "percent", "major"), "the analysis' themes table")
    by_theme = themes.set_index("theme")
    order = data.theme_order
    absent = [t for t in order if t not in by_theme.index]
    if absent:
        raise DataError(
            "themes of the codebook missing from the analysis", column="theme", rows=absent
        )
    majors = [t for t in order if bool(by_theme.at[t, "major"])]
    minors = [t for t in order if not bool(by_theme.at[t, "major"])]
    book = data.codebook
    split = "valence" in book.columns
    rows: list[dict[str, object]] = []
    for theme in majors + minors:
        for valence in ("success", "challenge") if split else ("",):
            in_theme = book["theme"] == theme
            if split:
                in_theme &= book["valence"] == valence
            names = _alphabetical(book.loc[in_theme, "subtheme"])
            if not names:
                continue
            row: dict[str, object] = {
                "class": "major" if bool(by_theme.at[theme, "major"]) else "minor",
                "theme": theme,
                "codes": int(by_theme.at[theme, "codes"]),
                "percent": float(by_theme.at[theme, "percent"]),
                "valence": _VALENCE_LABEL.get(valence, ""),
                "n_subthemes": len(names),
                "subthemes": "; ".join(names),
            }
            rows.append(row)
    columns = ["class", "theme", "codes", "percent", "valence", "n_subthemes", "subthemes"]
    if not split:
        columns.remove("valence")
    return pd.DataFrame(rows, columns=columns)


def appendix1_statistics(analysis: Analysis) -> pd.DataFrame:
    """The descriptive statistics of codes per theme that accompany Appendix 1.

    Parameters
    ----------
    analysis
        The result of :func:`synth.analysis.analyse`; its ``stats`` (a mapping, a Series or a
        one-row DataFrame) holds ``mean, median, sd, range, total``.

    Returns
    -------
    pandas.DataFrame
        Columns ``statistic, value`` in the order of :data:`STATISTICS`.

    Raises
    ------
    DataError
        When a statistic is missing.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> a = SimpleNamespace(stats={"mean": 2.0, "median": 2.0, "sd": 1.0, "range": 2.0, "total": 6})
    >>> appendix1_statistics(a)["value"].tolist()
    [2.0, 2.0, 1.0, 2.0, 6.0]
    """
    stats = analysis.stats
    if isinstance(stats, pd.DataFrame) and len(stats) == 1:
        stats = stats.iloc[0].to_dict()
    elif isinstance(stats, pd.Series):
        stats = stats.to_dict()
    elif not isinstance(stats, Mapping):
        stats = {k: getattr(stats, k) for k in STATISTICS if hasattr(stats, k)}
    missing = [k for k in STATISTICS if k not in stats]
    if missing:
        raise DataError("the analysis' statistics lack " + ", ".join(missing), column=missing[0])
    return pd.DataFrame(
        {"statistic": list(STATISTICS), "value": [float(stats[k]) for k in STATISTICS]}
    )


# --- participants --------------------------------------------------------------------------


def _roster(data: CodedData) -> pd.DataFrame:
    if data.participants is None:
        raise DataError(
            "participants.csv is needed for the participants table",
            path=str(data.paths.get("segments", "data")),
            column="participant_id",
        )
    return data.participants


def participants_table(data: CodedData) -> pd.DataFrame:
    """Focus groups with their sizes and the roles of their participants.

    Parameters
    ----------
    data
        The coded dataset; needs ``participants``.

    Returns
    -------
    pandas.DataFrame
        Columns ``focus_group, participants, roles``, sorted by focus group; ``roles`` lists each
        role with its count (``"researcher (2); youth organisation (1)"``), alphabetically.

    Raises
    ------
    DataError
        When the dataset has no participants table.

    Examples
    --------
    >>> people = participants_table(data)
    >>> len(people), int(people["participants"].sum()), people["focus_group"].iloc[1]
    (10, 90, 'FG02')
    >>> people["roles"].iloc[1]
    'arts-and-health sector (1); mental health charities (1); principal investigators (1); researchers (3)'
    """
    people = _roster(data)
    rows = []
    for group, members in sorted(people.groupby("focus_group"), key=lambda kv: str(kv[0])):
        counts = members["role"].value_counts()
        roles = "; ".join(f"{r} ({int(counts[r])})" for r in _alphabetical(list(counts.index)))
        rows.append({"focus_group": str(group), "participants": len(members), "roles": roles})
    return pd.DataFrame(rows, columns=["focus_group", "participants", "roles"])


def roles_table(data: CodedData) -> pd.DataFrame:
    """Participants per role over all groups (the paper's Methods → Participants), from the
    roster (``data.participants``).

    Returns
    -------
    pandas.DataFrame
        Columns ``role, participants, focus_groups`` (number of groups with that role), sorted by
        participants descending, then role.

    A dataset without ``participants`` has no roles to count (:class:`~synth.DataError`).

    Examples
    --------
    >>> roles_table(data).head(2).to_dict("records")
    [{'role': 'researchers', 'participants': 16, 'focus_groups': 9}, \
{'role': 'co-investigators', 'participants': 15, 'focus_groups': 7}]
    """
    people = _roster(data)
    out = (
        people.groupby("role")
        .agg(participants=("participant_id", "nunique"), focus_groups=("focus_group", "nunique"))
        .reset_index()
    )
    out["_key"] = out["role"].str.casefold()
    out = out.sort_values(
        ["participants", "_key", "role"], ascending=[False, True, True], kind="stable"
    )
    return out.drop(columns="_key").reset_index(drop=True)


# --- all tables ----------------------------------------------------------------------------


def build_tables(
    data: CodedData,
    analysis: Analysis,
    questions: Study | pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of the paper that data determine, keyed by output name.

    Parameters
    ----------
    data
        The coded dataset.
    analysis
        :func:`synth.analysis.analyse` of ``data``.
    questions
        The study (its questions' wording) or a questions table, for Table 1 (:func:`table1`);
        Table 1 is left out when None.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``table1`` (when ``questions`` is given), ``table<q+1>`` (Table *q* + 1 for every
        question *q* of the data), ``appendix1``, ``appendix1_statistics``, and, when the dataset
        has a roster, ``participants`` and ``roles``.

    Raises
    ------
    DataError
        As the individual table functions do.

    Examples
    --------
    >>> from synth.study import load_study
    >>> sorted(build_tables(data, analysis, load_study("data/raw")))[:3]
    ['appendix1', 'appendix1_statistics', 'participants']
    """
    tables: dict[str, pd.DataFrame] = {}
    if questions is not None:
        tables["table1"] = table1(questions, data.questions)
    for q in data.questions:
        tables[f"table{q + 1}"] = question_table(data, analysis, q)
    tables["appendix1"] = appendix1(data, analysis)
    tables["appendix1_statistics"] = appendix1_statistics(analysis)
    if data.participants is not None:
        tables["participants"] = participants_table(data)
        tables["roles"] = roles_table(data)
    return tables


def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each table as ``<name>.csv`` (UTF-8, ``\\n`` line ends, reproducible bytes).

    Parameters
    ----------
    tables
        Output name to table, as :func:`build_tables` returns.
    folder
        An existing folder (commands pass the temporary folder of ``atomic_dir``).

    Returns
    -------
    list of Path
        The files written, in name order.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_tables({"t": pd.DataFrame({"a": [1]})}, d)]
    ['t.csv']
    """
    from .io import write_table

    folder = Path(folder)
    return [write_table(tables[name], folder / f"{name}.csv") for name in sorted(tables)]
