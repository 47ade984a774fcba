"""A privacy check for coded focus-group data: find words that may identify people before a
command shows them.

Focus-group data carry people's words. :func:`scan` looks through a
:class:`~synth.io.CodedData` for

- ``email``: e-mail addresses, also disguised: spaces around ``@`` and dots
  (``jo . bloggs @ example . org``), ``[at]``/``(at)`` and ``[dot]``/``(dot)`` for a common
  ending (``.com``, ``.org``, ``.uk``, ``.nhs`` ...), full-width ``＠``;
- ``phone``: UK numbers with a trunk ``0`` (``07700 900123``, ``020 7946 0000``,
  ``(0161) 496 0000``, ``07700.900.123``, ``0 7 7 0 0 9 0 0 1 2 3``) and international ones
  after ``+`` or ``00`` (``+44 7700 900123``, ``0044 (0)161 496 0000``, ``+1 212 555 0100``);
- ``postcode``: UK postcodes of a real postcode area, full (``M13 9PL``, ``SW1A 1AA``,
  ``m13 9pl``) and outward codes on their own (``M13``, ``SW1A``; capitals, outside square
  brackets);
- ``name``: the names an analyst lists in an ``identifiers.txt`` (one per line, ``#`` starts a
  comment line; whole words, any letter case). That file holds real names, so it stays out of
  version control.

Text is compared after Unicode NFKC normalisation (full-width letters, digits and ``＠`` become
plain ones; a no-break space a space) with zero-width and other invisible format characters
removed, so ``07700\\u200b900123`` is found.

Where it looks: every string column of the segments, the codebook and the roster. Identifier
columns (``segment_id``, ``participant_id``, ``code_id``, ``focus_group``) are searched for
e-mail addresses, full postcodes and listed names, so a group called "Leeds LS6 2QT" is caught,
but not for phone numbers or outward codes, so ids such as ``S3`` or ``0100000001`` are not
mistaken for them.

What passes: redaction markers in square brackets (``[name of community group]``), money, ranges,
counts, decimals and years (``£3.00``, ``2008-09``, ``40,000``, ``4–5``, ``2.8 million``,
``2024``). Every quotation the paper published passes (``tests/test_privacy.py``).

:func:`check_data` is the entry point for commands: it takes the loaded data and the data folder
(for ``identifiers.txt``) and raises :class:`~synth.DataError` listing the places (file, column,
row, kind), never the matched words, which would copy them into logs.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._exceptions import DataError

if TYPE_CHECKING:  # pragma: no cover
    from .io import CodedData

__all__ = [
    "FINDING_COLUMNS",
    "IDENTIFIERS_NAME",
    "KINDS",
    "NOT_POSTCODES",
    "check",
    "check_data",
    "load_identifiers",
    "scan",
]

#: Columns of the table :func:`scan` returns.
FINDING_COLUMNS: tuple[str, ...] = ("file", "column", "row", "kind", "match")
#: The kinds of finding, in the order they are reported for one cell.
KINDS: tuple[str, ...] = ("email", "phone", "postcode", "name")
#: Capitalised tokens shaped like an outward postcode that are usually something else.
NOT_POSTCODES: frozenset[str] = frozenset({"CO2", "HS2", "B12", "B6", "S4C", "G7", "G8", "G20"})
#: The file of names in a data folder that :func:`check_data` reads.
IDENTIFIERS_NAME = "identifiers.txt"

#: Identifier columns: searched for e-mail addresses, full postcodes and listed names only.
_ID_COLUMNS = frozenset({"segment_id", "participant_id", "code_id", "focus_group", "question"})
_TABLES = (("segments", "coded_segments.csv"), ("codebook", "codebook.csv"), ("participants", "participants.csv"))

# zero-width and other invisible format characters (soft hyphen, direction marks, joiners, word
# joiner, variation selectors, byte-order mark, Hangul fillers); a NUL would join two cells
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_TLDS = (
    "com|org|net|edu|gov|info|biz|io|co|uk|ac|nhs|eu|ie|scot|wales|cymru|london|email|online|"
    "us|ca|au|nz|de|fr|es|it|nl|be|ch|se|dk|fi|pl|pt|in"
)
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*at\s*[\])}>]\s*)"
_DOT = r"(?:\s*\.\s*|\s*[\[({<]\s*dot\s*[\])}>]\s*)"
# the disguised forms end in a common ending, so "us @home. Then" is not an address
_EMAIL_DISGUISED = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}(?:{_TLDS})(?![\w-])",
    re.IGNORECASE,
)
_AT_HINT = re.compile(r"@|[\[({<]\s*at\s*[\])}>]", re.IGNORECASE)

# phone numbers: a run of digit groups joined by at most two of space, dot, hyphen or dash; the
# run is then checked (and cut back group by group when numbers follow it)
_SEP = r"[ .\-\u2010-\u2013]{1,2}"
_PHONE_UK = re.compile(rf"(?<![\w+])(?<!\d[.,/-])(?:\(0\d{{2,4}}\)\s?\d+|0\d*)(?:{_SEP}\d+)*(?!\w)")
_PHONE_INTL = re.compile(
    rf"(?<![\w+])(?<!\d[.,/-])(?:\+\s?|\b00)[1-9]\d*(?:\s?\(0\)\s?\d+)?(?:(?:{_SEP}|\s?\(0\)\s?)\d+)*(?!\w)"
)
_DIGIT_GROUP = re.compile(r"\d+")

# postcodes: the shape, then the area checked against the list
_POSTCODE_FULL = re.compile(
    r"(?<![\w])(?:GIR {0,2}0AA|[A-Z]{1,2}\d[A-Z\d]? {0,2}\d[ABD-HJLNP-UW-Z]{2})(?![\w])", re.IGNORECASE
)
_POSTCODE_OUTWARD = re.compile(r"(?<![\w-])[A-Z]{1,2}\d[\dA-Z]?(?![\w-])")
# the 121 postcode areas of the UK and the three of the Crown dependencies
_AREAS = frozenset(
    (
        "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT "
        "DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA "
        "LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE "
        "SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV "
        "YO ZE"
    ).split()
)
_BRACKETS = re.compile(r"\[[^\[\]\n\x00]*\]")
_SEPARATOR = "\x00"  # joins the cells of a column into one text; no pattern crosses it


def _normalise(text: str) -> str:
    """The text the patterns are matched against (NFKC, invisible characters out, no NUL)."""
    if text.isascii():
        return text.replace(_SEPARATOR, " ") if _SEPARATOR in text else text
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return text.replace(_SEPARATOR, " ")


def load_identifiers(path: str | os.PathLike[str] | None) -> list[str]:
    """Read the names to look for from an ``identifiers.txt``.

    Parameters
    ----------
    path
        The file: one name per line; blank lines and lines starting with ``#`` are skipped. UTF-8
        (with or without a byte-order mark), UTF-16 with a byte-order mark, or Windows-1252. A
        missing file, or None, means no names.

    Returns
    -------
    list of str
        The names, stripped, without duplicates (first spelling kept), in file order.

    Raises
    ------
    DataError
        ``path`` exists but is a folder, a pipe or a device, or is not text.

    Examples
    --------
    >>> load_identifiers("no/such/identifiers.txt")
    []
    """
    from ._input import decode, read_regular_file
    from .io import MAX_INPUT_BYTES

    if path is None:
        return []
    path = Path(path)
    if not os.path.lexists(path):
        return []
    raw = read_regular_file(path, MAX_INPUT_BYTES, expected="a text file of names, one per line")
    names: dict[str, str] = {}
    for line in decode(raw, path).text.splitlines():
        name = line.strip()
        if name and not name.startswith("#"):
            names.setdefault(_normalise(name).casefold(), name)
    return list(names.values())


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(re.escape(w) for w in _normalise(n).split()) for n in names if n.strip()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)  # the longest name wins where two overlap
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _phone_span(match: re.Match[str], international: bool) -> tuple[int, int] | None:
    """The span of the longest leading part of a digit run that is shaped like a phone number.

    UK (trunk ``0``): 10 or 11 digits, the second not ``0``; groups of at least 3 then at least
    2 digits, at most five of them, or every digit on its own (``0 7 7 0 0 ...``). International
    (``+`` or ``00``): 8 to 15 digits after the prefix, not counting a ``(0)``; for ``44``, a UK
    number's 11 or 12; at most six groups, or every digit on its own.
    """
    text = match.group(0)
    groups = [(g.start(), g.end()) for g in _DIGIT_GROUP.finditer(text)]
    for k in range(len(groups), 0, -1):
        part = groups[:k]
        piece = text[: part[-1][1]]
        sizes = [e - s for s, e in part]
        digits = "".join(ch for ch in piece if ch.isdigit())
        singles = k > 1 and max(sizes) == 1
        if international:
            trunk = piece.count("(0)")  # the optional (0) of +44 (0)161 is not dialled
            if not piece.startswith("+"):
                digits = digits[2:]  # the 00 prefix
            count = len(digits) - trunk
            if digits.startswith("44") and not 11 <= count <= 12:
                continue
            ok = 8 <= count <= 15 and (k - trunk <= 6 or singles)
        else:
            grouped = sizes[0] >= 3 and min(sizes[1:], default=3) >= 2 and k <= 5
            ok = 10 <= len(digits) <= 11 and digits[1] != "0" and (grouped or singles)
        if ok:
            return match.start(), match.start() + part[-1][1]
    return None


def _matches(text: str, names: re.Pattern[str] | None, *, identifier: bool) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of every candidate in ``text``, in the order of :data:`KINDS`."""
    if _AT_HINT.search(text):
        for pattern in (_EMAIL, _EMAIL_DISGUISED):
            for m in pattern.finditer(text):
                yield m.start(), m.end(), "email"
    if not identifier:
        for pattern, international in ((_PHONE_INTL, True), (_PHONE_UK, False)):
            for m in pattern.finditer(text):
                span = _phone_span(m, international)
                if span:
                    yield span[0], span[1], "phone"
    for m in _POSTCODE_FULL.finditer(text):
        area = m.group(0).upper()
        area = area[:2] if area[1:2].isalpha() else area[:1]
        if area in _AREAS or m.group(0).upper().startswith("GIR"):
            yield m.start(), m.end(), "postcode"
    if not identifier:
        brackets = [(b.start(), b.end()) for b in _BRACKETS.finditer(text)]
        starts = [s for s, _e in brackets]
        for m in _POSTCODE_OUTWARD.finditer(text):
            token = m.group(0)
            area = token[:2] if token[1:2].isalpha() else token[:1]
            if area not in _AREAS or token in NOT_POSTCODES:
                continue
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and m.end() <= brackets[i][1]:
                continue  # inside a redaction marker such as [M13 group]
            yield m.start(), m.end(), "postcode"
    if names is not None:
        for m in names.finditer(text):
            yield m.start(), m.end(), "name"


