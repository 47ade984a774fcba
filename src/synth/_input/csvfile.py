"""From CSV text to a table of strings.

Three steps, kept apart so the parsing call can be swapped for a faster engine:

1. :func:`scan_records` walks the records with the :mod:`csv` module (records, not lines, so a line
   break inside a quoted field is fine; CR, LF and CRLF line ends, also mixed) and returns the
   header and each record's number of fields; a field longer than the bound is refused here;
2. :func:`parse_frame` is the one parsing call (pandas' C parser, every cell a string);
3. :func:`parse_csv` checks that the two agree: every row has as many fields as the header,
   except wholly empty rows (blank lines, or only separators), which the caller deals with.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataError
from .text import SEPARATOR_NAMES, clean_name, excerpt

__all__ = ["parse_csv", "parse_frame", "scan_records", "empty_rows", "unnamed"]


def unnamed(names: list[str]) -> list[str]:
    """Blank column names become ``Unnamed: i`` (0-based position), as spreadsheets show them."""
    return [name or f"Unnamed: {i}" for i, name in enumerate(names)]


def scan_records(text: str, delimiter: str, path: Path, max_field_chars: int) -> tuple[list[str], np.ndarray]:
    """The header record and the number of fields of every later record."""
    previous = csv.field_size_limit(max_field_chars)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        widths = np.fromiter((len(record) for record in reader), dtype=np.int64)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DataError(
                f"a field longer than {max_field_chars:,} characters ends on line {reader.line_num}: "
                "is a quotation mark never closed? (the bound is synth.io.MAX_FIELD_CHARS)",
                path=path,
            ) from None
        raise DataError(f"malformed CSV on line {reader.line_num}: {exc}", path=path) from None
    finally:
        csv.field_size_limit(previous)
    return header, widths


def parse_frame(text: str, delimiter: str, path: Path) -> pd.DataFrame:
    """Parse CSV text into a table of strings (empty cells ``""``; blank lines kept as rows)."""
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,
            index_col=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        # "Error tokenizing data. C error: EOF inside string starting at row 5"
        detail = str(exc).split("C error:")[-1].strip()
        raise DataError(f"malformed CSV (truncated file?): {excerpt(detail, 80)}", path=path) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty (expected a header row and data rows)", path=path) from None


def empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """True for the rows whose every cell is ``""``."""
    mask = np.ones(len(frame), dtype=bool)
    for column in range(frame.shape[1]):
        if not mask.any():
            break
        mask &= (frame.iloc[:, column] == "").to_numpy(dtype=bool)
    return mask


def _rows(mask: np.ndarray) -> list[int]:
    return (np.flatnonzero(mask) + 2).tolist()


def parse_csv(
    text: str, delimiter: str, path: Path, *, max_field_chars: int, max_columns: int
) -> pd.DataFrame:
    """Read CSV text into a table of strings whose column names are cleaned.

    Raises
    ------
    DataError
        Too many columns, a repeated column name, a field over the bound, rows with more or fewer
        fields than the header, or text the parser cannot read.
    """
    sep = SEPARATOR_NAMES[delimiter]
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    width = text.count(delimiter, 0, min(ends, default=len(text))) + 1
    if width > max_columns:
        # refused before anything is parsed: a 100,000-column header would cost gigabytes
        raise DataError(
            f"the header has {width:,} {sep}-separated columns, over the limit of "
            f"{max_columns:,} (synth.io.MAX_COLUMNS): is this the right file?",
            path=path,
        )
    header, widths = scan_records(text, delimiter, path, max_field_chars)
    names = unnamed([clean_name(name) for name in header])
    repeated = sorted(name for name, n in Counter(names).items() if n > 1)
    if repeated:
        shown = ", ".join(excerpt(name) for name in repeated[:5])
        raise DataError(f"duplicate column name(s) {shown}: which one is meant is ambiguous", path=path)
    long = widths > len(names)
    if long.any():
        raise DataError(
            f"ragged rows: more fields than the header's {len(names)} (a {sep} inside a value "
            "that is not in quotation marks?)",
            path=path,
            rows=_rows(long),
        )
    frame = parse_frame(text, delimiter, path)
    if frame.shape != (len(widths), len(names)):
        raise DataError(
            "malformed CSV: the rows cannot be told apart reliably (a stray quotation mark?)",
            path=path,
        )
    frame.columns = pd.Index(names)
    empty = empty_rows(frame)
    short = (widths < len(names)) & ~empty
    if short.any():
        raise DataError(
            f"ragged rows: fewer fields than the header's {len(names)}", path=path, rows=_rows(short)
        )
    return frame
