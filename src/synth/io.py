"""Load, validate and write coded focus-group data (the schema of ``data/raw/README.md``).

Three tables make a coded dataset:

- ``coded_segments``: one row per coding reference (a paragraph coded to two codes is two rows
  with the same ``segment_id``);
- ``codebook``: one row per code, with its subtheme, theme and valence;
- ``participants`` (optional): one row per participant, with focus group and role.

:func:`load_coded_data` reads them from CSV or XLSX and validates every rule of the schema; a
violation raises :class:`~synth.DataError` naming the file, the column, how many rows break the
rule and the first few of them (spreadsheet row numbers: the header is row 1), with a short,
escaped excerpt of the offending values.

What real files are read, and how (each case is in ``tests/test_io.py``):

- CSV in UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (Excel's
  "Unicode text"), Windows-1252 (Excel for Windows) or Mac Roman (Excel for Mac, CR line ends);
  a file that is UTF-8 except for a few bytes is refused, naming the line, rather than decoded
  as something else. Separated by commas, semicolons (European Excel) or tabs. Line ends CRLF,
  LF or CR, also mixed. Fields up to :data:`MAX_FIELD_CHARS` characters, headers up to
  :data:`MAX_COLUMNS` columns, files up to :data:`MAX_INPUT_BYTES` bytes.
- XLSX: the one visible sheet with the required columns; hidden sheets are never read; formula
  cells give their saved values, and a formula without one is refused.
- Names and identifiers are compared in Unicode NFC without invisible characters
  (:func:`synth._input.text.clean_name`), so ``Café`` typed on a Mac and on Windows is one name.
- Wholly empty rows at the end of a table are dropped; anything the loader did beyond the
  plain reading (an encoding other than UTF-8, a separator other than the comma, dropped rows,
  normalised names) is listed in :attr:`CodedData.notes`.
- An expected file that is a folder, a named pipe or a device is refused; a symbolic link is
  followed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._exceptions import DataError
from ._input import (
    clean_name,
    decode,
    excerpt,
    parse_csv,
    read_regular_file,
    read_workbook,
    sniff_delimiter,
)
from ._input.csvfile import empty_rows
from ._input.text import SEPARATOR_NAMES

__all__ = [
    "SEGMENT_COLUMNS",
    "SEGMENT_OPTIONAL",
    "CODEBOOK_COLUMNS",
    "CODEBOOK_OPTIONAL",
    "PARTICIPANT_COLUMNS",
    "VALENCES",
    "MAX_INPUT_BYTES",
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "CodedData",
    "read_table",
    "validate_segments",
    "validate_codebook",
    "validate_participants",
    "validate_coded_data",
    "load_coded_data",
    "write_coded_data",
    "write_table",
]

#: Required columns of ``coded_segments``, in the order they are written.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "focus_group",
    "question",
    "participant_id",
    "code_id",
)
#: Optional columns of ``coded_segments`` that have a meaning.
SEGMENT_OPTIONAL: tuple[str, ...] = ("text", "coder")
#: Required columns of ``codebook``.
CODEBOOK_COLUMNS: tuple[str, ...] = ("code_id", "subtheme", "theme", "valence")
#: Optional columns of ``codebook`` that have a meaning.
CODEBOOK_OPTIONAL: tuple[str, ...] = ("code",)
#: Required columns of ``participants``.
PARTICIPANT_COLUMNS: tuple[str, ...] = ("participant_id", "focus_group", "role")
#: Allowed values of ``codebook.valence``.
VALENCES: tuple[str, ...] = ("success", "challenge")
#: Largest input file read (bytes); larger files are refused before reading.
MAX_INPUT_BYTES = 1 << 30
#: Most columns a table may have; a wider header is refused before the rows are parsed (a
#: 100,000-column header would otherwise cost gigabytes).
MAX_COLUMNS = 1000
#: Longest CSV field, in characters (8 Mi: a whole transcript fits; Python's csv module stops at
#: 128 KiB by default). A longer field is usually a quotation mark that is never closed.
MAX_FIELD_CHARS = 8 * 1024 * 1024

_STEMS = {"segments": "coded_segments", "codebook": "codebook", "participants": "participants"}
_SUFFIXES = (".csv", ".xlsx")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", "")
#: Columns compared as names (NFC, invisible characters out); ``text`` is kept as written.
_NAME_COLUMNS = frozenset(
    SEGMENT_COLUMNS + ("coder",) + CODEBOOK_COLUMNS + CODEBOOK_OPTIONAL + PARTICIPANT_COLUMNS
) - {"question"}
_SHOWN_NAMES = 8


# --- reading ---------------------------------------------------------------------------------


def _missing_columns(missing: list[str], found: Sequence[str], required: Sequence[str], how: str) -> str:
    """The message for absent required columns; found names are quoted only for a real table."""
    text = f"missing required column(s) {', '.join(missing)}"
    if len(found) >= 2 or set(found) & set(required):
        shown = ", ".join(excerpt(name) for name in found[:_SHOWN_NAMES])
        more = f" and {len(found) - _SHOWN_NAMES} more" if len(found) > _SHOWN_NAMES else ""
        return f"{text}; found {shown}{more}{how}"
    return (
        f"{text}; the header is one column{how}, so this is not a table of the schema: "
        "is it the right file, and is it separated by commas, semicolons or tabs?"
    )


def _drop_trailing_empty_rows(frame: pd.DataFrame, path: Path, notes: list[str]) -> pd.DataFrame:
    empty = empty_rows(frame)
    if not empty.any():
        return frame
    filled = np.flatnonzero(~empty)
    end = int(filled[-1]) + 1 if filled.size else 0
    inside = empty[:end]
    if inside.any():
        raise DataError(
            "empty row(s) between data rows: delete them (only empty rows at the end are ignored)",
            path=path,
            rows=_rows(inside),
        )
    dropped = len(frame) - end
    where = f"row {end + 2}" if dropped == 1 else f"rows {end + 2}-{len(frame) + 1}"
    notes.append(f"{path.name}: dropped {dropped} empty row(s) at the end ({where})")
    return frame.iloc[:end]


def read_table(
    path: str | os.PathLike[str],
    *,
    required: Sequence[str] = (),
    max_bytes: int | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX table as strings, with column names cleaned.

    CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark,
    Windows-1252 or Mac Roman, separated by commas, semicolons or tabs, with any line ends. An
    XLSX workbook's one visible sheet that has all ``required`` columns is used. Wholly empty rows
    at the end are dropped (and noted); empty rows between data rows are refused.

    Parameters
    ----------
    path
        A ``.csv`` or ``.xlsx`` file (``.tsv`` and ``.txt`` are read as CSV); a symbolic link is
        followed.
    required
        Columns that must be present; they also decide the separator.
    max_bytes
        Refuse larger files (default :data:`MAX_INPUT_BYTES`).
    notes
        When given, a sentence is appended for everything done beyond the plain reading (the
        encoding when not UTF-8, the separator when not a comma, dropped empty rows).

    Returns
    -------
    pandas.DataFrame
        Every cell a ``str`` (empty cells are ``""``).

    Raises
    ------
    DataError
        The file is missing, not a regular file, empty, ragged, undecodable, has no data rows,
        lacks a column, or is a workbook whose data are hidden or unsaved formulas.
    UnsafeInputError
        The file is larger than ``max_bytes``.

    Examples
    --------
    >>> read_table("data/raw/codebook.csv", required=["code_id"]).columns[0]
    'code_id'
    """
    path = Path(path)
    limit = MAX_INPUT_BYTES if max_bytes is None else max_bytes
    sink = notes if notes is not None else []
    suffix = path.suffix.lower()
    if suffix != ".xlsx" and suffix not in _CSV_SUFFIXES:
        raise DataError(f"unsupported file type {excerpt(suffix)} (expected .csv or .xlsx)", path=path)
    raw = read_regular_file(path, limit)
    how = ""
    if suffix == ".xlsx":
        frame = read_workbook(raw, path, required, MAX_COLUMNS)
    else:
        decoded = decode(raw, path)
        del raw
        if not decoded.text.strip():
            raise DataError("the file is empty (expected a header row and data rows)", path=path)
        delimiter = sniff_delimiter(decoded.text, required)
        frame = parse_csv(
            decoded.text, delimiter, path, max_field_chars=MAX_FIELD_CHARS, max_columns=MAX_COLUMNS
        )
        if decoded.note:
            sink.append(f"{path.name}: {decoded.note}")
        if delimiter != ",":
            how = f" (read as {SEPARATOR_NAMES[delimiter]}-separated)"
            sink.append(f"{path.name}: {SEPARATOR_NAMES[delimiter]}-separated")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(_missing_columns(missing, list(frame.columns), required, how), path=path)
    frame = _drop_trailing_empty_rows(frame, path, sink)
    if frame.empty:
        raise DataError("no data rows (only a header)", path=path)
    return frame.reset_index(drop=True)


