"""Every number the paper states, checked against coded data.

:func:`audit` takes a coded dataset and the published record and returns one row per claim of
``data/raw/published/claims.csv``: the published value, the value reproduced from the data
through :mod:`synth.analysis` (the same rules the report uses) and a verdict:

- ``match``: equal at the published precision;
- ``explained``: different, because the paper contradicts itself there; the reason names the
  entry of ``inconsistencies.csv`` and the resolution taken (only on the shipped reconstruction,
  where the difference is known to come from the paper; on other data it is a plain mismatch);
- ``unmatched name``: the claim is about a role or theme the paper names and the data do not
  (in any spelling :func:`synth.published.name_key` allows, nor through the ``aliases.csv`` of
  the data folder); the reason lists the closest names of the data;
- ``MISMATCH``: different, with no explanation. ``synth audit`` exits 1 when there is one, or an
  unmatched name.

Every row carries ``about``: what the claim is about (its question and subject, or its words), so
each line of :func:`summary` names its subject.

:func:`infeasibility_demo` shows, by computation, why the per-question percentages are means of
per-group shares of *coded paragraphs* and not pooled ratios or shares of code occurrences.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from .io import CodedData
from .published import Published, closest_names, match_names

__all__ = [
    "VERDICTS",
    "about",
    "audit",
    "inconsistencies",
    "summary",
    "inconsistency_lines",
    "pooled_denominators",
    "min_theme_codes_code_unit",
    "infeasibility_demo",
]

#: The possible verdicts of a claim.
VERDICTS = ("match", "explained", "unmatched name", "MISMATCH")


class _Unmatched(Exception):
    """A published name with no counterpart in the data."""

    def __init__(self, kind: str, name: str, candidates: list[str], via: str = "") -> None:
        super().__init__(name)
        self.kind, self.name, self.candidates, self.via = kind, name, candidates, via

    def reason(self) -> str:
        close = ", ".join(repr(c[:60]) for c in self.candidates)
        return (f"the paper's {self.kind} {self.name[:60]!r} matches no {self.kind} of the data"
                + (f" ({self.via})" if self.via else "")
                + (f"; closest: {close}" if close else "; no similar name")
                + "; add a row to aliases.csv (kind,published,data) if it is there by another "
                "name")


# Claims that the paper itself contradicts: claim kind -> a phrase that identifies the entry of
# inconsistencies.csv explaining the difference (searched in its printed/appendix columns).
_EXPLANATIONS: dict[str, str] = {
    "n_subthemes": "185 subthemes",
}



def _canonical_theme(published: Published, printed: str) -> str:
    from .published import canonical_theme

    return canonical_theme(published, printed)


def _reproduce(
    data: CodedData, published: Published, aliases: dict[str, dict[str, str]]
) -> Callable[[pd.Series], Any]:
    """A function claim row -> reproduced value, closing over one analysis of ``data``."""
    from . import analysis

    res = analysis.analyse(data, unit="paragraph")
    seg = data.segments
    coded = data.coded()
    themes = res.themes.set_index("theme")
    shares = res.shares.set_index(["question", "theme"])["mean_pct"]
    selected = res.selected
    people = data.participants
    if people is not None:
        sizes = people.groupby("focus_group").size()
        roles = people["role"].value_counts()
    else:
        sizes = seg.groupby("focus_group")["participant_id"].nunique()
        roles = pd.Series(dtype=int)
    topics = published.questions.set_index("question")["topic"]
    data_questions = sorted(int(q) for q in seg["question"].unique())
    data_themes = [str(t) for t in res.themes["theme"]]
    data_roles = [str(r) for r in roles.index]
    role_subjects = published.claims.loc[published.claims["kind"] == "role_count", "subject"]
    role_of = match_names([str(r) for r in role_subjects.dropna()], data_roles,
                          aliases.get("role"))
    theme_of = match_names([str(t) for t in published.themes["theme"]], data_themes,
                           aliases.get("theme"))

    def role(subject: str) -> str:
        found = role_of.get(subject)
        if found is None:
            raise _Unmatched("role", subject, closest_names(subject, data_roles))
        return found

    def theme(subject: str) -> str:
        canonical = _canonical_theme(published, subject)
        found = theme_of.get(canonical)
        if found is None:
            via = f"Appendix 1's name of {subject!r}" if canonical != subject else ""
            raise _Unmatched("theme", canonical, closest_names(canonical, data_themes), via)
        return found

    def value(row: pd.Series) -> Any:
        kind = row["kind"]
        q = None if pd.isna(row["question"]) else int(row["question"])
        subject = "" if pd.isna(row["subject"]) else str(row["subject"])
        if kind == "n_paragraphs":
            return int(seg["segment_id"].nunique())
        if kind == "n_codes":
            return int(res.stats["total"])
        if kind == "n_subthemes":
            return int(coded[["theme", "subtheme"]].drop_duplicates().shape[0])
        if kind == "n_themes":
            return int(coded["theme"].nunique())
        if kind == "n_focus_groups":
            return int(seg["focus_group"].nunique())
        if kind == "n_participants":
            return int(len(people)) if people is not None else int(seg["participant_id"].nunique())
        if kind == "group_size_min":
            return int(sizes.min())
        if kind == "group_size_max":
            return int(sizes.max())
        if kind == "group_size_mean":
            return float(sizes.mean())
        if kind == "group_size_median":
            return float(sizes.median())
        if kind == "role_count":
            return int(roles[role(subject)])
        if kind == "n_questions":
            return len(data_questions)
        if kind == "n_questions_topic":
            return sum(1 for x in data_questions if topics.get(x) == subject)
        if kind == "theme_codes":
            return int(themes.loc[theme(subject), "codes"])
        if kind == "theme_percent":
            return float(themes.loc[theme(subject), "percent"])
        if kind == "theme_class":
            major = bool(themes.loc[theme(subject), "major"])
            return "major" if major else "minor"
        if kind == "n_major_themes":
            return int(themes["major"].astype(bool).sum())
        if kind == "n_minor_themes":
            return int((~themes["major"].astype(bool)).sum())
        if kind in ("stat_mean", "stat_median", "stat_sd", "stat_range"):
            return float(res.stats[kind[len("stat_"):]])
        if kind == "question_pct":
            if q not in data_questions:
                raise KeyError(f"question {q} (the data have no codings in it)")
            return float(shares.loc[(q, theme(subject))])
        if kind == "question_n_reported":
            return int((selected["question"] == q).sum())
        if kind == "question_reported_class":
            name = theme(subject)
            chosen = set(selected.loc[selected["question"] == q, "theme"])
            if name not in chosen:
                return "not reported"
            return "major" if bool(themes.loc[name, "major"]) else "minor"
        if kind == "table_n_subthemes":
            name = theme(subject)
            rows = coded[(coded["question"] == q) & (coded["theme"] == name)]
            return int(rows["subtheme"].nunique())
        if kind == "table_n_quotations":
            texts = seg.loc[(seg["question"] == q) & (seg["text"] != ""), "segment_id"] if (
                "text" in seg.columns
            ) else pd.Series(dtype=str)
            return int(texts.nunique())
        raise KeyError(kind)

    return value


def _same(published: str, reproduced: Any, decimals: Any) -> bool:
    """Equal at the published precision (numbers) or as text (labels)."""
    try:
        pub = float(published)
    except (TypeError, ValueError):
        return str(published).strip().lower() == str(reproduced).strip().lower()
    if isinstance(reproduced, str):
        return False
    places = 0 if pd.isna(decimals) else int(decimals)
    return math.isclose(round(float(reproduced) + 0.0, places), pub, abs_tol=10 ** -(places + 3))


def _format(value: Any, decimals: Any) -> str:
    if isinstance(value, str):
        return value
    places = 0 if pd.isna(decimals) else int(decimals)
    if isinstance(value, (int, np.integer)) and places == 0:
        return str(int(value))
    return f"{float(value):.{max(places, 2)}f}"


def about(claim: pd.Series | Mapping[str, Any]) -> str:
    """What a claim is about, in a few words: its question and subject, or its own words.

    Examples
    --------
    >>> about({"question": 5, "subject": "funding", "statement": "..."})
    'Question 5, funding'
    >>> about({"question": None, "subject": "", "statement": "were categorised into 323 codes"})
    '“were categorised into 323 codes”'
    """
    parts = []
    q = claim.get("question")
    if q is not None and not pd.isna(q) and str(q).strip():
        parts.append(f"Question {int(float(q))}")
    subject = claim.get("subject")
    if isinstance(subject, str) and subject.strip():
        parts.append(subject.strip())
    if parts:
        return ", ".join(parts)
    statement = claim.get("statement")
    words = " ".join(str(statement).split()) if isinstance(statement, str) else ""
    if not words:
        return ""
    return f"\u201c{words[:70]}{'…' if len(words) > 70 else ''}\u201d"


def audit(
    data: CodedData,
    published: Published | None = None,
    *,
    aliases: dict[str, dict[str, str]] | None = None,
    reconstruction: bool | None = None,
) -> pd.DataFrame:
    """Check every claim of the paper against ``data``.

    Parameters
    ----------
    data
        A :class:`synth.io.CodedData`.
    published
        The published record (default: :func:`synth.published.load_published`).
    aliases
        The analyst's names for the paper's roles and themes
        (:func:`synth.published.load_name_aliases`); default the ``aliases.csv`` of the data's
        folder, if any.
    reconstruction
        Whether ``data`` is a reconstruction from the published record (the shipped one, or one
        of the ensemble's), where a difference the paper's own inconsistencies explain is
        ``explained``; default: whether the data's folder holds the shipped reconstruction
        (:func:`synth.checksums.is_shipped_reconstruction`). On other data it is a mismatch.

    Returns
    -------
    pandas.DataFrame
        One row per claim, in ``claims.csv`` order: ``claim_id, kind, question, subject, about,
        published, reproduced, verdict, reason, statement, source``. ``reproduced`` is a string
        at the published precision (two decimals at least for non-integers; empty for an
        unmatched name), ``verdict`` one of :data:`VERDICTS`.

    Examples
    --------
    >>> from synth.io import load_coded_data
    >>> table = audit(load_coded_data("data/raw"))
    >>> table["verdict"].value_counts().to_dict()
    {'match': 156, 'explained': 2}
    """
    from .checksums import is_shipped_reconstruction
    from .published import load_name_aliases, load_published

    pub = published if published is not None else load_published()
    if aliases is None:
        aliases = load_name_aliases(data.folder)
    if reconstruction is None:
        reconstruction = data.folder is not None and is_shipped_reconstruction(data.folder)
    value = _reproduce(data, pub, aliases)
    incons = pub.inconsistencies
    rows = []
    for _, claim in pub.claims.iterrows():
        reason = ""
        unmatched = False
        try:
            got: Any = value(claim)
        except _Unmatched as exc:
            got, reason, unmatched = "", exc.reason(), True
        except KeyError as exc:
            got, reason = "not reproducible", f"no rule for {exc.args[0]!r}"
        ok = reason == "" and _same(claim["value"], got, claim["decimals"])
        verdict = "match" if ok else ("unmatched name" if unmatched else "MISMATCH")
        if not ok and not unmatched and reconstruction and claim["kind"] in _EXPLANATIONS:
            phrase = _EXPLANATIONS[claim["kind"]]
            hit = incons[
                incons["printed"].str.contains(phrase, regex=False)
                | incons["appendix"].str.contains(phrase, regex=False)
            ]
            if not hit.empty:
                first = hit.iloc[0]
                verdict = "explained"
                reason = f"{first['inconsistency_id']}: {first['resolution']}"
        rows.append(
            {
                "claim_id": claim["claim_id"],
                "kind": claim["kind"],
                "question": claim["question"],
                "subject": claim["subject"],
                "about": about(claim),
                "published": claim["value"],
                "reproduced": _format(got, claim["decimals"]),
                "verdict": verdict,
                "reason": reason,
                "statement": claim["statement"],
                "source": claim["source"],
            }
        )
    return pd.DataFrame(rows)


def inconsistencies(published: Published | None = None) -> pd.DataFrame:
    """The paper's internal inconsistencies and the resolution the compendium takes.

    Returns
    -------
    pandas.DataFrame
        ``inconsistencies.csv`` as published by :mod:`synth.published`.

    Examples
    --------
    >>> inconsistencies()["inconsistency_id"].iloc[0]
    'I01'
    """
    from .published import load_published

    pub = published if published is not None else load_published()
    return pub.inconsistencies.copy()


def summary(table: pd.DataFrame) -> str:
    """A plain-text summary of an audit table: counts by verdict, then every claim that is not a
    plain match.

    Examples
    --------
    >>> t = pd.DataFrame({"claim_id": ["C1"], "kind": ["n_codes"], "published": ["3"],
    ...                   "reproduced": ["3"], "verdict": ["match"], "reason": [""]})
    >>> print(summary(t))
    1 claims: 1 match, 0 explained, 0 unmatched name, 0 MISMATCH
    """
    counts = table["verdict"].value_counts()
    lines = [
        f"{len(table)} claims: "
        + ", ".join(f"{int(counts.get(v, 0))} {v}" for v in VERDICTS)
    ]
    for _, row in table[table["verdict"] != "match"].iterrows():
        subject = row["about"] if "about" in row.index else about(row)
        result = ("" if row["verdict"] == "unmatched name" else
                  f", reproduced {row['reproduced']}")
        lines.append(
            f"  {row['verdict']:<9} {row['claim_id']} {row['kind']}"
            + (f" ({subject})" if subject else "") + ": published "
            f"{row['published']}{result}" + (f" ({row['reason']})" if row["reason"] else "")
        )
    return "\n".join(lines)


def inconsistency_lines(table: pd.DataFrame) -> list[str]:
    """One line per internal inconsistency of the paper: where, what it prints, what Appendix 1
    says, and the resolution taken.

    Examples
    --------
    >>> t = pd.DataFrame({"inconsistency_id": ["I09"], "source": ["Table 3"],
    ...                   "printed": ["Funding / The costs"], "appendix": ["Funding / Costs"],
    ...                   "resolution": ["mapped to Appendix 1's name"]})
    >>> print(inconsistency_lines(t)[0])
      I09 [Table 3] prints 'Funding / The costs'; Appendix 1: 'Funding / Costs'; resolution: mapped to Appendix 1's name
    """
    return [
        f"  {row.inconsistency_id} [{row.source}] prints {str(row.printed)!r}; Appendix 1: "
        f"{str(row.appendix)!r}; resolution: {row.resolution}"
        for row in table.itertuples(index=False)
    ]


# --- why paragraphs: the infeasibility computation ------------------------------------------


def pooled_denominators(percentages: Iterable[float], max_denominator: int, decimals: int = 2) -> list[int]:
    """Denominators ``d <= max_denominator`` for which every percentage is ``100 k / d`` for some
    integer ``k``, at the published precision (a pooled ratio of counts).

    Parameters
    ----------
    percentages
        The published percentages of one question.
    max_denominator
        The largest denominator tried (the paper has 977 coded paragraphs in all).
    decimals
        The published precision.

    Returns
    -------
    list of int
        Every such denominator, ascending.

    Examples
    --------
    >>> pooled_denominators([50.0, 25.0], 8)
    [4, 8]
    >>> pooled_denominators([33.33], 10)
    [3, 6, 9]
    """
    pcts = np.asarray(list(percentages), dtype=float)
    half = 0.5 * 10.0**-decimals
    found = []
    for d in range(1, max_denominator + 1):
        k = np.round(pcts * d / 100)
        if np.all(np.abs(100 * k / d - pcts) <= half + 1e-9):
            found.append(d)
    return found


def min_theme_codes_code_unit(pct: float, n_groups: int, max_codes: int, decimals: int = 2) -> int | None:
    """The fewest code occurrences of a theme, in one question, for its mean share of code
    occurrences over ``n_groups`` answering groups to round to ``pct``.

    Under the code-occurrence unit, group *g* with ``h`` codes of the theme and ``o`` of other
    themes has share ``h / (h + o)``. The search enumerates groups exactly (fractions): groups
    with no other theme (share 1, one code at least) and mixed groups, smallest totals first.

    Parameters
    ----------
    pct
        The published mean percentage (e.g. 95.17).
    n_groups
        Groups answering the question.
    max_codes
        The theme's codes in all (no answer above it is looked for).
    decimals
        The published precision.

    Returns
    -------
    int or None
        The minimum, or None when no split of at most ``max_codes`` codes works.

    Examples
    --------
    Two groups, mean 75%: one group all in the theme (1 code), one with 1 of 2: 2 codes.

    >>> min_theme_codes_code_unit(75.0, 2, 10)
    2
    """
    half = Fraction(5, 10 ** (decimals + 1))
    target = Fraction(round(pct * 10**decimals), 10**decimals)
    # sum over groups of (1 - share) must lie in this window (mean share rounds to pct)
    lo = n_groups * (1 - (target + half) / 100)
    hi = n_groups * (1 - (target - half) / 100)
    best: list[int | None] = [None]

    def inside(deficit: Fraction) -> bool:
        return lo < deficit <= hi if half else deficit == lo

    # options for a mixed group: (h, deficit o / (h + o)); deficits above hi are useless
    options = sorted(
        (h, Fraction(o, h + o))
        for h in range(1, max_codes + 1)
        for o in range(1, 4 * max_codes)
        if Fraction(o, h + o) <= hi
    )

    def search(start: int, mixed: int, cost: int, deficit: Fraction) -> None:
        pure = n_groups - mixed
        total = cost + pure  # each pure group holds at least one code
        if best[0] is not None and total >= best[0]:
            return
        if inside(deficit) and total <= max_codes:
            best[0] = total
            return
        if mixed == n_groups:
            return
        for i in range(start, len(options)):
            h, d = options[i]
            if best[0] is not None and cost + h + (n_groups - mixed - 1) >= best[0]:
                break  # options are sorted by h
            if cost + h + (n_groups - mixed - 1) > max_codes:
                break
            if deficit + d <= hi:
                search(i, mixed + 1, cost + h, deficit + d)

    search(0, 0, 0, Fraction(0))
    return best[0]


def infeasibility_demo(published: Published | None = None) -> dict[str, Any]:
    """Why the per-question percentages are means over groups of shares of coded paragraphs.

    Two computations on the published record:

    1. **Not pooled ratios.** If a question's percentages were (theme count) / (question total)
       over all groups, one denominator would give all of them at two decimals. For each
       question, the smallest such denominator up to the paper's 977 paragraphs is found;
       Question 8 has none, and the smallest ones of the other questions add up to more than
       977.
    2. **Not code occurrences.** With code occurrences as the unit, Question 5's 95.17% for
       Health inequalities and deprivation needs at least ``min_codes_q5`` of its codes in
       Question 5 (whatever the number of groups answering), which leaves fewer than its other
       questions need (the subthemes Tables 7 and 9 list and the Appendix 1 subthemes no table
       lists).

    Parameters
    ----------
    published
        The published record (default: :func:`synth.published.load_published`).

    Returns
    -------
    dict
        ``pooled``: DataFrame ``question, n_percentages, smallest_denominator`` (None where no
        denominator up to the maximum fits); ``pooled_sum``: the sum of the smallest
        denominators; ``max_denominator``; ``code_unit``: DataFrame ``n_groups, min_codes``
        for the theme of the highest single percentage (Question 5); ``theme``,
        ``theme_codes``, ``min_codes_q5`` (minimum over the group counts), ``needed_elsewhere``
        and ``feasible`` (False when ``min_codes_q5 + needed_elsewhere > theme_codes``).

    Examples
    --------
    >>> demo = infeasibility_demo()
    >>> demo["feasible"]
    False
    """
    from .published import load_published, reported_themes
    from .targets import targets_from_published, theme_budget

    pub = published if published is not None else load_published()
    rep = reported_themes(pub)
    claims = pub.claims
    max_d = int(float(claims.loc[claims["kind"] == "n_paragraphs", "value"].iloc[0]))
    rows = []
    for q, grp in rep.groupby("question", sort=True):
        found = pooled_denominators(grp["published_pct"], max_d)
        rows.append(
            {
                "question": int(q),
                "n_percentages": len(grp),
                "smallest_denominator": found[0] if found else None,
            }
        )
    pooled = pd.DataFrame(rows)
    pooled["smallest_denominator"] = pooled["smallest_denominator"].astype("Int64")
    smallest = pooled["smallest_denominator"].dropna()

    # the single highest reported percentage: Question 5's theme
    top = rep.sort_values("published_pct", ascending=False, kind="stable").iloc[0]
    theme, q_top, pct = str(top["theme"]), int(top["question"]), float(top["published_pct"])
    targets = targets_from_published(pub)
    codes = int(targets.theme_codes[theme])
    per_groups = [
        {"n_groups": g, "min_codes": min_theme_codes_code_unit(pct, g, codes)}
        for g in range(1, targets.n_groups + 1)
    ]
    code_unit = pd.DataFrame(per_groups)
    code_unit["min_codes"] = code_unit["min_codes"].astype("Int64")
    mins = [int(m) for m in code_unit["min_codes"].dropna()]
    min_q5 = min(mins) if mins else None
    budget = theme_budget(targets).set_index("theme").loc[theme]
    # what the theme needs outside q_top: its other tabled questions and untabled subthemes
    needed_elsewhere = int(budget["minimum"]) - _needed_in(targets, theme, q_top)
    return {
        "pooled": pooled,
        "pooled_sum": int(smallest.sum()),
        "max_denominator": max_d,
        "question": q_top,
        "theme": theme,
        "published_pct": pct,
        "theme_codes": codes,
        "code_unit": code_unit,
        "min_codes_q5": min_q5,
        "needed_elsewhere": needed_elsewhere,
        "feasible": min_q5 is not None and min_q5 + needed_elsewhere <= codes,
    }


def _needed_in(targets: Any, theme: str, question: int) -> int:
    """Codes ``theme_budget`` counts for ``theme`` in ``question`` (paragraph unit)."""
    from .targets import groups_needed

    pct = dict(targets.reported.get(question, ())).get(theme)
    if pct is None:
        return 0
    return max(len(targets.tables.get((question, theme), ())), groups_needed(pct, targets.n_groups))

