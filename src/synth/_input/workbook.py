"""From an ``.xlsx`` workbook to a table of strings.

- Only visible sheets are read. A hidden or "very hidden" sheet is never used, even when it is the
  only one with the required columns (then the workbook is refused, saying so).
- Exactly one visible sheet may have the required columns; a second one makes the choice
  ambiguous and is refused.
- A formula cell gives the value Excel saved with it. A formula without a saved value (a workbook
  written by a program and never opened in a spreadsheet) is refused, naming the cells, rather
  than read as empty.
- The first row is the header; columns with neither a name nor a value are dropped.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import DataError
from .csvfile import unnamed
from .text import clean_name, excerpt

__all__ = ["read_workbook", "cell_text"]

_MAX_CELLS_SHOWN = 5


def cell_text(value: object) -> str:
    """A cell's value as the string a CSV export would hold (whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    return str(value)


def _is_formula(value: object) -> bool:
    # data_only=False gives a formula as its text ("=A1+1") or as an ArrayFormula/DataTableFormula
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in (
        "ArrayFormula",
        "DataTableFormula",
    )


def _open(raw: bytes, path: Path, *, data_only: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise DataError(
            f"cannot read the workbook: {type(exc).__name__}: {excerpt(exc, 80)}", path=path
        ) from None


def _trimmed(row: Sequence[object]) -> list[object]:
    """A row without its trailing empty cells."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return list(row[:end])


def _header(sheet: Any) -> list[str]:
    first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    return [clean_name(cell_text(v)) for v in _trimmed(first)]


def _names(sheets: Sequence[Any]) -> str:
    return ", ".join(excerpt(s.title) for s in sheets[:_MAX_CELLS_SHOWN]) or "none"


def _choose(book: Any, path: Path, required: Sequence[str]) -> Any:
    visible = [s for s in book.worksheets if s.sheet_state == "visible"]
    hidden = [s for s in book.worksheets if s.sheet_state != "visible"]
    if not required:
        if not visible:
            raise DataError("the workbook has no visible sheet", path=path)
        return visible[0]
    matching = [s for s in visible if set(required) <= set(_header(s))]
    if len(matching) > 1:
        raise DataError(
            f"sheets {_names(matching)} all have the required columns, so which one to read is "
            "ambiguous: keep the data in one sheet",
            path=path,
        )
    if matching:
        return matching[0]
    hidden_matching = [s for s in hidden if set(required) <= set(_header(s))]
    if hidden_matching:
        raise DataError(
            f"the only sheet with the required columns, {_names(hidden_matching)}, is hidden, and "
            "hidden sheets are never read: unhide it in the spreadsheet if it holds the data",
            path=path,
        )
    shown = _names(visible) + (f" and {len(hidden)} hidden" if hidden else "")
    raise DataError(
        f"no sheet has the required columns {', '.join(required)} (sheets: {shown})", path=path
    )


def _coordinate(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row + 1}"


def read_workbook(raw: bytes, path: Path, required: Sequence[str], max_columns: int) -> pd.DataFrame:
    """Read the one visible sheet of a workbook that has the ``required`` columns.

    Raises
    ------
    DataError
        The workbook cannot be read; no visible sheet (or more than one) has the columns; the only
        one that has them is hidden; formula cells lack a saved value; too many columns; a
        repeated column name.
    """
    book = _open(raw, path, data_only=False)
    try:
        sheet = _choose(book, path, required)
        title = sheet.title
        # the recorded dimensions may span every formatted cell (to column XFD): ignore them and
        # keep each row up to its last cell that holds something
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(_trimmed(row))
            if len(rows[-1]) > max_columns:
                raise DataError(
                    f"sheet {excerpt(title)} row {len(rows)} has {len(rows[-1]):,} columns, over "
                    f"the limit of {max_columns:,} (synth.io.MAX_COLUMNS)",
                    path=path,
                )
    finally:
        book.close()
    formulas = [(i, j) for i, row in enumerate(rows) for j, v in enumerate(row) if _is_formula(v)]
    if formulas:
        cached_book = _open(raw, path, data_only=True)
        try:
            cached_sheet = cached_book[title]
            cached_sheet.reset_dimensions()
            cached = [list(r) for r in cached_sheet.iter_rows(values_only=True)]
        finally:
            cached_book.close()
        missing = []
        for i, j in formulas:
            value = cached[i][j] if i < len(cached) and j < len(cached[i]) else None
            if value is None:
                missing.append(_coordinate(i, j))
            rows[i][j] = value
        if missing:
            more = ", ..." if len(missing) > _MAX_CELLS_SHOWN else ""
            raise DataError(
                f"sheet {excerpt(title)}: {len(missing)} formula cell(s) without a saved value "
                f"({', '.join(missing[:_MAX_CELLS_SHOWN])}{more}); open the workbook in a "
                "spreadsheet and save it, so the results are stored, or paste the values",
                path=path,
            )
    if not rows:
        raise DataError(f"sheet {excerpt(title)} is empty (expected a header row and data rows)", path=path)
    width = max(len(r) for r in rows)
    if width == 0:
        raise DataError(f"sheet {excerpt(title)} is empty (expected a header row and data rows)", path=path)
    texts = [[cell_text(v) for v in r] + [""] * (width - len(r)) for r in rows]
    names = [clean_name(v) for v in texts[0]]
    keep = [j for j in range(width) if names[j] or any(r[j] for r in texts[1:])]
    names = unnamed([names[j] for j in keep])
    repeated = sorted(name for name, n in Counter(names).items() if n > 1)
    if repeated:
        shown = ", ".join(excerpt(name) for name in repeated[:5])
        raise DataError(f"duplicate column name(s) {shown}: which one is meant is ambiguous", path=path)
    columns = {name: [r[j] for r in texts[1:]] for name, j in zip(names, keep, strict=True)}
    return pd.DataFrame(columns, columns=names, dtype=str)
