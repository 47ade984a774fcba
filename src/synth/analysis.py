"""The paper's counting rules, as plain functions of a :class:`~synth.io.CodedData`.

Thomson, Waterson & Chatterjee (2024) count in two ways, and this module implements both exactly
as ``docs/architecture.md`` fixes them:

- **Code occurrences** (Appendix 1): one participant's point, i.e. a unique
  ``(question, participant_id, code_id)``. A participant repeating a point in several paragraphs of
  the same question counts once; different participants count separately. Per theme these give
  :func:`theme_counts`; a theme is *major* when its count is greater than the mean over the
  codebook's themes (equal to the mean is minor), and :func:`theme_stats` gives the descriptive
  statistics the Results section quotes (mean, median, SD with ddof 1, range, total).
- **Per-question shares** (Figures 1-8 and the Results text): within a question and a focus group
  that has at least one coding in that question, a theme's count is the number of distinct coded
  paragraphs (``unit="paragraph"``, the default) or distinct ``(participant_id, code_id)``
  code occurrences (``unit="code"``) carrying a code of that theme; its percentage is that count
  over the sum of all themes' counts in the group and question, so a group's percentages sum to 100
  (:func:`group_shares`). The bar is the mean over the answering groups and the error bar the sample
  SD over them, empty with one group (:func:`question_shares`).
- **Reported themes** (Tables 2-9): sort a question's themes by mean percentage, descending, ties
  broken by the codebook's theme order, and report the shortest prefix whose cumulative percentage
  reaches 50 (:func:`select_themes`).

Every theme of the codebook appears in every table, with 0 where it is absent. Everything is
vectorised (no Python loop over rows): on a million coding rows the analysis itself
takes about two seconds on a two-core machine (loading and validating the files takes longer).
:func:`analyse` runs all of it; :func:`write_analysis` writes what ``synth analyse`` writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ._exceptions import DataError, UsageError
from .io import CodedData, write_table

__all__ = [
    "UNITS",
    "Unit",
    "check_unit",
    "Analysis",
    "code_occurrences",
    "theme_counts",
    "theme_stats",
    "group_shares",
    "question_shares",
    "select_themes",
    "analyse",
    "write_analysis",
]

Unit = Literal["paragraph", "code"]

#: The counting units of the per-question percentages: coded paragraphs (the paper's reading)
#: and code occurrences.
UNITS: tuple[Unit, ...] = ("paragraph", "code")

#: Mean percentages closer than this are treated as tied (then the codebook order decides), and a
#: cumulative percentage within this of the threshold counts as reaching it. Percentages computed
#: along different paths can differ in the last bit; the paper reports two decimals.
_TOLERANCE = 1e-9

_FLOAT_FORMAT = "%.10g"



def check_unit(unit: str) -> Unit:
    """Return ``unit`` as a :data:`Unit`, or raise :class:`~synth.UsageError` naming the choices.

    Every function and command that takes a counting unit checks it here.

    Examples
    --------
    >>> check_unit("code")
    'code'
    >>> check_unit("sentence")
    Traceback (most recent call last):
    ...
    synth._exceptions.UsageError: unit must be one of 'paragraph', 'code'; got 'sentence'
    """
    if unit == "paragraph":
        return "paragraph"
    if unit == "code":
        return "code"
    raise UsageError(f"unit must be one of {', '.join(repr(u) for u in UNITS)}; got {unit!r}")


class _Codes(NamedTuple):
    """The segments as integer arrays, one entry per coding row; every count is integer work."""

    q: np.ndarray  # the question number
    g: np.ndarray  # focus group, its position in ``groups`` (sorted)
    s: np.ndarray  # segment
    p: np.ndarray  # participant
    c: np.ndarray  # code, its codebook row
    t: np.ndarray  # theme, its position in ``themes`` (codebook order)
    themes: list[str]
    groups: list[str]


def _integer_codes(data: CodedData) -> _Codes:
    seg = data.segments
    if len(seg) == 0:
        raise DataError("no coded segments (the table has no rows)", path=_path(data, "segments"))
    book = data.codebook
    themes = list(data.theme_order)
    code_pos = pd.Index(book["code_id"]).get_indexer(seg["code_id"])
    if (code_pos < 0).any():
        bad = np.flatnonzero(code_pos < 0)
        raise DataError(
            "code_id not in the codebook",
            path=_path(data, "segments"),
            column="code_id",
            rows=(bad + 2).tolist(),
        )
    theme_of_code = pd.Index(themes).get_indexer(book["theme"])
    g_codes, groups = pd.factorize(seg["focus_group"], sort=True)
    return _Codes(
        q=seg["question"].to_numpy(dtype="int64"),
        g=g_codes.astype("int64"),
        s=pd.factorize(seg["segment_id"])[0].astype("int64"),
        p=pd.factorize(seg["participant_id"])[0].astype("int64"),
        c=code_pos.astype("int64"),
        t=theme_of_code[code_pos].astype("int64"),
        themes=themes,
        groups=[str(g) for g in groups],
    )


def _row_ids(*columns: np.ndarray) -> np.ndarray:
    """An integer id per distinct row of non-negative integer columns (first-appearance order).

    The columns are packed into one int64 key when their ranges allow (they do for any realistic
    study), which makes this one hash pass; otherwise pandas factorizes the rows.
    """
    spans = [int(col.max()) + 1 if len(col) else 1 for col in columns]
    if float(np.prod([float(x) for x in spans])) < 2.0**62:
        key = np.zeros(len(columns[0]), dtype="int64")
        for col, span in zip(columns, spans, strict=True):
            key = key * span + col
        codes: np.ndarray = pd.factorize(key)[0].astype("int64")
        return codes
    frame = pd.DataFrame({str(i): col for i, col in enumerate(columns)})
    groups: np.ndarray = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy(
        dtype="int64"
    )
    return groups


def _first(*columns: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each distinct row of non-negative integer columns."""
    ids = _row_ids(*columns)
    mask = np.zeros(len(ids), dtype=bool)
    mask[np.unique(ids, return_index=True)[1]] = True
    return mask