# --- validation ------------------------------------------------------------------------------


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    """Spreadsheet row numbers (header = row 1) of the True entries of ``mask``."""
    return (np.flatnonzero(np.asarray(mask)) + 2).tolist()


def _name(path: str | os.PathLike[str]) -> str:
    return Path(path).name


def _clean(
    frame: pd.DataFrame, columns: Iterable[str], path: str | os.PathLike[str], notes: list[str] | None
) -> pd.DataFrame:
    """Names in ``columns`` cleaned (:func:`~synth._input.text.clean_name`), one unique value at a
    time; a value that was only invisible characters is refused, and normalised ones are noted."""
    frame = frame.copy()
    for col in columns:
        if col not in frame.columns:
            continue
        codes, uniques = pd.factorize(frame[col])
        raw = np.asarray(uniques, dtype=object)
        cleaned = np.empty(len(raw) + 1, dtype=object)
        cleaned[-1] = ""  # factorize's code -1 (missing) reads as an empty value
        changed: list[int] = []
        invisible: list[int] = []
        for i, value in enumerate(raw):
            text = value if isinstance(value, str) else str(value)
            plain = text.strip()
            name = clean_name(text)
            cleaned[i] = name
            if name != plain:
                (invisible if not name else changed).append(i)
        values = cleaned[codes]
        if invisible:
            raise DataError(
                "a value made only of invisible characters (zero-width or no-break spaces); "
                "type the name, or leave the cell truly empty where that is allowed",
                path=path,
                column=col,
                rows=_rows(np.isin(codes, invisible)),
            )
        if changed and notes is not None:
            rows = _rows(np.isin(codes, changed))
            shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
            notes.append(
                f"{_name(path)}: column '{col}': {len(rows)} value(s) normalised to Unicode NFC "
                f"without invisible characters ({'row' if len(rows) == 1 else 'rows'} {shown})"
            )
        frame[col] = pd.Series(values, index=frame.index, dtype=str)
    return frame


