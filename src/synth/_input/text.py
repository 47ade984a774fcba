"""From bytes to text: the encoding, the separator, clean names and escaped excerpts.

Encodings, in the order they are tried:

1. a byte-order mark says UTF-32 or UTF-16 (Excel's "Unicode text"), or UTF-8;
2. a NUL byte anywhere else means the file is not a text table (binary, or UTF-16 without a
   byte-order mark): refused;
3. strict UTF-8;
4. a file that is mostly UTF-8 but holds an invalid byte is refused, naming the line: decoding it
   any other way would turn every other non-ASCII character into mojibake;
5. a file with no UTF-8 in it at all is read as Windows-1252 (Excel for Windows), or as Mac Roman
   when its line ends are CR only (Excel for Mac's "CSV"); a note says so.

The separator is the one of ``,``, ``;`` and tab that makes the header hold the required columns
(European Excel writes ``;``, "Unicode text" uses tabs).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import DataError

__all__ = [
    "EXCERPT_CHARS",
    "Decoded",
    "SEPARATOR_NAMES",
    "clean_name",
    "decode",
    "excerpt",
    "header_names",
    "line_of",
    "sniff_delimiter",
]

#: Longest piece of user data an error message quotes.
EXCERPT_CHARS = 40
#: How notes and errors name a separator.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
_UTF8_BOM = b"\xef\xbb\xbf"
#: How much of the header line the separator is decided on.
_SNIFF_CHARS = 1 << 16
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# invisible characters: controls, format characters (zero-width space, joiners, marks, BOM, soft
# hyphen), every kind of space, and the "filler" letters that render as nothing
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_JOINERS = frozenset("\u200c\u200d")  # needed inside some scripts and emoji; only trimmed at the ends


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was decoded.

    Attributes
    ----------
    text
        The text, without a leading byte-order mark.
    encoding
        ``"UTF-8"``, ``"UTF-16"``, ``"UTF-32"``, ``"Windows-1252"`` or ``"Mac Roman"``.
    note
        A sentence for the user when the encoding was not UTF-8, else None.
    """

    text: str
    encoding: str
    note: str | None = None


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """Quote at most ``limit`` characters of ``value``, escaping what cannot be seen.

    Line breaks, tabs, control and format characters and unusual spaces are written as escapes
    (``\\n``, ``\\x00``, ``\\u200b``, ``\\xa0``), so an invisible difference shows and a message
    stays one line; a longer value is cut and ends in ``…``.

    Examples
    --------
    >>> excerpt("leeds ")
    "'leeds '"
    >>> excerpt("a\\u200bb\\n" + "x" * 50, limit=6)
    "'a\\\\u200bb\\\\nxx…'"
    """
    text = str(value)
    cut = len(text) > limit
    out = []
    for ch in text[:limit]:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == " " or ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "'" + "".join(out) + ("…'" if cut else "'")


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _FILLERS


def clean_name(value: str) -> str:
    """A name or identifier as it is compared: Unicode NFC, invisible characters out.

    Surrounding white space and invisible characters are removed; inside the name, every kind of
    space becomes an ordinary space and format characters (zero-width space, word joiner, soft
    hyphen, direction marks, byte-order mark) are removed, except the zero-width (non-)joiners
    that some scripts and emoji need. A name that was only invisible characters becomes ``""``.

    Examples
    --------
    >>> clean_name("Cafe\\u0301 evidence") == clean_name("Café evidence") == "Café evidence"
    True
    >>> clean_name("\\u200bFunding\\u00a0delays\\u00a0"), clean_name("\\u200b\\u00a0")
    ('Funding delays', '')
    """
    if value.isascii():
        return value.strip()
    text = unicodedata.normalize("NFC", value)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf" and ch not in _JOINERS:
            continue
        kept.append(" " if category in ("Zs", "Zl", "Zp") else ch)
    start, end = 0, len(kept)
    while start < end and _invisible(kept[start]):
        start += 1
    while end > start and _invisible(kept[end - 1]):
        end -= 1
    return "".join(kept[start:end])


def line_of(text: str, position: int) -> int:
    """The 1-based line (any of CRLF, CR, LF ends a line) that holds ``text[position]``."""
    return len(_LINE_BREAK.findall(text, 0, position)) + 1


