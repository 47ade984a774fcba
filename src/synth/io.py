"""Load, validate and write coded focus-group data (the schema of ``data/raw/README.md``).

Three tables make a coded dataset:

- ``coded_segments``: one row per coding reference (a paragraph coded to two codes is two rows
  with the same ``segment_id``);
- ``codebook``: one row per code, with its subtheme, theme and (optionally) valence;
- ``participants`` (optional): one row per participant, with focus group and role.

:func:`load_coded_data` reads them from CSV or XLSX and validates every rule of the schema; a
violation raises :class:`~synth.DataError` naming the file, the column, how many rows break the
rule and the first few of them (spreadsheet row numbers: the header is row 1).
"""

from __future__ import annotations

import csv
import io as _stdio
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._exceptions import DataError, UnsafeInputError

__all__ = [
    "SEGMENT_COLUMNS",
    "SEGMENT_OPTIONAL",
    "CODEBOOK_COLUMNS",
    "CODEBOOK_OPTIONAL",
    "PARTICIPANT_COLUMNS",
    "VALENCES",
    "MAX_INPUT_BYTES",
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
CODEBOOK_COLUMNS: tuple[str, ...] = ("code_id", "subtheme", "theme")
#: Optional columns of ``codebook`` that have a meaning (without ``valence``, the tables have no
#: split into successes and challenges).
CODEBOOK_OPTIONAL: tuple[str, ...] = ("valence", "code")
#: Required columns of ``participants``.
PARTICIPANT_COLUMNS: tuple[str, ...] = ("participant_id", "focus_group", "role")
#: Allowed values of ``codebook.valence``.
VALENCES: tuple[str, ...] = ("success", "challenge")
#: Largest input file read (bytes); larger files are refused before reading.
MAX_INPUT_BYTES = 1 << 30

_STEMS = {"segments": "coded_segments", "codebook": "codebook", "participants": "participants"}
_SUFFIXES = (".csv", ".xlsx")


# --- reading ---------------------------------------------------------------------------------


def _decode(raw: bytes, path: Path) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252 as Excel writes it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"cannot decode the file: neither UTF-8 nor Windows-1252 (byte {exc.start})",
            path=path,
        ) from None


def _check_size(path: Path, max_bytes: int) -> None:
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeInputError(
            f"{path}: file is {size:,} bytes, over the limit of {max_bytes:,}; "
            "split it or raise synth.io.MAX_INPUT_BYTES deliberately"
        )


def _read_csv(path: Path, max_bytes: int) -> pd.DataFrame:
    _check_size(path, max_bytes)
    text = _decode(path.read_bytes(), path)
    if not text.strip():
        raise DataError("the file is empty (expected a header row and data rows)", path=path)
    try:
        frame = pd.read_csv(
            _stdio.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skipinitialspace=False,
        )
    except pd.errors.ParserError as exc:
        # "Error tokenizing data. C error: Expected 5 fields in line 7, saw 6"
        detail = str(exc).split("C error:")[-1].strip()
        what = "ragged rows" if "Expected" in detail else "malformed CSV (truncated file?)"
        raise DataError(f"{what}: {detail}", path=path) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty (expected a header row and data rows)", path=path) from None
    # pandas pads rows with fewer fields than the header; find them with the csv module (records,
    # not lines, so quoted line breaks inside a field are fine)
    records = (rec for rec in csv.reader(_stdio.StringIO(text)) if rec)  # streamed: no copy
    header = [name.strip().lstrip("\ufeff") for name in next(records)]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataError(f"duplicate column name(s) {', '.join(repeated)}", path=path)
    widths = np.fromiter((len(rec) for rec in records), dtype=np.int64)
    short = widths < frame.shape[1]
    if short.any():
        raise DataError(
            f"ragged rows: fewer fields than the header's {frame.shape[1]}",
            path=path,
            rows=(np.flatnonzero(short) + 2).tolist(),
        )
    return frame


def _read_xlsx(path: Path, required: Sequence[str], max_bytes: int) -> pd.DataFrame:
    _check_size(path, max_bytes)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise DataError(f"cannot read the workbook: {type(exc).__name__}: {exc}", path=path) from None
    for name, sheet in sheets.items():
        sheet = sheet.rename(columns=lambda c: str(c).strip())
        if set(required) <= set(sheet.columns):
            sheet = sheet.dropna(how="all")
            return sheet.fillna("").astype(str)
        del name
    names = ", ".join(repr(n) for n in sheets) or "none"
    raise DataError(
        f"no sheet has the required columns {', '.join(required)} (sheets: {names})", path=path
    )


