"""The exception family of synth.

Every error the package raises on purpose is a :class:`SynthError`; the command line prints it as
one line on stderr (``synth: error: ...``) and exits non-zero, with the traceback only under
``--debug``::

    SynthError                  base class; never raised itself
    ├── DataError               input data are malformed, inconsistent or missing
    │   └── ChecksumError       a file in data/raw/ differs from data/raw/SHA256SUMS
    ├── UnsafeInputError        a file is refused as hostile or too large to read safely
    ├── UsageError              an argument is outside what a function or command accepts
    ├── OutputError             an output cannot be written where asked (refused, full, read-only)
    ├── ReconstructionError     the reconstruction cannot satisfy a published aggregate
    └── ReportError             a notebook raised, warned, or got an unknown parameter
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from os import PathLike

__all__ = [
    "SynthError",
    "DataError",
    "ChecksumError",
    "UnsafeInputError",
    "UsageError",
    "OutputError",
    "ReconstructionError",
    "ReportError",
]

_MAX_SHOWN = 5


class SynthError(Exception):
    """Base class of every error synth raises on purpose."""


class DataError(SynthError):
    """Raised when input data are malformed, inconsistent or missing.

    The message names the file, the column (or element), what is wrong, how many places are
    affected and the first few of them, all on one line.

    Parameters
    ----------
    message
        What is wrong, e.g. ``"code_id not in the codebook"``.
    path
        The file the problem was found in.
    column
        The column (or XML element) concerned.
    rows
        The offending places (1-based data row numbers as a user sees them in a spreadsheet,
        counting the header as row 1, or any other labels); only the first five are shown.
    count
        How many places are affected; defaults to ``len(rows)``.

    Examples
    --------
    >>> str(DataError("not a positive integer", path="seg.csv", column="question", rows=[3, 9]))
    "seg.csv: column 'question': not a positive integer (2 rows: 3, 9)"
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        column: str | None = None,
        rows: Iterable[object] | None = None,
        count: int | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.column = column
        self.rows: Sequence[object] = list(rows) if rows is not None else []
        self.count = count if count is not None else (len(self.rows) if rows is not None else None)
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        if self.path:
            parts.append(f"{self.path}: ")
        if self.column:
            parts.append(f"column '{self.column}': ")
        parts.append(" ".join(self.message.split()))  # always one line
        if self.count:
            noun = "row" if self.count == 1 else "rows"
            shown = ", ".join(str(r) for r in self.rows[:_MAX_SHOWN])
            more = ", ..." if self.count > _MAX_SHOWN else ""
            parts.append(f" ({self.count} {noun}: {shown}{more})" if shown else f" ({self.count} {noun})")
        return "".join(parts)


class ChecksumError(DataError):
    """Raised when a file in ``data/raw/`` differs from the checksum recorded for it."""


class UnsafeInputError(SynthError):
    """Raised when a file is refused as hostile (XML entities, zip paths) or too large to read."""


class UsageError(SynthError, ValueError):
    """Raised when an argument is outside what a function or command accepts (an unknown counting
    unit, an output folder that overlaps the input, ...). It is also a :class:`ValueError`."""


class OutputError(SynthError):
    """Raised when an output cannot be written where it was asked for: the place is an input,
    holds files synth did not write, is being written by another command, or the operating
    system refuses (read-only, full disk). Nothing was changed."""


class ReconstructionError(SynthError):
    """Raised when the reconstruction cannot satisfy one of the published aggregates."""


class ReportError(SynthError):
    """Raised when a notebook raises, writes to stderr, or is given an unknown parameter."""
