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
"""

from __future__ import annotations

import os
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
    hits = _alias_rows(published, "theme", printed, printed)
    if len(hits) == 1:
        return str(hits["canonical"].iloc[0])
    if len(hits) > 1:
        raise DataError(
            f"theme {printed!r} has {len(hits)} alias rows; expected one",
            path=published.folder / "aliases.csv",
            column="printed",
            rows=[i + 2 for i in hits.index],
        )
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
    hits = _alias_rows(published, "subtheme", theme, subtheme)
    if len(hits) > 1:
        raise DataError(
            f"subtheme {subtheme!r} under {theme!r} has {len(hits)} alias rows; expected one",
            path=published.folder / "aliases.csv",
            column="printed",
            rows=[i + 2 for i in hits.index],
        )
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
