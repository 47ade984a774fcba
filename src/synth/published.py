"""The paper's published record, as data, and the reconciliation of its printed names.

``data/raw/published/`` holds eight CSV files transcribed from Thomson, Waterson & Chatterjee
(2024) by ``tools/transcribe_paper.py`` (columns in docs/architecture.md). :func:`load_published`
reads them, checks their columns and types them; :func:`canonical_names` and
:func:`canonical_theme` map a theme or subtheme name as printed in Tables 2-9 or in the Results text
to Appendix 1's name, through the reviewed table ``aliases.csv``; :func:`reported_themes` lists,
per question, the themes the Results text reports with their published percentages.

Name matching is exact: a printed name resolves when Appendix 1 prints it (under that theme, for a
subtheme) or when ``aliases.csv`` lists it. Differences of case are reconciled only where
``aliases.csv`` records them, so an unreviewed spelling is an error rather than a silent guess.

Matching the paper's names to *another dataset's* names (roles and themes, for the audit) is
looser, because real data are not spelled like the paper's tables: :func:`name_key` ignores
letter case, spacing, Unicode form (NFC), punctuation and hyphens ("&" reads "and"), a plural "s"
on any word, and
one trailing generic noun (:data:`GENERIC_NOUNS`: "sector", "organisation(s)"); so "Principal
investigator" is "principal investigators" and "Community and voluntary" is "community and
voluntary sector". :func:`match_names` applies it, after the analyst's own ``aliases.csv`` in the
data folder (:func:`load_name_aliases`: ``kind,published,data``), and :func:`closest_names`
suggests candidates for a name that matches nothing.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import paths
from ._exceptions import DataError

__all__ = [
    "Paper",
    "load_paper",
    "PUBLISHED_COLUMNS",
    "Published",
    "load_published",
    "canonical_theme",
    "canonical_names",
    "reported_themes",
    "EXTRA_NOTE",
    "GENERIC_NOUNS",
    "NAME_ALIASES_FILE",
    "NAME_KINDS",
    "name_key",
    "match_names",
    "closest_names",
    "load_name_aliases",
]

#: The files of the published record and their columns, in order.
PUBLISHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "questions": ("question", "topic", "text", "source"),
    "themes": ("theme_no", "theme", "codes", "percent", "class", "derived", "source"),
    "subthemes": ("theme", "valence", "subtheme", "position", "source"),
    "quotations": ("table", "question", "theme", "subtheme", "quotation", "source"),
    "roles": ("role", "count", "source"),
    "claims": (
        "claim_id",
        "kind",
        "question",
        "subject",
        "value",
        "decimals",
        "statement",
        "source",
    ),
    "aliases": (
        "level",
        "printed_theme",
        "printed",
        "canonical_theme",
        "canonical",
        "source",
        "note",
    ),
    "inconsistencies": ("inconsistency_id", "source", "printed", "appendix", "resolution"),
}

# Integer columns (required), nullable integer columns (may be blank) and float columns.
_INT = {
    "questions": ("question",),
    "themes": ("theme_no", "codes"),
    "subthemes": ("position",),
    "quotations": ("table", "question"),
    "roles": ("count",),
}
_NULLABLE_INT = {"claims": ("question", "decimals")}
_FLOAT = {"themes": ("percent",)}
_BOOL = {"themes": ("derived",)}

#: ``aliases.csv`` notes starting with this mark a printed subtheme that Appendix 1 lacks.
EXTRA_NOTE = "extra"


@dataclass(frozen=True)
class Published:
    """The paper's published record, one DataFrame per file of ``data/raw/published/``.

    Attributes
    ----------
    questions
        Table 1: ``question`` (int), ``topic``, ``text``, ``source``.
    themes
        Appendix 1's twelve themes in the appendix's order: ``theme_no``, ``theme``, ``codes``
        (int), ``percent`` (float), ``class`` (``major``/``minor``), ``derived`` (bool; True for
        Funding, whose count the text lost), ``source``.
    subthemes
        Appendix 1's 185 subthemes: ``theme``, ``valence`` (``success``/``challenge``),
        ``subtheme``, ``position`` (int, printed order within theme and valence), ``source``.
    quotations
        Tables 2-9: ``table``, ``question`` (int), ``theme`` and ``subtheme`` as printed,
        ``quotation``, ``source``.
    roles
        Methods > Participants: ``role``, ``count`` (int), ``source``.
    claims
        Every quantitative statement: ``claim_id``, ``kind``, ``question`` (nullable Int64),
        ``subject``, ``value`` (str, as published), ``decimals`` (nullable Int64), ``statement``,
        ``source``.
    aliases
        Printed names that differ from Appendix 1's: ``level``, ``printed_theme``, ``printed``,
        ``canonical_theme``, ``canonical``, ``source``, ``note``.
    inconsistencies
        The paper's internal inconsistencies and the resolution taken.
    folder
        The folder the files were read from.
    """

    questions: pd.DataFrame
    themes: pd.DataFrame
    subthemes: pd.DataFrame
    quotations: pd.DataFrame
    roles: pd.DataFrame
    claims: pd.DataFrame
    aliases: pd.DataFrame
    inconsistencies: pd.DataFrame
    folder: Path


def _read(path: Path, name: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataError("published-record file missing", path=path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    expected = PUBLISHED_COLUMNS[name]
    if tuple(df.columns) != expected:
        missing = [c for c in expected if c not in df.columns]
        raise DataError(
            f"expected columns {', '.join(expected)}; got {', '.join(df.columns)}"
            + (f" (missing {', '.join(missing)})" if missing else ""),
            path=path,
        )
    for col in _INT.get(name, ()):
        bad = [i + 2 for i, v in enumerate(df[col]) if not v.isdigit()]
        if bad:
            raise DataError("not a non-negative integer", path=path, column=col, rows=bad)
        df[col] = df[col].astype("int64")
    for col in _NULLABLE_INT.get(name, ()):
        bad = [i + 2 for i, v in enumerate(df[col]) if v and not v.isdigit()]
        if bad:
            raise DataError("not blank or a non-negative integer", path=path, column=col, rows=bad)
        df[col] = pd.array([int(v) if v else pd.NA for v in df[col]], dtype="Int64")
    for col in _FLOAT.get(name, ()):
        try:
            df[col] = df[col].astype("float64")
        except ValueError:
            bad = [i + 2 for i, v in enumerate(df[col]) if not _is_float(v)]
            raise DataError("not a number", path=path, column=col, rows=bad) from None
    for col in _BOOL.get(name, ()):
        bad = [i + 2 for i, v in enumerate(df[col]) if v not in ("True", "False")]
        if bad:
            raise DataError("not True or False", path=path, column=col, rows=bad)
        df[col] = df[col].eq("True")
    return df


def _is_float(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def load_published(folder: str | os.PathLike[str] | None = None) -> Published:
    """Read the paper's published record.

    Parameters
    ----------
    folder
        The folder holding the eight CSV files; default ``synth.paths.published_dir()``.

    Returns
    -------
    Published
        The eight tables, typed (see :class:`Published`).

    Raises
    ------
    DataError
        When a file is missing, its columns differ from the contract, or a typed column holds a
        value of the wrong type (the message names the file, column and rows).

    Examples
    --------
    >>> pub = load_published()
    >>> int(pub.themes["codes"].sum())
    323
    """
    folder = Path(folder) if folder is not None else paths.published_dir()
    tables = {name: _read(folder / f"{name}.csv", name) for name in PUBLISHED_COLUMNS}
    return Published(**tables, folder=folder)


def _alias_rows(published: Published, level: str, printed_theme: str, printed: str) -> pd.DataFrame:
    a = published.aliases
    return a[
        (a["level"] == level) & (a["printed_theme"] == printed_theme) & (a["printed"] == printed)
    ]


def _one_alias(published: Published, level: str, printed_theme: str, printed: str,
               what: str) -> pd.DataFrame:
    """The alias rows of a printed name: none or one; two or more is an error naming the rows."""
    hits = _alias_rows(published, level, printed_theme, printed)
    if len(hits) > 1:
        raise DataError(f"{what} has {len(hits)} alias rows; expected one",
                        path=published.folder / "aliases.csv", column="printed",
                        rows=[i + 2 for i in hits.index])
    return hits


def canonical_theme(published: Published, printed: str) -> str:
    """Return Appendix 1's name of a theme printed in a table or in the Results text.

    Parameters
    ----------
    published
        The published record (:func:`load_published`).
    printed
        The theme's name exactly as printed, e.g. ``"health service and ICSs"``.

    Returns
    -------
    str
        The theme's name as Appendix 1 prints it (``themes.csv``), e.g.
        ``"Health service and integrated care systems"``.

    Raises
    ------
    DataError
        When neither Appendix 1 nor ``aliases.csv`` has the name.

    Examples
    --------
    >>> canonical_theme(load_published(), "longevity of programme")
    'Longevity of programmes'
    """
    if printed in set(published.themes["theme"]):
        return printed
    hits = _one_alias(published, "theme", printed, printed, f"theme {printed!r}")
    if len(hits) == 1:
        return str(hits["canonical"].iloc[0])
    raise DataError(
        f"unknown theme {printed!r}: not in Appendix 1 (themes.csv) and not in aliases.csv",
        path=published.folder / "aliases.csv",
        column="printed",
    )


def canonical_names(published: Published, theme: str, subtheme: str) -> tuple[str, str, bool]:
    """Return Appendix 1's names of a (theme, subtheme) pair as printed in a table.

    Parameters
    ----------
    published
        The published record (:func:`load_published`).
    theme
        The theme as printed (e.g. ``"Longevity of programme"`` in Table 4).
    subtheme
        The subtheme as printed under that theme (e.g. ``"Role of museums"`` in Table 8).

    Returns
    -------
    tuple of (str, str, bool)
        The canonical theme, the canonical subtheme and ``is_extra``: True when the subtheme is
        printed in a table but has no row in Appendix 1 (``aliases.csv`` note ``extra: ...``), in
        which case the subtheme keeps its printed name as an extra, flagged subtheme of the theme.

    Raises
    ------
    DataError
        When the theme is unknown, or the subtheme is neither an Appendix 1 subtheme of the
        canonical theme nor listed in ``aliases.csv`` under the printed theme.

    Examples
    --------
    >>> pub = load_published()
    >>> canonical_names(pub, "Community involvement", "Role of museums")
    ('Community involvement', 'Wider role of museums', False)
    >>> canonical_names(pub, "Health inequalities and deprivation", "Training programmes")
    ('Health inequalities and deprivation', 'Training programmes', True)
    """
    ctheme = canonical_theme(published, theme)
    hits = _one_alias(published, "subtheme", theme, subtheme,
                      f"subtheme {subtheme!r} under {theme!r}")
    if len(hits) == 1:
        row = hits.iloc[0]
        if row["canonical_theme"] != ctheme:
            raise DataError(
                f"alias of {subtheme!r} names theme {row['canonical_theme']!r} but {theme!r} "
                f"is {ctheme!r}",
                path=published.folder / "aliases.csv",
                column="canonical_theme",
                rows=[int(hits.index[0]) + 2],
            )
        is_extra = str(row["note"]).startswith(EXTRA_NOTE)
        return ctheme, str(row["canonical"]), is_extra
    s = published.subthemes
    if ((s["theme"] == ctheme) & (s["subtheme"] == subtheme)).any():
        return ctheme, subtheme, False
    raise DataError(
        f"unknown subtheme {subtheme!r} under theme {theme!r}: not an Appendix 1 subtheme of "
        f"{ctheme!r} (subthemes.csv) and not in aliases.csv",
        path=published.folder / "aliases.csv",
        column="printed",
    )


def reported_themes(published: Published) -> pd.DataFrame:
    """The themes the Results text reports for each question, with their published percentages.

    Built from the ``question_pct`` claims; names are mapped to Appendix 1's.

    Parameters
    ----------
    published
        The published record (:func:`load_published`).

    Returns
    -------
    pandas.DataFrame
        Columns ``question`` (int), ``theme`` (canonical name), ``published_pct`` (float), sorted
        by question and then by percentage, highest first (the order of the 50% rule).

    Raises
    ------
    DataError
        When a claim names an unknown theme.

    Examples
    --------
    >>> reported_themes(load_published()).query("question == 4")
       question                                       theme  published_pct
    6         4  Health service and integrated care systems          67.43
    """
    c = published.claims[published.claims["kind"] == "question_pct"]
    out = pd.DataFrame(
        {
            "question": c["question"].astype("int64").to_numpy(),
            "theme": [canonical_theme(published, s) for s in c["subject"]],
            "published_pct": c["value"].astype("float64").to_numpy(),
        }
    )
    out = out.sort_values(["question", "published_pct"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Paper:
    """The paper's bibliographic record (``data/raw/published/paper.toml``), and how the paper
    says its coding was done (``coding``, optional)."""

    title: str
    citation: str
    doi: str
    coding: str = ""


def load_paper(folder: str | os.PathLike[str] | None = None) -> Paper:
    """Read ``paper.toml`` of the published record: the paper's title, citation and DOI, and
    its description of how the coding was done.

    Raises
    ------
    DataError
        The file is missing, is not TOML, or lacks one of the three keys.

    Examples
    --------
    >>> load_paper().doi
    '10.1186/s12939-024-02216-1'
    """
    import tomllib

    path = (Path(folder) if folder is not None else paths.published_dir()) / "paper.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("the paper's record is missing", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"is not valid TOML ({exc})", path=path) from None
    missing = [k for k in ("title", "citation", "doi") if not isinstance(document.get(k), str)]
    if missing:
        raise DataError(f"lacks {', '.join(missing)}", path=path)
    coding = document.get("coding", "")
    if not isinstance(coding, str):
        raise DataError("'coding' must be text in quotes", path=path)
    return Paper(document["title"], document["citation"], document["doi"], coding)


# --- the paper's names and another dataset's ------------------------------------------------------

#: Trailing nouns a name may carry or leave out ("community and voluntary [sector]").
GENERIC_NOUNS: tuple[str, ...] = ("sector", "organisation", "organization")
#: The analyst's table of names in a data folder: which data name a published name stands for.
NAME_ALIASES_FILE = "aliases.csv"
#: The kinds of name the audit matches.
NAME_KINDS: tuple[str, ...] = ("role", "theme")

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212/"


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_key(name: str) -> str:
    """The form in which two spellings of one name are equal.

    NFC, case-folded, "&" as "and", hyphens and dashes as spaces, other punctuation dropped, whitespace
    collapsed, each word singular (a plural "s" or "ies" dropped), and one trailing generic noun
    (:data:`GENERIC_NOUNS`) dropped when other words remain.

    Examples
    --------
    >>> name_key("Principal investigators"), name_key("principal  investigator")
    ('principal investigator', 'principal investigator')
    >>> name_key("Community and voluntary sector") == name_key("community and voluntary")
    True
    >>> name_key("Arts-and-health sector"), name_key("Youth organisations")
    ('art and health', 'youth')
    >>> name_key("Mental health charities")
    'mental health charity'
    """
    text = unicodedata.normalize("NFC", str(name)).casefold().replace("&", " and ")
    text = text.translate({ord(c): " " for c in _DASHES})
    text = re.sub(r"[^\w\s]", "", text)
    words = [_singular(w) for w in text.split()]
    if len(words) > 1 and words[-1] in GENERIC_NOUNS:
        words = words[:-1]
    return " ".join(words)


def load_name_aliases(folder: str | os.PathLike[str] | None) -> dict[str, dict[str, str]]:
    """The analyst's ``aliases.csv`` of a data folder: published name to data name, per kind.

    The file has columns ``kind`` (``role`` or ``theme``), ``published`` (the name as the paper
    prints it) and ``data`` (the name the data use for it). It is optional.

    Returns
    -------
    dict
        ``{kind: {name_key(published): data name}}``; empty without the file.

    Raises
    ------
    DataError
        The file is not UTF-8 CSV with those columns, a kind is unknown, a cell is empty, or a
        published name is listed twice for one kind (the message names the row).

    Examples
    --------
    >>> _ = (tmp / "aliases.csv").write_text("kind,published,data\\nrole,researchers,Staff\\n")
    >>> load_name_aliases(tmp)
    {'role': {'researcher': 'Staff'}}
    """
    if folder is None:
        return {}
    path = Path(folder) / NAME_ALIASES_FILE
    if not path.is_file():
        return {}
    if path.stat().st_size > 1 << 20:
        raise DataError("is larger than 1024 KiB", path=path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("is not UTF-8 text; save it as UTF-8", path=path) from None
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [c for c in ("kind", "published", "data") if c not in header]
    if missing:
        raise DataError(f"no column(s) {', '.join(missing)}; expected kind,published,data",
                        path=path)
    at = {c: header.index(c) for c in ("kind", "published", "data")}
    out: dict[str, dict[str, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        for column, value in cells.items():
            if not value:
                raise DataError("empty", path=path, column=column, rows=[line])
        kind = cells["kind"].lower()
        if kind not in NAME_KINDS:
            raise DataError(f"kind must be one of {', '.join(NAME_KINDS)}, got "
                            f"{cells['kind'][:40]!r}", path=path, column="kind", rows=[line])
        key = name_key(cells["published"])
        if key in out.get(kind, {}):
            raise DataError(f"the {kind} {cells['published'][:60]!r} is listed twice", path=path,
                            column="published", rows=[line])
        out.setdefault(kind, {})[key] = cells["data"]
    return out


def match_names(
    wanted: Iterable[str], available: Iterable[str], aliases: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Which of ``available`` (the data's names) each of ``wanted`` (the paper's) stands for.

    In order: the analyst's alias (keyed by :func:`name_key` of the published name; it must name
    a name of the data, in any spelling :func:`name_key` allows), the same string, then the one
    name of the data with the same :func:`name_key`. A name with no match, or with several
    names of the data sharing its key, maps to None.

    Examples
    --------
    >>> match_names(["principal investigators", "faith organisations", "researchers"],
    ...             ["Principal investigator", "Faith", "Staff"], {"researcher": "staff"})
    {'principal investigators': 'Principal investigator', 'faith organisations': 'Faith', 'researchers': 'Staff'}
    """
    names = list(dict.fromkeys(str(a) for a in available))
    by_key: dict[str, list[str]] = {}
    for n in names:
        by_key.setdefault(name_key(n), []).append(n)
    known = set(names)
    out: dict[str, str | None] = {}
    for name in wanted:
        target = (aliases or {}).get(name_key(name))
        candidates: list[str]
        if target is not None:
            candidates = [target] if target in known else by_key.get(name_key(target), [])
        elif name in known:
            candidates = [name]
        else:
            candidates = by_key.get(name_key(name), [])
        out[name] = candidates[0] if len(candidates) == 1 else None
    return out


def closest_names(name: str, available: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` names of the data most like ``name`` (compared by :func:`name_key`).

    Examples
    --------
    >>> closest_names("co-investigators", ["Co investigator lead", "Researcher", "Coinvestigator"])
    ['Coinvestigator', 'Co investigator lead']
    """
    names = list(dict.fromkeys(str(a) for a in available))
    keys = {name_key(a): a for a in reversed(names)}
    found = difflib.get_close_matches(name_key(name), list(keys), n=n, cutoff=0.6)
    return [keys[k] for k in found]
