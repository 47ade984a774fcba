"""SPSS export: the per-group, per-question theme counts and percentages as a ``.sav`` file.

The authors generated their descriptive statistics in IBM SPSS 27. :func:`export_sav` writes what
they would have started from: one case per (focus group × question) with at least one coding, and
for every theme of the codebook its count and its percentage of the group's counts in that
question (the counting rules of :func:`synth.analysis.group_shares`), with variable labels and
value labels for the group and the question. The header's creation date is fixed (or taken from
``SOURCE_DATE_EPOCH``) so the same data give the same bytes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ._atomic import atomic_file
from ._exceptions import DataError
from .io import CodedData

__all__ = ["SavTable", "sav_table", "export_sav", "written_by_synth"]


_UNIT_WORDS = {
    "paragraph": ("coded paragraphs", "coded paragraphs"),
    "code": ("code occurrences", "code occurrences"),
}
# offsets of the creation date (9 bytes) and time (8 bytes) in the SAV file header
_DATE_AT, _TIME_AT = 92, 101



@dataclass(frozen=True)
class SavTable:
    """The table written to SPSS, with its labels.

    Attributes
    ----------
    frame
        Columns ``group``, ``question``, ``total``, then ``tNN_n`` and ``tNN_pct`` per theme in
        codebook order.
    column_labels
        Variable labels.
    value_labels
        Value labels of ``group`` (the focus groups' names) and ``question``.
    themes
        The themes, in the order of their ``tNN`` variables.
    """

    frame: pd.DataFrame
    column_labels: dict[str, str]
    value_labels: dict[str, dict[int | float, str]]
    themes: tuple[str, ...]


def sav_table(data: CodedData, unit: str = "paragraph") -> SavTable:
    """Build the SPSS table of a coded dataset.

    Parameters
    ----------
    data
        A validated :class:`synth.io.CodedData`.
    unit
        ``"paragraph"`` (distinct coded paragraphs per theme, the default) or ``"code"``
        (distinct participant × code occurrences), as in :func:`synth.analysis.group_shares`.

    Returns
    -------
    SavTable

    Raises
    ------
    UsageError
        ``unit`` is not ``"paragraph"`` or ``"code"``.

    Examples
    --------
    >>> table = sav_table(data)
    >>> list(table.frame.columns[:5])
    ['group', 'question', 'total', 't01_n', 't01_pct']
    """
    from .analysis import check_unit, group_shares

    shares = group_shares(data, unit=check_unit(unit))
    themes = list(dict.fromkeys(shares["theme"]))
    groups = sorted(set(shares["focus_group"]))
    group_code = {g: i + 1 for i, g in enumerate(groups)}
    wide_n = shares.pivot(index=["question", "focus_group"], columns="theme", values="count")
    wide_p = shares.pivot(index=["question", "focus_group"], columns="theme", values="pct")
    totals = shares.groupby(["question", "focus_group"], sort=True)["total"].first()
    index = totals.index
    frame = pd.DataFrame(
        {
            "group": [float(group_code[g]) for g in index.get_level_values("focus_group")],
            "question": index.get_level_values("question").astype("float64"),
            "total": totals.to_numpy(dtype="float64"),
        }
    )
    noun, _ = _UNIT_WORDS[unit]
    labels = {
        "group": "Focus group",
        "question": "Focus group question (Table 1)",
        "total": f"Number of {noun} of all themes in the group and question",
    }
    for i, theme in enumerate(themes, start=1):
        n_col, p_col = f"t{i:02d}_n", f"t{i:02d}_pct"
        frame[n_col] = wide_n.loc[index, theme].to_numpy(dtype="float64")
        frame[p_col] = wide_p.loc[index, theme].to_numpy(dtype="float64")
        labels[n_col] = f"{theme}: number of {noun}"
        labels[p_col] = f"{theme}: % of the group's {noun} in the question"
    questions = sorted(int(q) for q in set(shares["question"]))
    value_labels: dict[str, dict[int | float, str]] = {
        "group": {group_code[g]: str(g) for g in groups},
        "question": {q: f"Question {q}" for q in questions},
    }
    order = frame.sort_values(["group", "question"], kind="mergesort").index
    frame = frame.loc[order].reset_index(drop=True)
    return SavTable(
        frame=frame, column_labels=labels, value_labels=value_labels, themes=tuple(themes)
    )


def _stamp() -> tuple[bytes, bytes]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else 315532800  # 1980-01-01
    t = time.gmtime(seconds)
    return time.strftime("%d %b %y", t).encode("ascii"), time.strftime("%H:%M:%S", t).encode(
        "ascii"
    )


def export_sav(data: CodedData, out: str | os.PathLike[str], unit: str = "paragraph", *,
               protect: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """Write :func:`sav_table` as an SPSS ``.sav`` file, atomically and reproducibly.

    Parameters
    ----------
    data
        A validated :class:`synth.io.CodedData`.
    out
        The ``.sav`` file.
    unit
        The counting unit (see :func:`sav_table`).

    Returns
    -------
    Path
        ``out``, written; an unknown ``unit`` raises :class:`~synth.UsageError` first.
    DataError
        The dataset has no segments.

    Examples
    --------
    >>> export_sav(data, tmp / "study.sav").name
    'study.sav'
    """
    import pyreadstat

    table = sav_table(data, unit=unit)
    out = Path(out)
    measures = {c: "scale" for c in table.frame.columns}
    measures.update(group="nominal", question="nominal")
    formats = {c: ("F8.2" if c.endswith("_pct") else "F8.0") for c in table.frame.columns}
    with atomic_file(out, owner=written_by_synth, protect=protect) as tmp:
        pyreadstat.write_sav(
            table.frame,
            str(tmp),
            file_label="synth: theme counts per focus group and question",
            column_labels=dict[str, str | None](table.column_labels),
            variable_value_labels=table.value_labels,
            variable_measure=measures,
            variable_format=formats,
        )
        raw = bytearray(tmp.read_bytes())
        if bytes(raw[:4]) not in (b"$FL2", b"$FL3"):
            raise DataError("pyreadstat wrote an unexpected SAV header", path=out)
        date, clock = _stamp()
        raw[_DATE_AT : _DATE_AT + 9] = date
        raw[_TIME_AT : _TIME_AT + 8] = clock
        tmp.write_bytes(bytes(raw))
    return out


def written_by_synth(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a ``.sav`` file synth wrote (its file label starts with "synth:");
    a data file from SPSS or anyone else is not.

    Examples
    --------
    >>> written_by_synth(export_sav(data, tmp / "s.sav")), written_by_synth("README.md")
    (True, False)
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(176)
    except OSError:
        return False
    return head[:4] in (b"$FL2", b"$FL3") and head[109:115] == b"synth:"  # the file label