def _require_nonempty(frame: pd.DataFrame, columns: Iterable[str], path: str | os.PathLike[str]) -> None:
    for col in columns:
        empty = (frame[col] == "").to_numpy()
        if empty.any():
            raise DataError("empty value", path=path, column=col, rows=_rows(empty))


def _values(series: pd.Series, mask: np.ndarray, limit: int = 3) -> str:
    """The first few distinct values of ``series`` where ``mask`` holds, quoted and escaped."""
    distinct = list(dict.fromkeys(series.to_numpy()[np.asarray(mask)].tolist()))
    shown = ", ".join(excerpt(v) for v in distinct[:limit])
    return shown + (f" and {len(distinct) - limit} other value(s)" if len(distinct) > limit else "")


def _conflict(frame: pd.DataFrame, key: str, col: str, mask: np.ndarray) -> str:
    """``key 'S1' has col 'FG1' (row 2) and 'FG2' (row 5)`` for the first conflicting key."""
    first = int(np.flatnonzero(mask)[0])
    value = frame[key].iat[first]
    seen: dict[object, int] = {}
    for position in np.flatnonzero((frame[key] == value).to_numpy()):
        seen.setdefault(frame[col].iat[position], int(position) + 2)
    parts = [f"{excerpt(v)} (row {r})" for v, r in list(seen.items())[:3]]
    return f"{key} {excerpt(value)} has {col} " + " and ".join(parts)


