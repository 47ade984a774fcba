"""A privacy check for coded focus-group data: find words that may identify people before a report
shows them.

Focus-group data carry people's words. :func:`scan` looks through the text of a
:class:`~synth.io.CodedData` for

- ``email``: e-mail addresses;
- ``phone``: telephone numbers, UK (``07700 900123``, ``020 7946 0000``, ``(0161) 496 0000``,
  ``01632 960000``) and international (``+44 7700 900123``, ``+44 (0)161 496 0000``,
  ``+1 212 555 0100``);
- ``postcode``: UK postcodes, full (``M13 9PL``, ``SW1A 1AA``, any letter case) and outward codes
  on their own (``M13``, ``SW1A``; capitals, a real postcode area, outside square brackets);
- ``name``: the names an analyst lists in an ``identifiers.txt`` (one per line, ``#`` starts a
  comment line; whole words, any letter case). That file holds real names, so it stays out of
  version control.

Where it looks: every string column of the segments (``text``, ``coder`` and any extra column),
the codebook (``theme``, ``subtheme``, ``code`` ...) and the roster (``role`` ...). Identifier
columns (``segment_id``, ``participant_id``, ``code_id``, ``focus_group``) are searched for listed
names only, so a real name used as a participant id is caught while ids such as ``S3`` are not
mistaken for postcodes.

What passes: redaction markers in square brackets (``[name of community group]``), money, ranges,
counts, decimals and years (``£3.00``, ``2008-09``, ``40,000``, ``4–5``, ``2.8 million``,
``2024``). Numbers count as a phone number only when they start with ``0`` (10 or 11 digits) or
``+`` (8 to 15 digits).

:func:`check` raises :class:`~synth.DataError` listing the places (never the matched words, which
would copy them into logs); the report calls it before rendering.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ._exceptions import DataError

if TYPE_CHECKING:  # pragma: no cover
    from .io import CodedData

__all__ = ["FINDING_COLUMNS", "KINDS", "NOT_POSTCODES", "scan", "check", "load_identifiers"]

#: Columns of the table :func:`scan` returns.
FINDING_COLUMNS: tuple[str, ...] = ("file", "column", "row", "kind", "match")
#: The kinds of finding, in the order they are reported for one cell.
KINDS: tuple[str, ...] = ("email", "phone", "postcode", "name")
#: Capitalised tokens shaped like an outward postcode that are usually something else.
NOT_POSTCODES: frozenset[str] = frozenset({"CO2", "HS2", "B12", "B6", "S4C", "G7", "G8", "G20"})

#: Identifier columns: searched for listed names only.
_ID_COLUMNS = frozenset({"segment_id", "participant_id", "code_id", "focus_group", "question"})
_TABLES = (("segments", "coded_segments.csv"), ("codebook", "codebook.csv"), ("participants", "participants.csv"))

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
# UK: a trunk 0, an area or mobile prefix (optionally in brackets), then two groups
_PHONE_UK = re.compile(r"(?<![\w+])(?:\(0\d{2,4}\)|0\d{2,4})[ -]?\d{3,4}[ -]?\d{3,4}(?![\w])")
# international: +country code, an optional (0), then digits in groups
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?(?:\(?\d+\)?[ .-]?){1,6}\d(?![\w])")
_POSTCODE_FULL = re.compile(
    r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ](?:\d[\dA-HJKPSTUW]?|[A-HK-Y]\d[\dABEHMNPRV-Y]?) ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])",
    re.IGNORECASE,
)
# the 121 postcode areas of the UK and the three of the Crown dependencies
_AREAS = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E "
    "EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL "
    "LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM "
    "SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
).split()
_POSTCODE_OUTWARD = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(_AREAS, key=len, reverse=True)) + r")\d[\dA-Z]?(?![\w-])"
)
_BRACKETS = re.compile(r"\[[^\[\]\n]*\]")


def load_identifiers(path: str | os.PathLike[str] | None) -> list[str]:
    """Read the names to look for from an ``identifiers.txt``.

    Parameters
    ----------
    path
        The file: one name per line; blank lines and lines starting with ``#`` are skipped. UTF-8
        (with or without a byte-order mark) or Windows-1252. A missing file, or None, means no
        names.

    Returns
    -------
    list of str
        The names, stripped, without duplicates (first spelling kept), in file order.

    Raises
    ------
    DataError
        ``path`` exists but is a folder.

    Examples
    --------
    >>> load_identifiers("no/such/identifiers.txt")
    []
    """
    if path is None:
        return []
    path = Path(path)
    if not path.exists():
        return []
    if not path.is_file():
        raise DataError("expected a text file of names, found a folder", path=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    names: dict[str, str] = {}
    for line in text.splitlines():
        name = line.strip()
        if name and not name.startswith("#"):
            names.setdefault(name.casefold(), name)
    return list(names.values())


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(re.escape(w) for w in n.split()) for n in names if n.strip()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)  # the longest name wins where two overlap
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _digits(match: str) -> int:
    return sum(ch.isdigit() for ch in match)


def _find(text: str, names: re.Pattern[str] | None, *, patterns: bool) -> list[tuple[int, str, str]]:
    """(start, kind, match) of everything found in one cell, sorted by position."""
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], kind: str) -> None:
        if any(m.start() < end and start < m.end() for start, end in taken):
            return
        taken.append((m.start(), m.end()))
        found.append((m.start(), kind, m.group(0)))

    if patterns:
        for m in _EMAIL.finditer(text):
            add(m, "email")
        for m in _PHONE_INTL.finditer(text):
            if 8 <= _digits(m.group(0)) <= 15:
                add(m, "phone")
        for m in _PHONE_UK.finditer(text):
            if 10 <= _digits(m.group(0)) <= 11:
                add(m, "phone")
        for m in _POSTCODE_FULL.finditer(text):
            add(m, "postcode")
        markers = [(b.start(), b.end()) for b in _BRACKETS.finditer(text)]
        for m in _POSTCODE_OUTWARD.finditer(text):
            inside = any(s <= m.start() and m.end() <= e for s, e in markers)
            if not inside and m.group(0) not in NOT_POSTCODES:
                add(m, "postcode")
    if names is not None:
        for m in names.finditer(text):
            add(m, "name")
    return sorted(found)


def scan(data: CodedData, identifiers: Iterable[str] = ()) -> pd.DataFrame:
    """Find e-mail addresses, phone numbers, UK postcodes and listed names in a coded dataset.

    Parameters
    ----------
    data
        A loaded dataset.
    identifiers
        Names to look for (whole words, any letter case), e.g. from :func:`load_identifiers`.

    Returns
    -------
    pandas.DataFrame
        One row per finding with columns ``file`` (the table's file, or its usual file name for
        data built in memory), ``column``, ``row`` (spreadsheet row number: the header is row 1),
        ``kind`` (one of :data:`KINDS`) and ``match`` (the words found). Ordered by table
        (segments, codebook, participants), column, row and position. Empty when nothing is found.

    Examples
    --------
    >>> import pandas as pd
    >>> from synth.io import CodedData
    >>> seg = pd.DataFrame({"segment_id": ["S1"], "focus_group": ["FG1"], "question": [1],
    ...                     "participant_id": ["P1"], "code_id": ["C1"],
    ...                     "text": ["Ring Sam on 07700 900123 or [name of group]."]})
    >>> book = pd.DataFrame({"code_id": ["C1"], "subtheme": ["Surveys"],
    ...                      "theme": ["Research evidence"], "valence": ["success"]})
    >>> scan(CodedData.from_frames(seg, book), ["Sam"])[["column", "row", "kind", "match"]].values.tolist()
    [['text', 2, 'name', 'Sam'], ['text', 2, 'phone', '07700 900123']]
    """
    names = _name_pattern(identifiers)
    records: list[tuple[int, str, str, int, int, int, str, str]] = []
    for order, (key, default_name) in enumerate(_TABLES):
        frame = getattr(data, key)
        if frame is None:
            continue
        file = str(data.paths.get(key, default_name))
        for col_no, column in enumerate(frame.columns):
            series = frame[column]
            if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
                continue
            is_id = column in _ID_COLUMNS
            if is_id and names is None:
                continue
            for i, value in enumerate(series.tolist()):
                if not isinstance(value, str) or not value:
                    continue
                for start, kind, match in _find(value, names, patterns=not is_id):
                    records.append((order, file, column, col_no, i + 2, start, kind, match))
    records.sort(key=lambda r: (r[0], r[3], r[4], r[5]))
    return pd.DataFrame(
        [(file, column, row, kind, match) for _o, file, column, _c, row, _s, kind, match in records],
        columns=list(FINDING_COLUMNS),
    ).astype({"row": "int64"})


def check(data: CodedData, identifiers_file: str | os.PathLike[str] | None = None) -> None:
    """Stop when the data hold anything that may identify a person.

    Parameters
    ----------
    data
        A loaded dataset.
    identifiers_file
        An ``identifiers.txt`` of names to look for; None or a missing file means no names (the
        other kinds are always looked for).

    Returns
    -------
    None
        When nothing is found.

    Raises
    ------
    DataError
        One line: how many places, and the first few as ``file[column] row N: kind``. The words
        found are not repeated in the message, so they do not end up in logs; call :func:`scan`
        to see them.

    Examples
    --------
    >>> from synth.io import load_coded_data
    >>> check(load_coded_data("data/raw"), "data/raw/identifiers.txt")  # doctest: +SKIP
    """
    found = scan(data, load_identifiers(identifiers_file))
    if found.empty:
        return
    places = [
        f"{Path(f).name}[{c}] row {r}: {k}"
        for f, c, r, k in found[["file", "column", "row", "kind"]].itertuples(index=False)
    ]
    kinds = ", ".join(k for k in KINDS if k in set(found["kind"]))
    raise DataError(
        f"privacy check: text that may identify people ({kinds}); redact it, e.g. as "
        "[name of community group], before a report shows it",
        rows=places,
    )