def _line_of_bytes(raw: bytes, position: int) -> int:
    head = raw[:position]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _utf8_or_not(raw: bytes, path: Path, bom: bool) -> str | None:
    """The text when ``raw`` is UTF-8; None when nothing in it is UTF-8; refuse a mixture."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    loose = raw.decode("utf-8", errors="surrogateescape")
    invalid = len(re.findall("[\udc80-\udcff]", loose))
    valid = len(re.findall("[^\x00-\x7f\udc80-\udcff]", loose))
    if bom or valid >= invalid:
        raise DataError(
            f"cannot decode the file: line {_line_of_bytes(raw, first_bad)} is not valid UTF-8 "
            f"(byte 0x{raw[first_bad]:02X}) although the rest of the file is UTF-8; correct that "
            "character, or save the file again as CSV UTF-8",
            path=path,
        )
    return None


def decode(raw: bytes, path: Path) -> Decoded:
    """Decode a text table's bytes (see the module's docstring for the rules).

    Raises
    ------
    DataError
        NUL bytes (binary, or UTF-16 without a byte-order mark); an invalid byte in a UTF-8 file
        (the line is named); bytes that are no known encoding; a byte-order mark after the start
        (two files joined together).
    """
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"cannot decode the file: it starts with a {name} byte-order mark but byte "
                    f"{exc.start:,} is not {name}; save it again as CSV UTF-8",
                    path=path,
                ) from None
            return _checked(Decoded(text, name, f"read as {name} (Excel's \u201cUnicode text\u201d)"), path)
    has_bom = raw.startswith(_UTF8_BOM)
    body = raw[len(_UTF8_BOM):] if has_bom else raw
    nul = body.find(b"\x00")
    if nul >= 0:
        raise DataError(
            f"cannot decode the file: it holds NUL bytes (first on line {_line_of_bytes(body, nul)}), "
            "so it is not a text table; a UTF-16 file without a byte-order mark looks like this: "
            "save it as CSV UTF-8",
            path=path,
        )
    utf8 = _utf8_or_not(body, path, has_bom)
    if utf8 is not None:
        return _checked(Decoded(utf8, "UTF-8"), path)
    crlf = body.count(b"\r\n")
    cr_only, lf_only = body.count(b"\r") - crlf, body.count(b"\n") - crlf
    if cr_only > lf_only + crlf:
        # Excel for Mac's "Comma Separated Values": Mac Roman, CR line ends
        text, name = body.decode("mac_roman"), "Mac Roman"
        note = "not UTF-8; read as Mac Roman (Excel for Mac's encoding: its line ends are CR only)"
    else:
        try:
            text, name = body.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError as exc:
            raise DataError(
                "cannot decode the file: neither UTF-8 nor Windows-1252 (byte "
                f"0x{body[exc.start]:02X} on line {_line_of_bytes(body, exc.start)}); "
                "save it as CSV UTF-8",
                path=path,
            ) from None
        note = "not UTF-8; read as Windows-1252 (Excel's Windows encoding)"
    return _checked(Decoded(text, name, note), path)


def _checked(decoded: Decoded, path: Path) -> Decoded:
    text = decoded.text.removeprefix("\ufeff")
    stray = text.find("\ufeff")
    if stray >= 0:
        raise DataError(
            f"a byte-order mark (U+FEFF) on line {line_of(text, stray)}, not at the start of the "
            "file: were two files joined together? Remove it (and any repeated header row)",
            path=path,
        )
    return Decoded(text, decoded.encoding, decoded.note)


def header_names(line: str, delimiter: str) -> list[str]:
    """The cleaned column names of a header line split at ``delimiter``."""
    fields = next(csv.reader([line], delimiter=delimiter), [])
    return [clean_name(name) for name in fields]


def sniff_delimiter(text: str, required: Sequence[str] = ()) -> str:
    """The separator of a CSV text: comma, semicolon or tab.

    The first of them whose header line holds every ``required`` column; without such a one, the
    one that splits the header into the most columns (comma on a tie).

    Examples
    --------
    >>> sniff_delimiter("segment_id;code_id\\nS1;C1\\n", ["segment_id", "code_id"])
    ';'
    >>> sniff_delimiter("a,b;c\\n")
    ','
    """
    end = len(text)
    for mark in ("\r", "\n"):
        at = text.find(mark, 0, end)
        if at >= 0:
            end = at
    header = text[: min(end, _SNIFF_CHARS)]  # bounded: a header may be a megabyte long
    parsed = {d: header_names(header, d) for d in SEPARATOR_NAMES}
    for delimiter, names in parsed.items():
        if required and set(required) <= set(names):
            return delimiter
    return max(parsed, key=lambda d: len(parsed[d]))