def _duplicate(frame: pd.DataFrame, key: list[str], dup: np.ndarray) -> str:
    """``row 5 repeats row 2 ('S1', 'C1')`` for the first repeated key."""
    later = int(np.flatnonzero(dup)[0])
    same = np.ones(len(frame), dtype=bool)
    for col in key:
        same &= (frame[col] == frame[col].iat[later]).to_numpy()
    first = int(np.flatnonzero(same)[0])
    shown = ", ".join(excerpt(frame[col].iat[later]) for col in key)
    return f"row {later + 2} repeats row {first + 2} ({shown})"


def _questions(seg: pd.DataFrame, path: str | os.PathLike[str]) -> pd.Series:
    """``question`` as int64: whole numbers (``3`` or ``3.0``) from 1 up, one unique value at a time."""
    codes, uniques = pd.factorize(seg["question"])
    parsed = np.zeros(len(uniques) + 1, dtype=np.int64)
    for i, value in enumerate(np.asarray(uniques, dtype=object)):
        whole, dot, fraction = str(value).partition(".")
        if dot and not (fraction and set(fraction) == {"0"}):
            continue
        if whole.isascii() and whole.isdigit() and len(whole) <= 9 and int(whole) > 0:
            parsed[i] = int(whole)
    numbers = parsed[codes]
    bad = numbers <= 0
    if bad.any():
        raise DataError(
            f"question must be a positive integer; found {_values(seg['question'], bad)}",
            path=path,
            column="question",
            rows=_rows(bad),
        )
    return pd.Series(numbers, index=seg.index, dtype="int64")


