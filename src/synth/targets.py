"""What the paper pins: the published targets every reconstruction must reproduce.

:func:`targets_from_published` collects, from the published record
(:func:`synth.published.load_published`), every aggregate the paper prints, in Appendix 1's
canonical names; :func:`theme_budget` and :func:`groups_needed` say how many codes each theme needs
at the least to meet them. :mod:`synth.reconstruct` builds a dataset that meets the targets and
:mod:`synth.audit` uses the same arithmetic to explain its verdicts; neither depends on the other.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ._exceptions import ReconstructionError
from .published import Published, canonical_names, load_published, reported_themes

__all__ = ["Targets", "targets_from_published", "groups_needed", "theme_budget"]


# --- the targets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """Everything the reconstruction must reproduce, in canonical (Appendix 1) names.

    Build it with :func:`targets_from_published`; the fields are plain data so that tests can
    build small instances by hand.

    Attributes
    ----------
    themes
        Theme names in Appendix 1's order.
    theme_codes
        Code occurrences per theme (Appendix 1).
    subthemes
        ``(theme, subtheme, valence, extra)`` in codebook order: Appendix 1's subthemes, then the
        extra subthemes that only a table prints.
    questions
        The question numbers.
    reported
        Per question, ``(theme, published mean percentage)`` of the themes the 50% rule reports.
    tables
        ``(question, theme) -> subthemes`` that the question's table lists for that theme.
    quotations
        ``(question, theme, subtheme, text)`` for every published quotation.
    n_paragraphs, n_codes
        Coded paragraphs and code occurrences in all.
    n_groups, n_participants, size_min, size_max, size_mean, size_median
        The focus groups' number and sizes.
    roles
        ``(role, count)`` of the participants.
    pi_role
        The role of which every group has exactly one member (the principal investigator).
    """

    themes: tuple[str, ...]
    theme_codes: Mapping[str, int]
    subthemes: tuple[tuple[str, str, str, bool], ...]
    questions: tuple[int, ...]
    reported: Mapping[int, tuple[tuple[str, float], ...]]
    tables: Mapping[tuple[int, str], tuple[str, ...]]
    quotations: tuple[tuple[int, str, str, str], ...]
    n_paragraphs: int
    n_codes: int
    n_groups: int
    n_participants: int
    size_min: int
    size_max: int
    size_mean: float
    size_median: float
    roles: tuple[tuple[str, int], ...] = ()
    pi_role: str | None = None

    def reported_themes(self, question: int) -> list[str]:
        """Themes reported for ``question`` (published order)."""
        return [t for t, _ in self.reported.get(question, ())]

    def subthemes_of(self, theme: str, *, extra: bool | None = None) -> list[str]:
        """Subthemes of ``theme`` in codebook order (``extra`` filters appendix/extra ones)."""
        return [s for t, s, _, x in self.subthemes if t == theme and (extra is None or x == extra)]


def _claim(claims: pd.DataFrame, kind: str) -> float:
    rows = claims[claims["kind"] == kind]
    if rows.empty:
        raise ReconstructionError(f"claims.csv has no {kind!r} claim to reconstruct against")
    return float(rows["value"].iloc[0])


def targets_from_published(published: Published | None = None) -> Targets:
    """Collect the reconstruction's targets from the published record.

    Parameters
    ----------
    published
        A :class:`synth.published.Published`; default :func:`synth.published.load_published`.

    Returns
    -------
    Targets

    Raises
    ------
    ReconstructionError
        A target the reconstruction needs is missing from the record.
    DataError
        A printed name cannot be reconciled with Appendix 1 (from :mod:`synth.published`).

    Examples
    --------
    >>> t = targets_from_published()
    >>> t.theme_codes["Mental health"]
    12
    """
    pub = published if published is not None else load_published()
    themes_df = pub.themes.copy()
    if "theme_no" in themes_df.columns:
        themes_df = themes_df.sort_values("theme_no", key=lambda s: s.astype(int), kind="stable")
    themes = tuple(str(t) for t in themes_df["theme"])
    theme_codes = {str(t): int(float(c)) for t, c in zip(themes_df["theme"], themes_df["codes"], strict=True)}

    sub_df = pub.subthemes.copy()
    if "position" in sub_df.columns:
        sub_df["_pos"] = sub_df["position"].astype(int)
    else:
        sub_df["_pos"] = sub_df.groupby(["theme", "valence"], sort=False).cumcount()
    sub_df["_t"] = sub_df["theme"].map({t: i for i, t in enumerate(themes)})
    sub_df["_v"] = (sub_df["valence"].str.lower() != "success").astype(int)
    sub_df = sub_df.sort_values(["_t", "_v", "_pos"], kind="stable")
    subthemes: list[tuple[str, str, str, bool]] = [
        (str(t), str(s), str(v).lower(), False)
        for t, s, v in zip(sub_df["theme"], sub_df["subtheme"], sub_df["valence"], strict=True)
    ]

    tables: dict[tuple[int, str], list[str]] = defaultdict(list)
    quotations: list[tuple[int, str, str, str]] = []
    extras: dict[tuple[str, str], int] = {}
    quot = pub.quotations
    for row in quot.itertuples(index=False):
        theme, sub, is_extra = canonical_names(pub, str(row.theme), str(row.subtheme))
        q = int(row.question)
        if sub not in tables[(q, theme)]:
            tables[(q, theme)].append(sub)
        quotations.append((q, theme, sub, str(row.quotation)))
        if is_extra:
            extras[(theme, sub)] = q
    for (theme, sub), _q in extras.items():
        # A table-only subtheme has no valence in Appendix 1; the reconstruction files it as a
        # success (the one case, Table 7's "Training programmes", describes something done).
        subthemes.append((theme, sub, "success", True))
    order = {t: i for i, t in enumerate(themes)}
    subthemes.sort(key=lambda r: (order[r[0]], r[3]))  # stable: appendix rows, then extras

    rep = reported_themes(pub)
    reported: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for row in rep.itertuples(index=False):
        reported[int(row.question)].append((str(row.theme), float(row.published_pct)))
    claims = pub.claims
    questions_df = getattr(pub, "questions", None)
    if questions_df is not None and "question" in questions_df.columns:
        questions = tuple(sorted(int(q) for q in questions_df["question"]))
    else:
        questions = tuple(sorted(set(reported) | {q for q, _ in tables}))

    roles_df = pub.roles
    roles = tuple((str(r), int(float(c))) for r, c in zip(roles_df["role"], roles_df["count"], strict=True))
    pi = [r for r, _ in roles if "principal investigator" in r.lower()]
    return Targets(
        themes=themes,
        theme_codes=theme_codes,
        subthemes=tuple(subthemes),
        questions=questions,
        reported={q: tuple(v) for q, v in sorted(reported.items())},
        tables={k: tuple(v) for k, v in tables.items()},
        quotations=tuple(quotations),
        n_paragraphs=int(_claim(claims, "n_paragraphs")),
        n_codes=int(_claim(claims, "n_codes")),
        n_groups=int(_claim(claims, "n_focus_groups")),
        n_participants=int(_claim(claims, "n_participants")),
        size_min=int(_claim(claims, "group_size_min")),
        size_max=int(_claim(claims, "group_size_max")),
        size_mean=_claim(claims, "group_size_mean"),
        size_median=_claim(claims, "group_size_median"),
        roles=roles,
        pi_role=pi[0] if pi else None,
    )


# --- the budget ------------------------------------------------------------------------------


def groups_needed(pct: float, n_groups: int) -> int:
    """The fewest groups that must hold a theme for its mean share to reach ``pct``.

    A theme present in ``k`` of ``n_groups`` groups has a mean share of at most ``100 k /
    n_groups`` percent (all of those groups' paragraphs in it), so it needs ``100 k / n_groups >
    pct``: strictly more, because a reported theme shares its groups with other themes.

    Parameters
    ----------
    pct
        The published mean percentage.
    n_groups
        Groups answering the question.

    Returns
    -------
    int

    Examples
    --------
    >>> groups_needed(95.17, 10)
    10
    >>> groups_needed(67.43, 10)
    7
    >>> groups_needed(30.0, 10)
    4
    """
    if not 0 <= pct <= 100:
        raise ValueError(f"pct must be a percentage, got {pct}")
    return min(n_groups, math.floor(pct * n_groups / 100 + 1e-9) + 1)


def theme_budget(targets: Targets, answering: Mapping[int, int] | None = None) -> pd.DataFrame:
    """The fewest code occurrences each theme needs, against the codes Appendix 1 gives it.

    A theme reported for question *q* needs, in *q*, one code for each subtheme the table lists
    and one in each of the groups its mean needs (:func:`groups_needed`), whichever is more; each
    Appendix 1 subtheme that no table lists under the theme needs one code in a question where
    the theme is not reported.

    Parameters
    ----------
    targets
        The published targets.
    answering
        Groups answering each question (default: every group answers every question).

    Returns
    -------
    pandas.DataFrame
        One row per theme: ``theme, codes, in_tables, untabled, minimum, slack`` where
        ``in_tables`` is the codes needed in the questions that report the theme, ``untabled``
        the subthemes listed in no table, ``minimum`` their sum and ``slack = codes - minimum``.

    Examples
    --------
    For the paper, Health inequalities and deprivation needs 10 + 5 + 5 codes in Questions 5, 6
    and 8 and 12 for its untabled subthemes: 32, exactly its count.

    >>> budget = theme_budget(targets_from_published())
    >>> int(budget.set_index("theme").loc["Health inequalities and deprivation", "slack"])
    0
    """
    answering = answering or {q: targets.n_groups for q in targets.questions}
    rows = []
    for theme in targets.themes:
        in_tables = 0
        listed: set[str] = set()
        for q in targets.questions:
            pct = dict(targets.reported.get(q, ())).get(theme)
            if pct is None:
                continue
            subs = targets.tables.get((q, theme), ())
            listed.update(subs)
            in_tables += max(len(subs), groups_needed(pct, answering[q]))
        untabled = len([s for s in targets.subthemes_of(theme, extra=False) if s not in listed])
        codes = int(targets.theme_codes[theme])
        minimum = in_tables + untabled
        rows.append(
            {
                "theme": theme,
                "codes": codes,
                "in_tables": in_tables,
                "untabled": untabled,
                "minimum": minimum,
                "slack": codes - minimum,
            }
        )
    return pd.DataFrame(rows)
