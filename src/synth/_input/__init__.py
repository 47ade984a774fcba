"""Reading input files safely: the private machinery behind :mod:`synth.io`.

Each step is its own module so that one can be replaced without touching the others::

    files.py      open a path that must be a regular file, read it with a size cap
    text.py       bytes -> text: the encoding, the separator, escaped excerpts, clean names
    csvfile.py    text -> table: the one parsing call, then the record checks
    workbook.py   .xlsx bytes -> table: visible sheets only, cached formula values

Nothing here prints; every refusal is a :class:`~synth.DataError` or
:class:`~synth.UnsafeInputError` whose message quotes user data only through
:func:`~synth._input.text.excerpt`.
"""

from __future__ import annotations

from .csvfile import parse_csv
from .files import read_regular_file
from .text import Decoded, clean_name, decode, excerpt, line_of, sniff_delimiter
from .workbook import read_workbook

__all__ = [
    "Decoded",
    "clean_name",
    "decode",
    "excerpt",
    "line_of",
    "parse_csv",
    "read_regular_file",
    "read_workbook",
    "sniff_delimiter",
]