def _path(data: CodedData, key: str) -> str:
    paths = getattr(data, "paths", None) or {}
    return str(paths.get(key, "coded_segments" if key == "segments" else key))


def code_occurrences(data: CodedData) -> pd.DataFrame:
    """List the code occurrences: unique ``(question, participant_id, code_id)``.

    A participant who makes the same point in several paragraphs of one question has one
    occurrence ("similar comments made multiple times by the same participant were only counted
    once"); different participants, or the same participant in another question, count
    separately.

    Parameters
    ----------
    data
        The coded data whose paragraphs are collapsed into occurrences.

    Returns
    -------
    pandas.DataFrame
        Columns ``question, focus_group, participant_id, code_id, theme, paragraphs`` (the number
        of distinct paragraphs behind the occurrence), one row per occurrence, sorted by question,
        participant and code. Data without segments raise :class:`~synth.DataError`.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1", "S2"], "focus_group": ["FG1", "FG1"],
    ...                     "question": [1, 1], "participant_id": ["P1", "P1"],
    ...                     "code_id": ["C1", "C1"]})
    >>> book = pd.DataFrame({"code_id": ["C1"], "subtheme": ["Surveys"],
    ...                      "theme": ["Research evidence"], "valence": ["success"]})
    >>> code_occurrences(CodedData.from_frames(seg, book))[["question", "code_id", "paragraphs"]]
       question code_id  paragraphs
    0         1      C1           2
    """
    codes = _integer_codes(data)
    seg = data.segments
    occurrence = _row_ids(codes.q, codes.p, codes.c)
    first = np.unique(occurrence, return_index=True)[1]  # first row of each occurrence
    distinct = _first(occurrence, codes.s)  # one row per (occurrence, paragraph)
    paragraphs = np.bincount(occurrence[distinct], minlength=len(first))
    out = pd.DataFrame(
        {
            "question": codes.q[first],
            "focus_group": seg["focus_group"].to_numpy()[first],
            "participant_id": seg["participant_id"].to_numpy()[first],
            "code_id": seg["code_id"].to_numpy()[first],
            "theme": np.asarray(codes.themes, dtype=object)[codes.t[first]],
            "paragraphs": paragraphs.astype("int64"),
        }
    )
    out = out.sort_values(["question", "participant_id", "code_id"], kind="mergesort")
    return out.reset_index(drop=True)