def read_table(
    path: str | os.PathLike[str],
    *,
    required: Sequence[str] = (),
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX table as strings, with header names stripped.

    CSV files may be UTF-8 with or without a byte-order mark, or Windows-1252 (as Excel on Windows
    saves them); line ends may be LF or CRLF. An XLSX workbook's first sheet that has all
    ``required`` columns is used.

    Parameters
    ----------
    path
        A ``.csv`` or ``.xlsx`` file.
    required
        Columns that must be present.
    max_bytes
        Refuse larger files (default :data:`MAX_INPUT_BYTES`).

    Returns
    -------
    pandas.DataFrame
        Every cell a ``str`` (empty cells are ``""``).

    Raises
    ------
    DataError
        The file is missing, empty, ragged, undecodable, has no data rows or lacks a column.
    UnsafeInputError
        The file is larger than ``max_bytes``.

    Examples
    --------
    >>> read_table("data/raw/codebook.csv", required=["code_id"]).columns[0]  # doctest: +SKIP
    'code_id'
    """
    path = Path(path)
    limit = MAX_INPUT_BYTES if max_bytes is None else max_bytes
    if not path.is_file():
        raise DataError("file not found", path=path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        frame = _read_xlsx(path, required, limit)
    elif suffix in (".csv", ".txt", ""):
        frame = _read_csv(path, limit)
    else:
        raise DataError(f"unsupported file type {suffix!r} (expected .csv or .xlsx)", path=path)
    frame = frame.rename(columns=lambda c: str(c).strip().lstrip("\ufeff"))
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing required column(s) {', '.join(missing)}; found {', '.join(frame.columns)}",
            path=path,
        )
    dup_cols = frame.columns[frame.columns.duplicated()].tolist()
    if dup_cols:
        raise DataError(f"duplicate column name(s) {', '.join(dup_cols)}", path=path)
    if frame.empty:
        raise DataError("no data rows (only a header)", path=path)
    return frame.reset_index(drop=True)


# --- validation ------------------------------------------------------------------------------


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    """Spreadsheet row numbers (header = row 1) of the True entries of ``mask``."""
    return (np.flatnonzero(np.asarray(mask)) + 2).tolist()


def _strip(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    frame = frame.copy()
    for col in columns:
        if col in frame.columns:
            frame[col] = frame[col].astype(str).str.strip()
    return frame


def _require_nonempty(frame: pd.DataFrame, columns: Iterable[str], path: str | os.PathLike[str]) -> None:
    for col in columns:
        empty = (frame[col] == "").to_numpy()
        if empty.any():
            raise DataError("empty value", path=path, column=col, rows=_rows(empty))


def validate_segments(frame: pd.DataFrame, *, path: str | os.PathLike[str] = "coded_segments") -> pd.DataFrame:
    """Validate ``coded_segments`` on its own and return it typed.

    Rules: the required columns are present and non-empty; ``question`` is a positive integer; no
    coding reference is repeated (same ``segment_id`` and ``code_id``, and the same ``coder`` when
    that column is present); a segment has one focus
    group, one question and one participant; a participant belongs to one focus group.

    Parameters
    ----------
    frame
        The table as read by :func:`read_table` (strings).
    path
        Names the file in error messages.

    Returns
    -------
    pandas.DataFrame
        Identifier columns stripped of surrounding white space; ``question`` as ``int64``.

    Raises
    ------
    DataError
        On the first rule broken.
    """
    missing = [c for c in SEGMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing required column(s) {', '.join(missing)}", path=path)
    seg = _strip(frame, SEGMENT_COLUMNS)
    _require_nonempty(seg, SEGMENT_COLUMNS, path)

    q = seg["question"].str.replace(r"\.0+$", "", regex=True)
    bad = ~q.str.fullmatch(r"\d{1,9}")
    if not bad.any():
        bad = q.astype("int64") <= 0
    if bad.any():
        raise DataError(
            "question must be a positive integer", path=path, column="question", rows=_rows(bad)
        )
    seg["question"] = q.astype("int64")

    # With a coder column, two coders applying the same code to the same paragraph is double
    # coding (for intercoder agreement), not a duplicate; the counting rules count it once.
    key = ["segment_id", "code_id"] + (["coder"] if "coder" in seg.columns else [])
    dup = seg.duplicated(key, keep="first").to_numpy()
    if dup.any():
        raise DataError(
            f"duplicate coding reference (same {' and '.join(key)} twice)",
            path=path,
            column="segment_id",
            rows=_rows(dup),
        )
    for col in ("focus_group", "question", "participant_id"):
        n = seg.groupby("segment_id", sort=False)[col].transform("nunique").to_numpy()
        conflict = n > 1
        if conflict.any():
            raise DataError(
                f"a segment has more than one {col} across its codings",
                path=path,
                column=col,
                rows=_rows(conflict),
            )
    n = seg.groupby("participant_id", sort=False)["focus_group"].transform("nunique").to_numpy()
    conflict = n > 1
    if conflict.any():
        raise DataError(
            "a participant appears in more than one focus group",
            path=path,
            column="participant_id",
            rows=_rows(conflict),
        )
    for col in SEGMENT_OPTIONAL:
        if col in seg.columns:
            seg[col] = seg[col].fillna("").astype(str)
    return seg


def validate_codebook(frame: pd.DataFrame, *, path: str | os.PathLike[str] = "codebook") -> pd.DataFrame:
    """Validate ``codebook`` and return it with names stripped and valence in lower case.

    Rules: required columns present; ``code_id``, ``theme`` and ``subtheme`` non-empty; ``code_id``
    unique; ``valence``, when the column is there, is ``success`` or ``challenge`` (any letter
    case).

    Raises
    ------
    DataError
        On the first rule broken.
    """
    missing = [c for c in CODEBOOK_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing required column(s) {', '.join(missing)}", path=path)
    book = _strip(frame, (*CODEBOOK_COLUMNS, "valence"))
    _require_nonempty(book, ("code_id", "theme", "subtheme"), path)
    dup = book["code_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError("duplicate code_id", path=path, column="code_id", rows=_rows(dup))
    if "valence" not in book.columns:
        return book
    book["valence"] = book["valence"].str.lower()
    bad = ~book["valence"].isin(VALENCES).to_numpy()
    if bad.any():
        raise DataError(
            f"valence must be one of {', '.join(VALENCES)}",
            path=path,
            column="valence",
            rows=_rows(bad),
        )
    return book


def validate_participants(frame: pd.DataFrame, *, path: str | os.PathLike[str] = "participants") -> pd.DataFrame:
    """Validate ``participants``: columns present and non-empty; ``participant_id`` unique.

    Raises
    ------
    DataError
        On the first rule broken.
    """
    missing = [c for c in PARTICIPANT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing required column(s) {', '.join(missing)}", path=path)
    people = _strip(frame, PARTICIPANT_COLUMNS)
    _require_nonempty(people, PARTICIPANT_COLUMNS, path)
    dup = people["participant_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError(
            "duplicate participant_id (a participant belongs to one focus group only)",
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
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Validate the three tables on their own and against each other.

    Cross-table rules: every ``code_id`` of the segments is in the codebook; with a roster, every
    participant of the segments is on it and in the same focus group.

    Returns
    -------
    tuple
        The validated ``(segments, codebook, participants)``.

    Raises
    ------
    DataError
        On the first rule broken.
    """
    paths = paths or {}
    seg_path = paths.get("segments", "coded_segments")
    seg = validate_segments(segments, path=seg_path)
    book = validate_codebook(codebook, path=paths.get("codebook", "codebook"))
    unknown = ~seg["code_id"].isin(book["code_id"]).to_numpy()
    if unknown.any():
        raise DataError(
            "code_id not in the codebook", path=seg_path, column="code_id", rows=_rows(unknown)
        )
    people = None
    if participants is not None:
        people = validate_participants(participants, path=paths.get("participants", "participants"))
        roster = people.set_index("participant_id")["focus_group"]
        listed = seg["participant_id"].isin(roster.index).to_numpy()
        if not listed.all():
            raise DataError(
                "participant_id not in participants",
                path=seg_path,
                column="participant_id",
                rows=_rows(~listed),
            )
        expected = seg["participant_id"].map(roster).to_numpy()
        disagree = expected != seg["focus_group"].to_numpy()
        if disagree.any():
            raise DataError(
                "focus_group disagrees with the participant's group in participants",
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
    """

    segments: pd.DataFrame
    codebook: pd.DataFrame
    participants: pd.DataFrame | None = None
    paths: dict[str, Path] = field(default_factory=dict)

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
        seg, book, people = validate_coded_data(seg_str, book_str, as_str(participants))
        return cls(seg, book, people)

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
        """The segments joined with their code's ``theme``, ``subtheme`` and ``valence`` (when
        the codebook has one)."""
        cols = [c for c in ("code_id", "theme", "subtheme", "valence") if c in self.codebook]
        return self.segments.merge(self.codebook[cols], on="code_id", how="left", validate="m:1")

    def summary(self) -> str:
        """A short human-readable description of the dataset."""
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
        return "\n".join(lines)


def _find(folder: Path, key: str) -> Path | None:
    stem = _STEMS[key]
    for suffix in _SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


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
        ``.csv`` or ``.xlsx``.
    segments, codebook, participants
        Explicit files; they override what ``folder`` would find.

    Returns
    -------
    CodedData

    Raises
    ------
    DataError
        A required file is missing or any rule of the schema is broken.

    Examples
    --------
    >>> data = load_coded_data("data/raw")  # doctest: +SKIP
    >>> len(data.segments)  # doctest: +SKIP
    977
    """
    base = Path(folder) if folder is not None else None
    if base is not None and not base.is_dir():
        raise DataError("data folder not found", path=base)
    found: dict[str, Path | None] = {}
    for key, given in (("segments", segments), ("codebook", codebook), ("participants", participants)):
        found[key] = Path(given) if given is not None else (_find(base, key) if base else None)
    for key in ("segments", "codebook"):
        if found[key] is None:
            where = base if base is not None else Path(".")
            raise DataError(f"no {_STEMS[key]}.csv or {_STEMS[key]}.xlsx found", path=where)
    seg_path, book_path, people_path = found["segments"], found["codebook"], found["participants"]
    assert seg_path is not None and book_path is not None
    seg = read_table(seg_path, required=SEGMENT_COLUMNS)
    book = read_table(book_path, required=CODEBOOK_COLUMNS)
    people = read_table(people_path, required=PARTICIPANT_COLUMNS) if people_path else None
    paths = {k: v for k, v in found.items() if v is not None}
    seg, book, people = validate_coded_data(seg, book, people, paths=dict(paths))
    return CodedData(seg, book, people, paths)


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