def _scan_column(
    series: pd.Series, names: re.Pattern[str] | None, *, identifier: bool
) -> list[tuple[int, int, str, str]]:
    """(row position, start, kind, match) of the findings in one column.

    Each distinct value is normalised once, the values are joined into one text and each pattern
    runs over it once, so a column of a million repeated identifiers costs a few passes of
    compiled regular expressions, not a million Python calls per pattern.
    """
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    texts = [_normalise(u) if isinstance(u, str) else "" for u in uniques]
    if not any(texts):
        return []
    offsets = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]).tolist()
    joined = _SEPARATOR.join(texts)
    taken: dict[int, list[tuple[int, int]]] = {}
    found: dict[int, list[tuple[int, str, str]]] = {}
    for start, end, kind in _matches(joined, names, identifier=identifier):
        value = bisect.bisect_right(offsets, start) - 1
        spans = taken.setdefault(value, [])
        if any(start < e and s < end for s, e in spans):
            continue  # one finding per place: "sam@example.com" is an address, not also a name
        spans.append((start, end))
        found.setdefault(value, []).append((start - offsets[value], kind, joined[start:end]))
    out: list[tuple[int, int, str, str]] = []
    for value, hits in found.items():
        for row in np.flatnonzero(codes == value).tolist():
            out.extend((row, start, kind, match) for start, kind, match in hits)
    return out


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
        ``kind`` (one of :data:`KINDS`) and ``match`` (the words found, normalised). Ordered by
        table (segments, codebook, participants), column, row and position. Empty when nothing is
        found.

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
            hits = _scan_column(series, names, identifier=column in _ID_COLUMNS)
            records.extend(
                (order, file, column, col_no, row + 2, start, kind, match)
                for row, start, kind, match in hits
            )
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
    >>> check(load_coded_data("data/raw"), "data/raw/identifiers.txt")  # silent: nothing found
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


def check_data(data: CodedData, folder: str | os.PathLike[str] | None = None) -> None:
    """The privacy check every command that shows or exports data runs after loading it.

    Parameters
    ----------
    data
        The dataset as :func:`synth.io.load_coded_data` returned it.
    folder
        The data folder; its ``identifiers.txt`` (:data:`IDENTIFIERS_NAME`), when present, lists
        the names to look for. Default: the folder the segments were read from (no names for
        data built in memory).

    Raises
    ------
    DataError
        Something that may identify a person was found (see :func:`check`), or
        ``identifiers.txt`` is not a readable text file.

    Examples
    --------
    >>> from synth.io import load_coded_data
    >>> check_data(load_coded_data("data/raw"), "data/raw")  # silent: nothing found
    """
    if folder is None and "segments" in data.paths:
        folder = Path(data.paths["segments"]).parent
    check(data, None if folder is None else Path(folder) / IDENTIFIERS_NAME)