def _theme_counts_from(codes: _Codes) -> pd.DataFrame:
    themes = codes.themes
    occurrence = _first(codes.q, codes.p, codes.c)
    counts = np.bincount(codes.t[occurrence], minlength=len(themes)).astype("int64")
    total = int(counts.sum())
    percent = 100.0 * counts / total if total else np.zeros(len(themes))
    return pd.DataFrame(
        {
            "theme": list(themes),
            "codes": counts,
            "percent": percent,
            "major": counts > counts.mean(),
        }
    )


def theme_counts(data: CodedData) -> pd.DataFrame:
    """Count code occurrences per theme and classify each theme as major or minor (Appendix 1).

    Parameters
    ----------
    data
        The coded data; themes of the codebook without a code count 0.

    Returns
    -------
    pandas.DataFrame
        One row per theme of the codebook, in codebook order (themes without codes have 0):
        ``theme``, ``codes`` (code occurrences), ``percent`` (of all code occurrences) and
        ``major`` (True when ``codes`` is greater than the mean over the codebook's themes; equal
        to the mean is minor).

    Raises
    ------
    DataError
        The dataset has no segments.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1", "S2", "S3"], "focus_group": ["FG1"] * 3,
    ...                     "question": [1, 1, 1], "participant_id": ["P1", "P2", "P1"],
    ...                     "code_id": ["C1", "C1", "C2"]})
    >>> book = pd.DataFrame({"code_id": ["C1", "C2"], "subtheme": ["a", "b"],
    ...                      "theme": ["Funding", "Mental health"],
    ...                      "valence": ["success", "challenge"]})
    >>> theme_counts(CodedData.from_frames(seg, book))
               theme  codes    percent  major
    0        Funding      2  66.666667   True
    1  Mental health      1  33.333333  False
    """
    return _theme_counts_from(_integer_codes(data))


def theme_stats(counts: pd.DataFrame | pd.Series) -> dict[str, float]:
    """Descriptive statistics of the codes per theme, as the paper's Results section gives them.

    Parameters
    ----------
    counts
        The output of :func:`theme_counts` (its ``codes`` column is used) or a Series of counts.

    Returns
    -------
    dict
        ``mean``, ``median``, ``sd`` (sample SD, ddof 1; NaN with one theme), ``range`` (largest
        minus smallest) and ``total``; ``range`` and ``total`` are integers for integer counts.

    Raises
    ------
    ValueError
        ``counts`` is empty or has no ``codes`` column.

    Examples
    --------
    >>> theme_stats(pd.Series([52, 40, 33, 32, 32, 30, 23, 19, 18, 16, 16, 12]))["median"]
    26.5
    """
    if isinstance(counts, pd.DataFrame):
        if "codes" not in counts.columns:
            raise ValueError("counts must have a 'codes' column (the output of theme_counts)")
        values = counts["codes"]
    else:
        values = counts
    arr = np.asarray(values)
    if arr.size == 0:
        raise ValueError("counts is empty: no themes to describe")
    integral = np.issubdtype(arr.dtype, np.integer)
    spread = arr.max() - arr.min()
    return {
        "mean": float(arr.mean()),
        "median": float(np.median(arr)),
        "sd": float(arr.std(ddof=1)) if arr.size > 1 else float("nan"),
        "range": int(spread) if integral else float(spread),
        "total": int(arr.sum()) if integral else float(arr.sum()),
    }


class _Shares(NamedTuple):
    """Per-(question, group) counts as a matrix: one row per answering pair, one column a theme."""

    question: np.ndarray  # (n_pairs,) question of each row, ascending
    group: np.ndarray  # (n_pairs,) focus group position of each row
    counts: np.ndarray  # (n_pairs, n_themes) int64
    themes: list[str]
    groups: list[str]

    @property
    def pct(self) -> np.ndarray:
        total = self.counts.sum(axis=1, keepdims=True)
        pct: np.ndarray = 100.0 * self.counts / total
        return pct