def validate_segments(
    frame: pd.DataFrame,
    *,
    path: str | os.PathLike[str] = "coded_segments",
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Validate ``coded_segments`` on its own and return it typed.

    Rules: the required columns are present and non-empty; ``question`` is a positive integer; no
    coding reference is repeated (same ``segment_id`` and ``code_id``, and the same ``coder`` when
    that column is present); a segment has one focus group, one question and one participant; a
    participant belongs to one focus group. Identifiers are compared as cleaned names (Unicode
    NFC, no invisible characters); a value that is only invisible characters is refused.

    Parameters
    ----------
    frame
        The table as read by :func:`read_table` (strings).
    path
        Names the file in error messages.
    notes
        When given, a sentence is appended for each column whose names were normalised.

    Returns
    -------
    pandas.DataFrame
        Identifier columns cleaned; ``question`` as ``int64``.

    Raises
    ------
    DataError
        On the first rule broken; the message quotes the first offending values.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1", "S1"], "focus_group": ["FG1", "FG2"],
    ...                     "question": ["1", "1"], "participant_id": ["P1", "P1"],
    ...                     "code_id": ["C1", "C2"]})
    >>> validate_segments(seg)
    Traceback (most recent call last):
    ...
    synth._exceptions.DataError: coded_segments: column 'focus_group': a segment has more than one focus_group across its codings: segment_id 'S1' has focus_group 'FG1' (row 2) and 'FG2' (row 3) (2 rows: 2, 3)
    """
    missing = [c for c in SEGMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing required column(s) {', '.join(missing)}", path=path)
    seg = _clean(frame, [c for c in frame.columns if c in _NAME_COLUMNS], path, notes)
    _require_nonempty(seg, SEGMENT_COLUMNS, path)
    seg["question"] = _questions(seg, path)

    # With a coder column, two coders applying the same code to the same paragraph is double
    # coding (for intercoder agreement), not a duplicate; the counting rules count it once.
    key = ["segment_id", "code_id"] + (["coder"] if "coder" in seg.columns else [])
    dup = seg.duplicated(key, keep="first").to_numpy()
    if dup.any():
        raise DataError(
            f"duplicate coding reference (same {' and '.join(key)} twice): {_duplicate(seg, key, dup)}",
            path=path,
            column="segment_id",
            rows=_rows(dup),
        )
    for col in ("focus_group", "question", "participant_id"):
        n = seg.groupby("segment_id", sort=False)[col].transform("nunique").to_numpy()
        conflict = n > 1
        if conflict.any():
            raise DataError(
                f"a segment has more than one {col} across its codings: "
                f"{_conflict(seg, 'segment_id', col, conflict)}",
                path=path,
                column=col,
                rows=_rows(conflict),
            )
    n = seg.groupby("participant_id", sort=False)["focus_group"].transform("nunique").to_numpy()
    conflict = n > 1
    if conflict.any():
        raise DataError(
            "a participant appears in more than one focus group: "
            f"{_conflict(seg, 'participant_id', 'focus_group', conflict)}",
            path=path,
            column="participant_id",
            rows=_rows(conflict),
        )
    for col in SEGMENT_OPTIONAL:
        if col in seg.columns:
            seg[col] = seg[col].fillna("").astype(str)
    return seg


def validate_codebook(
    frame: pd.DataFrame,
    *,
    path: str | os.PathLike[str] = "codebook",
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Validate ``codebook`` and return it with names cleaned and valence in lower case.

    Rules: required columns present; ``code_id``, ``theme`` and ``subtheme`` non-empty; ``code_id``
    unique; ``valence`` is ``success`` or ``challenge`` (any letter case). Names are compared in
    Unicode NFC without invisible characters, so two spellings of one theme are one theme.

    Raises
    ------
    DataError
        On the first rule broken; the message quotes the first offending values.

    Examples
    --------
    >>> book = pd.DataFrame({"code_id": ["C1", "C2"], "subtheme": ["Surveys", "Grants"],
    ...                      "theme": ["Cafe\\u0301 evidence", "Café evidence"],
    ...                      "valence": ["Success", "challenge"]})
    >>> validate_codebook(book)[["theme", "valence"]].drop_duplicates("theme").values.tolist()
    [['Café evidence', 'success']]
    """
    missing = [c for c in CODEBOOK_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing required column(s) {', '.join(missing)}", path=path)
    book = _clean(frame, [c for c in frame.columns if c in _NAME_COLUMNS], path, notes)
    _require_nonempty(book, ("code_id", "theme", "subtheme"), path)
    dup = book["code_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError(
            f"duplicate code_id: {_duplicate(book, ['code_id'], dup)}",
            path=path,
            column="code_id",
            rows=_rows(dup),
        )
    book["valence"] = book["valence"].str.lower()
    bad = ~book["valence"].isin(VALENCES).to_numpy()
    if bad.any():
        raise DataError(
            f"valence must be one of {', '.join(VALENCES)}; found {_values(book['valence'], bad)}",
            path=path,
            column="valence",
            rows=_rows(bad),
        )
    return book


def validate_participants(
    frame: pd.DataFrame,
    *,
    path: str | os.PathLike[str] = "participants",
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Validate ``participants``: columns present and non-empty; ``participant_id`` unique.

    Raises
    ------
    DataError
        On the first rule broken; the message quotes the first offending values.
    """
    missing = [c for c in PARTICIPANT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing required column(s) {', '.join(missing)}", path=path)
    people = _clean(frame, [c for c in frame.columns if c in _NAME_COLUMNS], path, notes)
    _require_nonempty(people, PARTICIPANT_COLUMNS, path)
    dup = people["participant_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError(
            "duplicate participant_id (a participant belongs to one focus group only): "
            f"{_duplicate(people, ['participant_id'], dup)}",
            path=path,
            column="participant_id",
            rows=_rows(dup),
        )
    return people


def validate_coded_data(
    segments: pd.DataFrame,
    codebook: pd.DataFrame,
    participants: pd.DataFrame | None = None,
    *,
    paths: dict[str, str | os.PathLike[str]] | None = None,
    notes: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Validate the three tables on their own and against each other.

    Cross-table rules: every ``code_id`` of the segments is in the codebook; with a roster, every
    participant of the segments is on it and in the same focus group. The messages name both
    files and quote the values that disagree, with their rows in each file.

    Returns
    -------
    tuple
        The validated ``(segments, codebook, participants)``.

    Raises
    ------
    DataError
        On the first rule broken.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1"], "focus_group": ["leeds"], "question": ["1"],
    ...                     "participant_id": ["P1"], "code_id": ["C1"]})
    >>> book = pd.DataFrame({"code_id": ["C1"], "subtheme": ["s"], "theme": ["t"],
    ...                      "valence": ["success"]})
    >>> people = pd.DataFrame({"participant_id": ["P1"], "focus_group": ["Leeds"], "role": ["r"]})
    >>> validate_coded_data(seg, book, people)
    Traceback (most recent call last):
    ...
    synth._exceptions.DataError: coded_segments: column 'focus_group': focus_group disagrees with the participant's group in participants: participant_id 'P1' has focus_group 'leeds' in coded_segments row 2 vs 'Leeds' in participants row 2 (1 row: 2)
    """
    paths = paths or {}
    seg_path = paths.get("segments", "coded_segments")
    book_path = paths.get("codebook", "codebook")
    seg = validate_segments(segments, path=seg_path, notes=notes)
    book = validate_codebook(codebook, path=book_path, notes=notes)
    seg_name, book_name = _name(seg_path), _name(book_path)
    unknown = ~seg["code_id"].isin(book["code_id"]).to_numpy()
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        raise DataError(
            f"code_id not in the codebook: {_values(seg['code_id'], unknown)} (first in {seg_name} "
            f"row {first + 2}) is not a code_id of {book_name}",
            path=seg_path,
            column="code_id",
            rows=_rows(unknown),
        )
    people = None
    if participants is not None:
        people_path = paths.get("participants", "participants")
        people_name = _name(people_path)
        people = validate_participants(participants, path=people_path, notes=notes)
        roster = people.set_index("participant_id")["focus_group"]
        listed = seg["participant_id"].isin(roster.index).to_numpy()
        if not listed.all():
            first = int(np.flatnonzero(~listed)[0])
            raise DataError(
                f"participant_id not in participants: {_values(seg['participant_id'], ~listed)} "
                f"(first in {seg_name} row {first + 2}) is not listed in {people_name}",
                path=seg_path,
                column="participant_id",
                rows=_rows(~listed),
            )
        expected = seg["participant_id"].map(roster).to_numpy()
        disagree = expected != seg["focus_group"].to_numpy()
        if disagree.any():
            first = int(np.flatnonzero(disagree)[0])
            person = seg["participant_id"].iat[first]
            roster_row = int(np.flatnonzero((people["participant_id"] == person).to_numpy())[0]) + 2
            raise DataError(
                f"focus_group disagrees with the participant's group in {people_name}: "
                f"participant_id {excerpt(person)} has focus_group "
                f"{excerpt(seg['focus_group'].iat[first])} in {seg_name} row {first + 2} vs "
                f"{excerpt(expected[first])} in {people_name} row {roster_row}",
                path=seg_path,
                column="focus_group",
                rows=_rows(disagree),
            )
    return seg, book, people


# --- the dataset -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CodedData:
    """A validated coded dataset.

    Attributes
    ----------
    segments
        One row per coding reference; ``question`` is ``int64``, everything else ``str``.
    codebook
        One row per code, in the file's order (which fixes the theme order).
    participants
        The roster, or None when not given.
    paths
        Where each table was read from (empty for data built in memory).
    notes
        One sentence for everything the loader did beyond the plain reading: an encoding other
        than UTF-8, a separator other than the comma, empty rows dropped at the end, names
        normalised, a CSV and an XLSX of one table that were both present. Commands print them.
    """

    segments: pd.DataFrame
    codebook: pd.DataFrame
    participants: pd.DataFrame | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def from_frames(
        cls,
        segments: pd.DataFrame,
        codebook: pd.DataFrame,
        participants: pd.DataFrame | None = None,
    ) -> CodedData:
        """Validate in-memory tables (of any dtypes) and return a :class:`CodedData`.

        Examples
        --------
        >>> seg = pd.DataFrame({"segment_id": ["S1"], "focus_group": ["FG1"], "question": [1],
        ...                     "participant_id": ["P1"], "code_id": ["C1"]})
        >>> book = pd.DataFrame({"code_id": ["C1"], "subtheme": ["Surveys"],
        ...                      "theme": ["Research evidence"], "valence": ["success"]})
        >>> CodedData.from_frames(seg, book).theme_order
        ['Research evidence']
        """
        def as_str(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame.astype(str).fillna("")

        seg_str, book_str = as_str(segments), as_str(codebook)
        assert seg_str is not None and book_str is not None
        notes: list[str] = []
        seg, book, people = validate_coded_data(
            seg_str, book_str, as_str(participants), notes=notes
        )
        return cls(seg, book, people, notes=tuple(notes))

    @property
    def folder(self) -> Path | None:
        """The folder the coded segments were read from, or None for data built in memory."""
        path = self.paths.get("segments")
        return None if path is None else Path(path).parent

    @property
    def theme_order(self) -> list[str]:
        """Themes in the order they first appear in the codebook (used to break ties)."""
        return list(dict.fromkeys(self.codebook["theme"]))

    @property
    def questions(self) -> list[int]:
        """The questions that have at least one coding, ascending."""
        return sorted(int(q) for q in self.segments["question"].unique())

    def coded(self) -> pd.DataFrame:
        """The segments joined with their code's ``theme``, ``subtheme`` and ``valence``."""
        cols = ["code_id", "theme", "subtheme", "valence"]
        return self.segments.merge(self.codebook[cols], on="code_id", how="left", validate="m:1")

    def summary(self) -> str:
        """A short human-readable description of the dataset, then its notes (``note: ...``)."""
        seg = self.segments
        lines = [
            f"{len(seg):,} coding references on {seg['segment_id'].nunique():,} paragraphs",
            f"{seg['focus_group'].nunique()} focus groups, "
            f"{seg['participant_id'].nunique()} participants with codings, "
            f"questions {', '.join(str(q) for q in self.questions)}",
            f"{len(self.codebook):,} codes in {self.codebook['theme'].nunique()} themes and "
            f"{self.codebook[['theme', 'subtheme']].drop_duplicates().shape[0]} subthemes",
        ]
        if self.participants is not None:
            lines.append(f"{len(self.participants)} participants on the roster")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def _candidates(folder: Path, key: str) -> list[Path]:
    """The table's files in ``folder`` (``.csv`` then ``.xlsx``), whatever kind of file they are:
    a folder or a pipe under the name is refused when read, not skipped."""
    stem = _STEMS[key]
    return [folder / f"{stem}{s}" for s in _SUFFIXES if os.path.lexists(folder / f"{stem}{s}")]


def _difference(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """How two tables differ (columns, number of rows or the first cell), or None when equal."""
    if list(a.columns) != list(b.columns):
        only = [c for c in a.columns if c not in b.columns] + [c for c in b.columns if c not in a.columns]
        detail = f"column {excerpt(only[0])} is in one only" if only else "the columns are in another order"
        return f"different columns: {detail}"
    if len(a) != len(b):
        return f"{len(a):,} rows vs {len(b):,}"
    for col in a.columns:
        differ = a[col].to_numpy() != b[col].to_numpy()
        if differ.any():
            row = int(np.flatnonzero(differ)[0])
            return (
                f"first in row {row + 2}, column {excerpt(col)}: "
                f"{excerpt(a[col].iat[row])} vs {excerpt(b[col].iat[row])}"
            )
    return None


def _read_found(folder: Path, key: str, required: Sequence[str], notes: list[str]) -> tuple[Path, pd.DataFrame]:
    """Read the table of ``key`` found in ``folder``; a CSV and an XLSX must agree."""
    found = _candidates(folder, key)
    if len(found) == 1:
        return found[0], read_table(found[0], required=required, notes=notes)
    csv_path, xlsx_path = found
    csv_notes: list[str] = []
    xlsx_notes: list[str] = []
    csv_frame = read_table(csv_path, required=required, notes=csv_notes)
    xlsx_frame = read_table(xlsx_path, required=required, notes=xlsx_notes)
    differ = _difference(csv_frame, xlsx_frame)
    if differ:
        raise DataError(
            f"{csv_path.name} and {xlsx_path.name} both exist and hold different tables ({differ}); "
            "remove or rename the one that is out of date",
            path=folder,
        )
    notes.extend(csv_notes)
    notes.append(f"{csv_path.name} and {xlsx_path.name} both exist and hold the same table; read {csv_path.name}")
    return csv_path, csv_frame


def load_coded_data(
    folder: str | os.PathLike[str] | None = None,
    *,
    segments: str | os.PathLike[str] | None = None,
    codebook: str | os.PathLike[str] | None = None,
    participants: str | os.PathLike[str] | None = None,
) -> CodedData:
    """Load and validate a coded dataset.

    Parameters
    ----------
    folder
        A folder holding ``coded_segments``, ``codebook`` and optionally ``participants``, each as
        ``.csv`` or ``.xlsx`` (both may be present only when they hold the same table).
    segments, codebook, participants
        Explicit files; they override what ``folder`` would find.

    Returns
    -------
    CodedData
        With :attr:`CodedData.notes` saying what was done beyond the plain reading.

    Raises
    ------
    DataError
        A required file is missing, an expected file is not a regular file, a CSV and an XLSX of
        one table differ, or any rule of the schema is broken.

    Examples
    --------
    >>> data = load_coded_data("data/raw")
    >>> len(data.segments)
    977
    """
    base = Path(folder) if folder is not None else None
    if base is not None and not base.is_dir():
        raise DataError("data folder not found", path=base)
    notes: list[str] = []
    given = {"segments": segments, "codebook": codebook, "participants": participants}
    required = {"segments": SEGMENT_COLUMNS, "codebook": CODEBOOK_COLUMNS, "participants": PARTICIPANT_COLUMNS}
    tables: dict[str, pd.DataFrame] = {}
    paths: dict[str, Path] = {}
    for key in ("segments", "codebook", "participants"):
        explicit = given[key]
        if explicit is not None:
            paths[key] = Path(explicit)
            tables[key] = read_table(explicit, required=required[key], notes=notes)
        elif base is not None and _candidates(base, key):
            paths[key], tables[key] = _read_found(base, key, required[key], notes)
        elif key != "participants":
            where = base if base is not None else Path(".")
            raise DataError(f"no {_STEMS[key]}.csv or {_STEMS[key]}.xlsx found", path=where)
    seg, book, people = validate_coded_data(
        tables["segments"], tables["codebook"], tables.get("participants"),
        paths=dict(paths), notes=notes,
    )
    return CodedData(seg, book, people, paths, tuple(notes))


# --- writing ---------------------------------------------------------------------------------


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line ends and no index, reproducibly.

    Floats are written with up to 10 significant digits so the bytes do not depend on the last
    bit of a computation.
    """
    path = Path(path)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", float_format="%.10g")
    return path


def _ordered(frame: pd.DataFrame, first: Sequence[str]) -> pd.DataFrame:
    cols = [c for c in first if c in frame.columns]
    return frame[cols + [c for c in frame.columns if c not in cols]]


def write_coded_data(data: CodedData, folder: str | os.PathLike[str]) -> list[Path]:
    """Write a dataset as ``coded_segments.csv``, ``codebook.csv`` and ``participants.csv``.

    Rows keep their order; required columns come first, then the optional and extra ones. The
    same data always give the same bytes. The folder must exist (commands pass the temporary folder
    of :func:`synth._atomic.atomic_dir`).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    written = [
        write_table(
            _ordered(data.segments, SEGMENT_COLUMNS + SEGMENT_OPTIONAL),
            folder / "coded_segments.csv",
        ),
        write_table(_ordered(data.codebook, CODEBOOK_COLUMNS + CODEBOOK_OPTIONAL), folder / "codebook.csv"),
    ]
    if data.participants is not None:
        written.append(
            write_table(_ordered(data.participants, PARTICIPANT_COLUMNS), folder / "participants.csv")
        )
    return written