def _shares_matrix(codes: _Codes, unit: str) -> _Shares:
    check_unit(unit)
    n_themes, n_groups = len(codes.themes), len(codes.groups)
    q_index, questions = pd.factorize(codes.q, sort=True)
    pair_key = q_index.astype("int64") * n_groups + codes.g
    pair, pair_values = pd.factorize(pair_key, sort=True)  # (question, group) in sorted order
    if unit == "paragraph":
        distinct = _first(pair, codes.t, codes.s)  # a paragraph counts once per theme
    else:
        distinct = _first(pair, codes.p, codes.c)  # a code occurrence counts once
    cell = pair[distinct].astype("int64") * n_themes + codes.t[distinct]
    count = np.bincount(cell, minlength=len(pair_values) * n_themes)
    pair_values = np.asarray(pair_values, dtype="int64")
    return _Shares(
        question=np.asarray(questions, dtype="int64")[pair_values // n_groups],
        group=pair_values % n_groups,
        counts=count.reshape(len(pair_values), n_themes).astype("int64"),
        themes=codes.themes,
        groups=codes.groups,
    )


def _group_shares_frame(shares: _Shares) -> pd.DataFrame:
    n_pairs, n_themes = shares.counts.shape
    total = shares.counts.sum(axis=1)
    return pd.DataFrame(
        {
            "question": np.repeat(shares.question, n_themes),
            "focus_group": np.repeat(
                np.asarray(shares.groups, dtype=object)[shares.group], n_themes
            ),
            "theme": np.tile(np.asarray(shares.themes, dtype=object), n_pairs),
            "count": shares.counts.ravel(),
            "total": np.repeat(total, n_themes),
            "pct": shares.pct.ravel(),
        }
    )


def group_shares(data: CodedData, unit: Unit = "paragraph") -> pd.DataFrame:
    """Each answering focus group's percentage per theme, for every question.

    Parameters
    ----------
    data
        The coded data; every focus group with a coding in a question gets a row per theme.
    unit
        ``"paragraph"`` (default): a theme's count is the number of distinct coded paragraphs
        carrying a code of the theme. ``"code"``: distinct ``(participant_id, code_id)`` code
        occurrences of the theme.

    Returns
    -------
    pandas.DataFrame
        Columns ``question, focus_group, theme, count, total, pct``: one row for every theme of
        the codebook for every (question, focus group) with at least one coding in the question,
        0 where the theme is absent; ``total`` is the sum of the group's counts over the themes,
        so a group's ``pct`` sum to 100. Sorted by question, focus group and codebook theme order.

    Raises
    ------
    UsageError
        ``unit`` is not one of :data:`UNITS`.
    DataError
        The dataset has no segments.

    Examples
    --------
    In the shipped data, each group's counts in a question add up to its coded paragraphs:

    >>> shares = group_shares(data)
    >>> one = shares[(shares["question"] == 1) & (shares["focus_group"] == "FG01")]
    >>> int(one["count"].sum()) == int(one["total"].iloc[0]), round(float(one["pct"].sum()), 6)
    (True, 100.0)
    """
    check_unit(unit)
    return _group_shares_frame(_shares_matrix(_integer_codes(data), unit))


def _question_shares_frame(shares: _Shares) -> pd.DataFrame:
    pct = shares.pct
    n_themes = len(shares.themes)
    questions, starts, n = np.unique(shares.question, return_index=True, return_counts=True)
    mean = np.add.reduceat(pct, starts, axis=0) / n[:, None]
    deviation = pct - np.repeat(mean, n, axis=0)
    squares = np.add.reduceat(deviation**2, starts, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(n[:, None] > 1, np.sqrt(squares / (n[:, None] - 1)), np.nan)
    return pd.DataFrame(
        {
            "question": np.repeat(questions, n_themes),
            "theme": np.tile(np.asarray(shares.themes, dtype=object), len(questions)),
            "mean_pct": mean.ravel(),
            "sd_pct": sd.ravel(),
            "n_groups": np.repeat(n, n_themes).astype("int64"),
        }
    )


def question_shares(data: CodedData, unit: Unit = "paragraph") -> pd.DataFrame:
    """The figures' bars: per question and theme, the mean and SD of the groups' percentages.

    Parameters
    ----------
    data
        The coded data averaged over the groups that answered each question.
    unit
        The counting unit, as in :func:`group_shares`.

    Returns
    -------
    pandas.DataFrame
        Columns ``question, theme, mean_pct, sd_pct, n_groups``: every question with a coding ×
        every theme of the codebook, in question then codebook order. ``mean_pct`` is the mean over
        the groups that answered the question (a group that skipped it is not among them),
        ``sd_pct`` the sample SD (ddof 1) over them, NaN when only one group answered, and
        ``n_groups`` their number.

    Raises
    ------
    UsageError, DataError
        As :func:`group_shares`.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1", "S2", "S3"], "focus_group": ["FG1", "FG2", "FG2"],
    ...                     "question": [1, 1, 1], "participant_id": ["P1", "P2", "P2"],
    ...                     "code_id": ["C1", "C1", "C2"]})
    >>> book = pd.DataFrame({"code_id": ["C1", "C2"], "subtheme": ["a", "b"],
    ...                      "theme": ["Funding", "Mental health"],
    ...                      "valence": ["success", "challenge"]})
    >>> question_shares(CodedData.from_frames(seg, book))[["theme", "mean_pct", "n_groups"]]
               theme  mean_pct  n_groups
    0        Funding      75.0         2
    1  Mental health      25.0         2
    """
    check_unit(unit)
    return _question_shares_frame(_shares_matrix(_integer_codes(data), unit))


def select_themes(
    shares: pd.DataFrame,
    threshold: float = 50.0,
    theme_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The themes each question reports: the shortest prefix reaching ``threshold`` percent.

    Within each question the themes are sorted by ``mean_pct``, descending, ties broken by
    ``theme_order``; the reported themes are the shortest prefix whose cumulative percentage
    reaches ``threshold`` (a cumulative sum exactly equal to the threshold has reached it).

    Parameters
    ----------
    shares
        The output of :func:`question_shares` (columns ``question``, ``theme``, ``mean_pct``).
    threshold
        The cumulative percentage to reach, in (0, 100]; the paper's rule is 50.
    theme_order
        Tie-breaking order (the codebook's, :attr:`CodedData.theme_order`). Default: the order in
        which themes first appear in ``shares``, which for :func:`question_shares` output is the
        codebook order.

    Returns
    -------
    pandas.DataFrame
        Columns ``question, rank, theme, mean_pct, cum_pct`` (``rank`` from 1), sorted by question
        and rank.

    Raises
    ------
    ValueError
        ``threshold`` is outside (0, 100], a column is missing, or a theme of ``shares`` is not in
        ``theme_order``.

    Examples
    --------
    >>> shares = pd.DataFrame({"question": [1, 1, 1], "theme": ["A", "B", "C"],
    ...                        "mean_pct": [25.0, 50.0, 25.0]})
    >>> select_themes(shares)
       question  rank theme  mean_pct  cum_pct
    0         1     1     B      50.0     50.0
    >>> select_themes(shares, threshold=60)["theme"].tolist()  # the tie A-C goes to A
    ['B', 'A']
    """
    if not 0 < threshold <= 100:
        raise ValueError(f"threshold must be in (0, 100], got {threshold!r}")
    missing = [c for c in ("question", "theme", "mean_pct") if c not in shares.columns]
    if missing:
        raise ValueError(f"shares lacks column(s) {', '.join(missing)}")
    order = list(theme_order) if theme_order is not None else list(dict.fromkeys(shares["theme"]))
    pos = pd.Index(order).get_indexer(shares["theme"])
    if (pos < 0).any():
        unknown = sorted(set(shares["theme"][pos < 0]))
        raise ValueError(f"theme(s) not in theme_order: {', '.join(map(str, unknown))}")
    df = pd.DataFrame(
        {
            "question": shares["question"].to_numpy(),
            "theme": shares["theme"].to_numpy(),
            "mean_pct": shares["mean_pct"].to_numpy(dtype="float64"),
            "_key": -np.round(shares["mean_pct"].to_numpy(dtype="float64"), 9),
            "_pos": pos,
        }
    )
    df = df.sort_values(["question", "_key", "_pos"], kind="mergesort").reset_index(drop=True)
    by_question = df.groupby("question", sort=False)
    df["cum_pct"] = by_question["mean_pct"].cumsum()
    before = df.groupby("question", sort=False)["cum_pct"].shift(1, fill_value=0.0)
    df["rank"] = by_question.cumcount() + 1
    keep = before.to_numpy() < threshold - _TOLERANCE
    out = df.loc[keep, ["question", "rank", "theme", "mean_pct", "cum_pct"]]
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Analysis:
    """Everything :func:`analyse` computes from a coded dataset.

    Attributes
    ----------
    themes
        :func:`theme_counts`: ``theme, codes, percent, major`` (codebook order).
    stats
        :func:`theme_stats` of ``themes``.
    shares
        :func:`question_shares`: ``question, theme, mean_pct, sd_pct, n_groups``.
    selected
        :func:`select_themes` of ``shares``: ``question, rank, theme, mean_pct, cum_pct``.
    group_shares
        :func:`group_shares`: ``question, focus_group, theme, count, total, pct``.
    unit
        The counting unit of the per-question percentages.
    theme_order
        The codebook's theme order.
    """

    themes: pd.DataFrame
    stats: dict[str, float]
    shares: pd.DataFrame
    selected: pd.DataFrame
    group_shares: pd.DataFrame
    unit: str
    theme_order: tuple[str, ...] = ()

    @property
    def questions(self) -> list[int]:
        """The questions with at least one coding, ascending."""
        return sorted(int(q) for q in pd.unique(self.shares["question"]))


def analyse(data: CodedData, unit: Unit = "paragraph") -> Analysis:
    """Apply all of the paper's counting rules to a coded dataset.

    Parameters
    ----------
    data
        The coded data (:func:`synth.io.load_coded_data`).
    unit
        The counting unit of the per-question percentages (:func:`group_shares`).

    Returns
    -------
    Analysis

    Raises
    ------
    UsageError, DataError
        As :func:`group_shares`: an unknown unit, data without segments.

    Examples
    --------
    >>> from synth.io import load_coded_data
    >>> result = analyse(load_coded_data("data/raw"))
    >>> result.stats["total"]
    323
    """
    check_unit(unit)
    codes = _integer_codes(data)
    counts = _theme_counts_from(codes)
    matrix = _shares_matrix(codes, unit)
    shares = _question_shares_frame(matrix)
    return Analysis(
        themes=counts,
        stats=theme_stats(counts),
        shares=shares,
        selected=select_themes(shares, theme_order=codes.themes),
        group_shares=_group_shares_frame(matrix),
        unit=unit,
        theme_order=tuple(codes.themes),
    )


def write_analysis(analysis: Analysis, folder: str | os.PathLike[str]) -> list[Path]:
    """Write what ``synth analyse`` writes: four files, the same bytes for the same data.

    - ``themes.csv``: ``theme, codes, percent, major``;
    - ``theme_stats.json``: ``mean, median, sd, range, total`` (keys sorted);
    - ``shares.csv``: ``question, theme, mean_pct, sd_pct, n_groups`` (``sd_pct`` empty when one
      group answered);
    - ``selected.csv``: ``question, rank, theme, mean_pct`` and the extra ``cum_pct``.

    Floats are written with 10 significant digits, lines end in ``\\n``.

    Parameters
    ----------
    analysis
        The output of :func:`analyse`.
    folder
        Where to write (created if missing). Commands pass the temporary folder of
        :func:`synth._atomic.atomic_dir`.

    Returns
    -------
    list of Path
        The four files, in the order above.

    Examples
    --------
    >>> [p.name for p in write_analysis(analysis, tmp)]
    ['themes.csv', 'theme_stats.json', 'shares.csv', 'selected.csv']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stats_path = folder / "theme_stats.json"
    stats = {
        k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in analysis.stats.items()
    }
    stats_path.write_text(json.dumps(stats, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return [
        write_table(analysis.themes[["theme", "codes", "percent", "major"]], folder / "themes.csv"),
        stats_path,
        write_table(
            analysis.shares[["question", "theme", "mean_pct", "sd_pct", "n_groups"]],
            folder / "shares.csv",
        ),
        write_table(
            analysis.selected[["question", "rank", "theme", "mean_pct", "cum_pct"]],
            folder / "selected.csv",
        ),
    ]
