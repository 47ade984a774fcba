"""Reconstruct a coded dataset from the paper's published aggregates.

The study's coded data were never published. This module builds *one* coded dataset that, put
through the paper's counting rules (:mod:`synth.analysis`), reproduces every number the paper
publishes: 10 focus groups of 90 participants with the published roles, 977 coded paragraphs,
323 code occurrences, Appendix 1's theme counts, every subtheme used, every per-question
percentage of the Results text to two decimals with exactly the published themes selected by the
50% rule, the subthemes each of Tables 2-9 lists and its quotations. Many datasets satisfy these
aggregates; this is one of them, chosen by a seeded program. It is **not** the study's data: who
said what, the paragraph counts behind the unreported bars and the spread across groups are
artefacts of the reconstruction.

Every target is read from the published record (:func:`synth.published.load_published`); none is
written in this module. The search separates into three steps:

1. **Code occurrences** (Appendix 1): each theme's codes are spread over question x focus group x
   subtheme cells. Tabled themes take their codes in a question only from the subthemes the table
   lists (each at least once); untabled subthemes go to questions where their theme is not
   reported; the rest is spread with weights that follow the published percentages.
   :func:`theme_budget` checks first that every theme has enough codes for this.
2. **Paragraphs** (the per-question percentages): per question, a seeded iterated steepest
   descent moves, adds and removes paragraphs of (group, theme) cells (each cell keeps at least
   its code occurrences), and an exact meet-in-the-middle polish lands every reported mean on its
   published value at two decimals, while every other theme stays below the smallest reported
   one; then the questions' paragraph counts are made to add up to the published total.
3. **Who and what**: code occurrences get participants (distinct participants for one code in one
   question), paragraphs get segment ids, and each published quotation becomes the ``text`` of one
   paragraph of its question, theme and subtheme.

The result is checked through :mod:`synth.analysis` before it is returned.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._exceptions import ReconstructionError
from .io import CodedData
from .published import Published
from .targets import Targets, groups_needed, targets_from_published, theme_budget

__all__ = [
    "DEFAULT_SEED",
    "reconstruct",
]

#: The seed of the shipped dataset (``data/raw/``): the article number, 23:135.
DEFAULT_SEED = 135

#: A reported mean must lie this close to its published value (half the last digit, with room
#: for floating-point noise) so that it rounds to it.
_TOLERANCE = 0.0049
#: Themes not reported for a question stay at least this far (percentage points) below the
#: smallest reported mean, so the 50% rule selects exactly the published set.
_MARGIN = 0.5
_MAX_ATTEMPTS = 25

Say = Callable[[str], None]


def _quiet(message: str) -> None:
    """Default progress callback: say nothing."""


def _check_budget(targets: Targets) -> None:
    budget = theme_budget(targets)
    short = budget[budget["slack"] < 0]
    if not short.empty:
        first = short.iloc[0]
        raise ReconstructionError(
            f"{len(short)} theme(s) have fewer codes than the tables and subthemes need, e.g. "
            f"{first['theme']}: {first['codes']} codes, {first['minimum']} needed"
        )
    total = sum(targets.theme_codes.values())
    if total != targets.n_codes:
        raise ReconstructionError(
            f"the theme counts sum to {total}, not to the {targets.n_codes} codes claimed"
        )
    for theme in targets.themes:
        for q in targets.questions:
            if theme in targets.reported_themes(q) and not targets.tables.get((q, theme)):
                raise ReconstructionError(f"question {q} reports {theme} but no table lists it")


# --- step 0: groups and participants ---------------------------------------------------------


def _group_sizes(targets: Targets, rng: np.random.Generator) -> list[int]:
    """Group sizes with the published minimum, maximum, mean (total) and median."""
    g = targets.n_groups
    total = targets.n_participants
    if abs(total / g - targets.size_mean) > 0.5 + 1e-9:
        raise ReconstructionError(
            f"{total} participants in {g} groups cannot have mean size {targets.size_mean}"
        )
    for _ in range(200_000):
        inner = rng.integers(targets.size_min, targets.size_max + 1, size=g - 2)
        sizes = np.sort(np.concatenate([[targets.size_min, targets.size_max], inner]))
        if sizes.sum() == total and float(np.median(sizes)) == targets.size_median:
            return [int(s) for s in rng.permutation(sizes)]
    raise ReconstructionError(
        f"no {g} group sizes between {targets.size_min} and {targets.size_max} sum to {total} "
        f"with median {targets.size_median}"
    )


def _participants(
    targets: Targets, sizes: Sequence[int], rng: np.random.Generator
) -> pd.DataFrame:
    """The roster: one principal investigator per group, the other roles dealt at random."""
    g = len(sizes)
    pool: list[str] = []
    for role, count in targets.roles:
        if role == targets.pi_role:
            if count < g:
                raise ReconstructionError(
                    f"{count} {role} cannot give each of the {g} groups one"
                )
            pool.extend([role] * (count - g))
        else:
            pool.extend([role] * count)
    if targets.roles and len(pool) + (g if targets.pi_role else 0) != sum(sizes):
        raise ReconstructionError(
            f"the role counts sum to {len(pool) + g}, not to the {sum(sizes)} participants"
        )
    pool = [pool[i] for i in rng.permutation(len(pool))] if pool else []
    rows = []
    pid = 0
    for gi, size in enumerate(sizes):
        members = [targets.pi_role] if targets.pi_role else []
        while len(members) < size:
            members.append(pool.pop() if pool else "participant")
        for role in members:
            pid += 1
            rows.append((f"P{pid:03d}", _group_id(gi), role))
    return pd.DataFrame(rows, columns=["participant_id", "focus_group", "role"])


def _group_id(gi: int) -> str:
    return f"FG{gi + 1:02d}"


# --- step 1: code occurrences ----------------------------------------------------------------


def _allocate_codes(
    targets: Targets, sizes: Sequence[int], rng: np.random.Generator
) -> dict[tuple[int, int, str, str], int]:
    """Spread each theme's code occurrences over (question, group, theme, subtheme) cells."""
    G = targets.n_groups
    qs = list(targets.questions)
    cells: Counter[tuple[int, int, str, str]] = Counter()
    rep_sum = {q: sum(p for _, p in targets.reported.get(q, ())) for q in qs}
    n_unrep = {q: len(targets.themes) - len(targets.reported.get(q, ())) for q in qs}

    def load(q: int) -> np.ndarray:
        counts = np.zeros(G)
        for (qq, g, _, _), n in cells.items():
            if qq == q:
                counts[g] += n
        return counts

    for theme in targets.themes:
        budget = int(targets.theme_codes[theme])
        rep_q = {q: dict(targets.reported[q])[theme] for q in qs if theme in targets.reported_themes(q)}
        listed = {s for q in rep_q for s in targets.tables[(q, theme)]}
        untabled = [s for s in targets.subthemes_of(theme, extra=False) if s not in listed]
        free_q = [q for q in qs if q not in rep_q]
        mandatory: list[tuple[int, int, str]] = []

        # (a) the questions that report the theme: every listed subtheme, in enough groups
        presence: dict[int, list[int]] = {}
        wish = {
            q: min(G, max(groups_needed(p, G), math.ceil(4 * p * G / 100)))
            for q, p in rep_q.items()
        }
        need = {q: max(len(targets.tables[(q, theme)]), groups_needed(p, G)) for q, p in rep_q.items()}
        spare = budget - sum(need.values()) - len(untabled)
        for q in sorted(rep_q, key=lambda q: -rep_q[q]):
            subs = list(targets.tables[(q, theme)])
            k = groups_needed(rep_q[q], G)
            extra_groups = min(max(0, wish[q] - max(k, len(subs))), max(0, spare))
            n_q = max(len(subs), k) + extra_groups
            spare -= extra_groups
            k_present = min(G, n_q, max(wish[q], k))
            groups = [int(x) for x in rng.permutation(G)[:k_present]]
            presence[q] = groups
            picks = subs + [subs[int(rng.integers(len(subs)))] for _ in range(n_q - len(subs))]
            picks = [picks[i] for i in rng.permutation(len(picks))]
            for i, sub in enumerate(picks):
                g = groups[i] if i < len(groups) else groups[int(rng.integers(len(groups)))]
                mandatory.append((q, g, sub))

        # (b) untabled subthemes: once each, in a question that does not report the theme
        if untabled and not free_q:
            raise ReconstructionError(f"{theme} is reported in every question; nowhere for its "
                                      f"{len(untabled)} untabled subthemes")
        room = np.array([(100 - rep_sum[q]) / max(1, n_unrep[q]) for q in free_q])
        for sub in untabled:
            q = free_q[int(rng.choice(len(free_q), p=room / room.sum()))]
            counts = load(q)
            g = int(rng.choice(np.flatnonzero(counts == counts.min())))
            mandatory.append((q, g, sub))

        for q, g, sub in mandatory:
            cells[(q, g, theme, sub)] += 1
        free = budget - len(mandatory)
        if free < 0:
            raise ReconstructionError(
                f"{theme}: {budget} codes, {len(mandatory)} needed by its tables and subthemes"
            )

        # (c) the rest, weighted by the published shares
        weights = np.array(
            [
                rep_q[q] / 100 if q in rep_q else (100 - rep_sum[q]) / 100 / max(1, n_unrep[q])
                for q in qs
            ]
        )
        weights = weights / weights.sum()
        all_subs = targets.subthemes_of(theme, extra=False)
        for _ in range(free):
            q = qs[int(rng.choice(len(qs), p=weights))]
            if q in rep_q:
                subs = list(targets.tables[(q, theme)])
                g = presence[q][int(rng.integers(len(presence[q])))]
            else:
                subs = all_subs
                counts = load(q)
                w = 1.0 / (1.0 + counts)
                g = int(rng.choice(G, p=w / w.sum()))
            sub = subs[int(rng.integers(len(subs)))]
            cells[(q, g, theme, sub)] += 1

    # every group answers every question: give an empty (question, group) a code moved from a
    # cell of an unreported theme in that question that has more than one
    for q in qs:
        counts = load(q)
        for empty in np.flatnonzero(counts == 0):
            donors = [
                key for key, n in sorted(cells.items())
                if key[0] == q and n > 1 and key[2] not in targets.reported_themes(q)
            ]
            if not donors:  # borrow from another question, a theme not reported here
                donors = sorted(
                    key for key, n in cells.items()
                    if key[0] != q and n >= 2 and key[2] not in targets.reported_themes(q)
                )
            if not donors:
                raise ReconstructionError(f"question {q}: no code left for group {empty + 1}")
            donor = donors[int(rng.integers(len(donors)))]
            cells[donor] -= 1
            cells[(q, int(empty), donor[2], donor[3])] += 1
    _repair_pure_groups(targets, cells, rng)
    for (q, g, _theme, _sub), n in cells.items():
        if n > sizes[g]:
            raise ReconstructionError(
                f"question {q}, group {g + 1}: {n} occurrences of one code but {sizes[g]} members"
            )
    return {k: n for k, n in cells.items() if n > 0}


def _repair_pure_groups(
    targets: Targets, cells: Counter[tuple[int, int, str, str]], rng: np.random.Generator
) -> None:
    """Mix the groups' themes where the per-question search needs it.

    A group with codes of one theme only gives that theme 100% in that group, so ``k`` such
    groups hold the theme's mean at or above ``100 k / G``. Where that passes the theme's target
    (reported) or the smallest reported mean (other themes), a code of another theme is moved
    into the group from a cell that has two or more of it: of the same question if there is one,
    else of another question, for a theme not reported here (subthemes stay covered and the
    tables' constraints still hold). Likewise a group holding reported themes only gets a code
    of an unreported theme until enough groups have one (:func:`mixed_needed`): it is the
    unreported themes that let the reported means be tuned.
    """
    G = targets.n_groups

    def mixed_needed(q: int) -> int:
        # groups holding at least one unreported theme: every group where the unreported themes
        # share a third or more, else a few (they give the search room to fine-tune)
        rest = 100 - sum(p for _, p in targets.reported.get(q, ()))
        return G if rest >= 30 else min(G, 4)

    for q in targets.questions:
        pct = dict(targets.reported.get(q, ()))
        if not pct:
            continue
        ceiling = min(pct.values()) - _MARGIN
        for _ in range(10 * G):
            themes_of: dict[int, set[str]] = defaultdict(set)
            for (qq, g, theme, _), n in cells.items():
                if qq == q and n > 0:
                    themes_of[g].add(theme)
            pure: Counter[str] = Counter()
            for ts in themes_of.values():
                if len(ts) == 1:
                    pure[next(iter(ts))] += 1
            bad = [
                t for t, k in sorted(pure.items())
                if 100 * k / G >= (pct[t] if t in pct else ceiling)
            ]
            unmixed = sorted(g for g, ts in themes_of.items() if ts <= set(pct))
            if bad:
                theme = bad[0]
                groups = sorted(g for g, ts in themes_of.items() if ts == {theme})
            elif G - len(unmixed) < mixed_needed(q):
                theme = ""
                groups = unmixed
            else:
                break
            g = groups[int(rng.integers(len(groups)))]
            donors = sorted(
                k for k, n in cells.items()
                if k[0] == q and k[1] != g and k[2] != theme and n >= 2
                and (theme or k[2] not in pct)
            )
            if not donors:  # borrow from another question, where the theme is not reported here
                donors = sorted(
                    k for k, n in cells.items()
                    if k[0] != q and k[2] != theme and k[2] not in pct and n >= 2
                )
            if not donors:  # borrow from another question, a theme not reported here
                donors = sorted(
                    k for k, n in cells.items()
                    if k[0] != q and k[2] != theme and k[2] not in pct and n >= 2
                )
            if not donors:
                raise ReconstructionError(
                    f"question {q}: no code to move into group {g + 1} to mix its themes"
                )
            k = donors[int(rng.integers(len(donors)))]
            cells[k] -= 1
            cells[(q, g, k[2], k[3])] += 1
        else:
            raise ReconstructionError(f"question {q}: could not mix the groups' themes")


# --- step 2: paragraphs ----------------------------------------------------------------------


def _question_totals(targets: Targets, codes_per_q: Mapping[int, int]) -> dict[int, int]:
    """Paragraphs per question, in proportion to its code occurrences (largest remainder)."""
    qs = list(targets.questions)
    total_codes = sum(codes_per_q.values())
    raw = np.array([targets.n_paragraphs * codes_per_q[q] / total_codes for q in qs])
    base = np.floor(raw).astype(int)
    base = np.maximum(base, [codes_per_q[q] for q in qs])
    left = targets.n_paragraphs - int(base.sum())
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    while left > 0:
        base[order[i % len(qs)]] += 1
        left -= 1
        i += 1
    if left < 0:
        raise ReconstructionError("more code occurrences than paragraphs")
    return {q: int(b) for q, b in zip(qs, base, strict=True)}


def _rebalance(sizes: Mapping[int, int], minimum: Mapping[int, int], total: int) -> dict[int, int]:
    """Spread the difference to ``total`` over the questions one paragraph at a time (largest
    first), never below a question's ``minimum``."""
    final = dict(sizes)
    order = sorted(final, key=lambda q: (-final[q], q))
    diff = total - sum(final.values())
    step = 1 if diff > 0 else -1
    stuck = 0
    i = 0
    while diff != 0:
        q = order[i % len(order)]
        i += 1
        if step > 0 or final[q] - 1 >= minimum[q]:
            final[q] += step
            diff -= step
            stuck = 0
        else:
            stuck += 1
            if stuck > len(order):
                raise ReconstructionError("more code occurrences than paragraphs")
    return final


def _polish(
    par: np.ndarray,
    codes: np.ndarray,
    targets_pct: np.ndarray,
    rep: np.ndarray,
    ceiling: float,
    max_step: int = 8,
) -> np.ndarray | None:
    """Bring each reported mean within :data:`_TOLERANCE` of its target, exactly.

    With every group's paragraph count held fixed, a reported theme's mean is linear in its
    paragraph counts: moving ``k`` paragraphs of group ``g`` into the theme from other themes of
    the group adds ``k * 100 / (G n_g)``. Different group sizes make sums of such steps
    fine-grained, so for each reported theme a meet-in-the-middle enumeration over the groups
    (``|k| <= max_step``) finds the smallest change that lands inside the window. The theme
    trades paragraphs with the group's unreported themes and with the reported themes fixed
    after it; the orders of the reported themes are tried in turn. Unreported themes must stay
    under ``ceiling``.

    Returns the polished counts, or None when no order works.
    """
    from itertools import permutations

    reported = [int(x) for x in np.flatnonzero(rep)]
    for order in permutations(reported):
        result = _polish_order(par, codes, targets_pct, rep, ceiling, list(order), max_step)
        if result is not None:
            return result
    return None


def _step_table(
    lo: Sequence[int], hi: Sequence[int], units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every step vector ``k`` with ``lo <= k <= hi`` (one entry per group) and its sum
    ``k @ units``."""
    ks = np.zeros((1, 0), dtype=int)
    for a, b in zip(lo, hi, strict=True):
        steps = np.arange(a, b + 1)
        ks = np.hstack([np.repeat(ks, len(steps), axis=0), np.tile(steps, len(ks))[:, None]])
    sums = ks @ units if len(units) else np.zeros(1)
    return ks, sums


def _polish_order(
    par: np.ndarray,
    codes: np.ndarray,
    targets_pct: np.ndarray,
    rep: np.ndarray,
    ceiling: float,
    order: list[int],
    max_step: int,
) -> np.ndarray | None:
    par = par.copy()
    G, T = par.shape
    n = par.sum(1).astype(float)
    unit = 100.0 / (G * n)
    for pos, x in enumerate(order):
        err = 100 * float((par[:, x] / n).mean()) - targets_pct[x]
        if abs(err) <= _TOLERANCE - 1e-4:
            continue
        later = set(order[pos + 1:])
        groups, lo, hi, pools = [], [], [], []
        for g in range(G):
            if par[g, x] == 0:
                continue
            pool = [u for u in range(T) if u != x and codes[g, u] > 0 and (not rep[u] or u in later)]
            if not pool:
                continue
            room = int(sum(par[g, u] - codes[g, u] for u in pool))
            groups.append(g)
            pools.append(pool)
            lo.append(-min(max_step, int(par[g, x] - codes[g, x])))
            hi.append(min(max_step, room))
        if not groups:
            return None
        half = len(groups) // 2
        while max(
            math.prod(b - a + 1 for a, b in zip(lo[:half], hi[:half], strict=True)),
            math.prod(b - a + 1 for a, b in zip(lo[half:], hi[half:], strict=True)),
        ) > 200_000:
            lo = [min(0, a + 1) for a in lo]
            hi = [max(0, b - 1) for b in hi]
        units = unit[groups]
        k1, s1 = _step_table(lo[:half], hi[:half], units[:half])
        k2, s2 = _step_table(lo[half:], hi[half:], units[half:])
        srt = np.argsort(s2, kind="stable")
        s2, k2 = s2[srt], k2[srt]
        want = -err - s1
        if len(s2) == 1:
            cand = np.zeros(len(s1), dtype=int)
        else:
            at = np.clip(np.searchsorted(s2, want), 1, len(s2) - 1)
            cand = np.where(np.abs(s2[at - 1] - want) < np.abs(s2[at] - want), at - 1, at)
        ok = np.abs(s2[cand] - want) <= _TOLERANCE - 1e-4
        if not ok.any():
            return None
        effort = np.abs(k1).sum(1) + np.abs(k2[cand]).sum(1)
        effort = np.where(ok, effort, np.iinfo(np.int64).max)
        best = int(np.argmin(effort))
        ks = np.concatenate([k1[best], k2[cand[best]]])
        for g, k, pool in zip(groups, ks, pools, strict=True):
            par[g, x] += k
            for _ in range(abs(int(k))):
                if k > 0:  # take from the pool cell with most room, unreported first
                    u = max(pool, key=lambda u: (par[g, u] > codes[g, u], not rep[u], par[g, u] - codes[g, u], -u))
                    par[g, u] -= 1
                else:  # give to the unreported theme with the lowest mean, else a later one
                    means = (par / n[:, None]).mean(0)
                    u = min(pool, key=lambda u: (bool(rep[u]), means[u], u))
                    par[g, u] += 1
    means = 100 * (par / n[:, None]).mean(0)
    if np.any(np.abs(means - targets_pct)[rep] > _TOLERANCE) or np.any(means[~rep] > ceiling):
        return None
    return par


def _search_paragraphs(
    codes: np.ndarray,
    targets_pct: np.ndarray,
    rep: np.ndarray,
    rng: np.random.Generator,
    *,
    total: int,
    exact: bool,
    start: np.ndarray | None = None,
    max_iter: int = 3000,
) -> np.ndarray | None:
    """Paragraph counts for one question by iterated steepest descent.

    ``codes`` (groups x themes) holds the code occurrences; every cell with codes keeps at least
    that many paragraphs and cells without codes stay empty. A move takes one paragraph from a
    cell and gives it to another cell (of the same or another group), or adds or removes one;
    each step evaluates every move at once and takes the best, and a few random moves shake the
    counts when none improves. The cost is the distance of each reported mean from its target
    beyond :data:`_TOLERANCE`, plus how far any other theme rises above the smallest reported
    mean minus :data:`_MARGIN`, plus the distance of the question's paragraph count from
    ``total`` (weighted 1 per paragraph when ``exact``, else lightly, as a preference). The
    search stops when the shares are met (and, when ``exact``, the total too).

    Returns None when it does not converge (the caller restarts it).
    """
    G, T = codes.shape
    active = codes > 0
    ceiling = float(targets_pct[rep].min()) - _MARGIN
    ag, at = np.nonzero(active)
    A = len(ag)
    if start is None:
        par = codes.copy()
        extra = max(0, total - int(codes.sum()))
        w = np.where(rep[at], 6.0, 1.0)
        np.add.at(par, (ag, at), rng.multinomial(extra, w / w.sum()))
    else:
        par = start.copy()
    lam = 1.0 if exact else 0.002
    E = np.eye(T)[at]  # (A, T) unit vector of each active cell's theme
    same = ag[:, None] == ag[None, :]
    diag = np.eye(A, dtype=bool)

    def share_cost(means: np.ndarray) -> np.ndarray:
        err = np.abs(means - targets_pct) - _TOLERANCE
        cost: np.ndarray = np.where(rep, np.maximum(err, 0), np.maximum(means - ceiling, 0)).sum(-1)
        return cost

    def random_move() -> None:
        for _ in range(50):
            i, j = rng.integers(A, size=2)
            if i != j and par[ag[i], at[i]] > codes[ag[i], at[i]]:
                par[ag[i], at[i]] -= 1
                par[ag[j], at[j]] += 1
                return

    best_par, best_cost = par.copy(), np.inf
    for _ in range(max_iter):
        n = par.sum(1).astype(float)
        shares = par / n[:, None]
        means = 100 * shares.mean(0)
        size = int(par.sum())
        s_cost = float(share_cost(means))
        if s_cost == 0.0 and (not exact or size == total):
            return par
        cost = s_cost + lam * abs(size - total)
        rows = par[ag].astype(float)
        ng = n[ag][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            d_remove = (rows - E) / (ng - 1) - shares[ag]
        d_add = (rows + E) / (ng + 1) - shares[ag]
        cross = d_remove[:, None, :] + d_add[None, :, :]
        within = (E[None, :, :] - E[:, None, :]) / ng[:, :, None]
        delta = np.where(same[:, :, None], within, cross)
        removable = par[ag, at] > codes[ag, at]
        move_cost = share_cost(means + 100 * delta / G) + lam * abs(size - total)
        move_cost = np.where(removable[:, None] & ~diag, move_cost, np.inf)
        add_cost = share_cost(means + 100 * d_add / G) + lam * abs(size + 1 - total)
        rem_cost = share_cost(means + 100 * np.nan_to_num(d_remove) / G) + lam * abs(size - 1 - total)
        rem_cost = np.where(removable, rem_cost, np.inf)
        best = [float(move_cost.min()), float(add_cost.min()), float(rem_cost.min())]
        kind = int(np.argmin(best))
        if best[kind] < cost - 1e-12:
            if kind == 0:
                i, j = divmod(int(np.argmin(move_cost)), A)
                par[ag[i], at[i]] -= 1
                par[ag[j], at[j]] += 1
            elif kind == 1:
                j = int(np.argmin(add_cost))
                par[ag[j], at[j]] += 1
            else:
                i = int(np.argmin(rem_cost))
                par[ag[i], at[i]] -= 1
            continue
        # a local minimum: try the exact polish, remember the best one, go back to it now and
        # then, and kick
        if cost < best_cost and s_cost < 3.0 and (not exact or size == total):
            polished = _polish(par, codes, targets_pct, rep, ceiling)
            if polished is not None:
                return polished
        if cost < best_cost:
            best_par, best_cost = par.copy(), cost
        elif rng.random() < 0.3:
            par = best_par.copy()
        for _ in range(int(rng.integers(1, 4))):
            random_move()
    return None


# --- step 3: participants, segments, quotations ----------------------------------------------


def _build_segments(
    targets: Targets,
    cells: Mapping[tuple[int, int, str, str], int],
    paragraphs: Mapping[tuple[int, int, str], int],
    roster: pd.DataFrame,
    code_ids: Mapping[tuple[str, str], str],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows of coded_segments: one paragraph, one code; quotations placed as ``text``."""
    G = targets.n_groups
    members = {
        g: list(roster.loc[roster["focus_group"] == _group_id(g), "participant_id"]) for g in range(G)
    }
    # occurrences per group, in a random order; participants dealt so everyone speaks
    occurrences: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for (q, g, theme, sub), n in sorted(cells.items()):
        occurrences[g].extend([(q, theme, sub)] * n)
    occ_of: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    occ_list: list[tuple[int, int, str, str, str]] = []  # g, q, theme, sub, participant
    for g in range(G):
        occs = occurrences[g]
        order = rng.permutation(len(occs))
        deck: list[str] = []
        used: set[tuple[int, str, str]] = set()  # (q, code, participant)
        for i in order:
            q, theme, sub = occs[int(i)]
            code = code_ids[(theme, sub)]
            if not deck:
                deck = [members[g][int(k)] for k in rng.permutation(len(members[g]))]
            pick = next((p for p in deck if (q, code, p) not in used), None)
            if pick is None:
                pick = next(
                    (members[g][int(k)] for k in rng.permutation(len(members[g]))
                     if (q, code, members[g][int(k)]) not in used),
                    None,
                )
                if pick is None:
                    raise ReconstructionError(f"group {g + 1}: too few members for code {code}")
            else:
                deck.remove(pick)
            used.add((q, code, pick))
            occ_of[(q, g, theme)].append(len(occ_list))
            occ_list.append((g, q, theme, sub, pick))
    # paragraphs: each occurrence one, the rest repeat random occurrences of the cell
    per_occ = np.ones(len(occ_list), dtype=int)
    for (q, g, theme), idxs in sorted(occ_of.items()):
        extra = paragraphs[(q, g, theme)] - len(idxs)
        if extra < 0:
            raise ReconstructionError(f"question {q}, group {g + 1}, {theme}: fewer paragraphs than codes")
        if extra:
            for k in rng.integers(len(idxs), size=extra):
                per_occ[idxs[int(k)]] += 1
    para: list[tuple[int, int, str, str, str, str]] = []  # g, q, participant, code, theme, sub
    for (g, q, theme, sub, pid), n in zip(occ_list, per_occ, strict=True):
        para.extend([(g, q, pid, code_ids[(theme, sub)], theme, sub)] * int(n))
    frame = pd.DataFrame(para, columns=["g", "question", "participant_id", "code_id", "theme", "subtheme"])
    frame["_r"] = rng.random(len(frame))
    frame = frame.sort_values(["g", "question", "_r"], kind="stable").reset_index(drop=True)
    frame["segment_id"] = [f"S{i + 1:04d}" for i in range(len(frame))]
    frame["focus_group"] = frame["g"].map(_group_id)
    frame["text"] = ""
    taken: set[int] = set()
    for q, theme, sub, text in targets.quotations:
        hits = frame.index[
            (frame["question"] == q) & (frame["theme"] == theme) & (frame["subtheme"] == sub)
        ]
        hits = [h for h in hits if h not in taken]
        if not hits:
            raise ReconstructionError(f"no paragraph for the quotation of question {q}, {theme}: {sub}")
        h = hits[int(rng.integers(len(hits)))]
        taken.add(h)
        frame.loc[h, "text"] = text
    cols = ["segment_id", "focus_group", "question", "participant_id", "code_id", "text"]
    return frame[cols]


# --- the codebook ----------------------------------------------------------------------------

_STOP = {"and", "of", "with", "up", "the", "in", "to", "for"}


def _abbreviation(theme: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", theme) if w and w.lower() not in _STOP]
    if len(words) == 1:
        return words[0][:2].upper()
    return "".join(w[0] for w in words)[:3].upper()


def _codebook(targets: Targets) -> pd.DataFrame:
    """One code per (theme, subtheme): ``RE-S01`` (success), ``RE-C01`` (challenge),
    ``HID-X01`` (a subtheme only a table prints), numbered within the theme in codebook order."""
    abbr = {t: _abbreviation(t) for t in targets.themes}
    if len(set(abbr.values())) < len(abbr):
        abbr = {t: f"T{i + 1:02d}" for i, t in enumerate(targets.themes)}
    counters: Counter[tuple[str, str]] = Counter()
    rows = []
    for theme, sub, valence, extra in targets.subthemes:
        letter = "X" if extra else ("S" if valence == "success" else "C")
        counters[(theme, letter)] += 1
        rows.append(
            {
                "code_id": f"{abbr[theme]}-{letter}{counters[(theme, letter)]:02d}",
                "subtheme": sub,
                "theme": theme,
                "valence": valence,
                "extra": "True" if extra else "False",
            }
        )
    return pd.DataFrame(rows)


# --- the whole reconstruction ----------------------------------------------------------------


def _attempt(
    targets: Targets, rng: np.random.Generator, say: Say
) -> tuple[CodedData, dict[str, Any]]:

    sizes = _group_sizes(targets, rng)
    roster = _participants(targets, sizes, rng)
    cells = _allocate_codes(targets, sizes, rng)
    codes_per_q: Counter[int] = Counter()
    for (q, _, _, _), n in cells.items():
        codes_per_q[q] += n
    totals = _question_totals(targets, codes_per_q)
    say(f"  codes per question: {', '.join(f'Q{q} {codes_per_q[q]}' for q in targets.questions)}")
    themes = list(targets.themes)
    problems: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for q in targets.questions:
        codes = np.zeros((targets.n_groups, len(themes)), dtype=int)
        for (qq, g, theme, _), n in cells.items():
            if qq == q:
                codes[g, themes.index(theme)] += n
        pct = dict(targets.reported.get(q, ()))
        problems[q] = (
            codes,
            np.array([pct.get(t, 0.0) for t in themes]),
            np.array([t in pct for t in themes]),
        )

    def solve(q: int, total: int, exact: bool, start: np.ndarray | None) -> np.ndarray:
        codes, target_pct, rep = problems[q]
        for _restart in range(6):
            found = _search_paragraphs(
                codes, target_pct, rep, rng, total=total, exact=exact, start=start
            )
            if found is not None:
                return found
            start = None
        raise ReconstructionError(
            f"question {q}: the paragraph search did not reach the published percentages"
        )

    # (a) each question on its own, its paragraph count only a preference
    found = {q: solve(q, totals[q], False, None) for q in targets.questions}
    # (b) the counts made to add up to the published total, starting from (a)
    sizes_q = {q: int(f.sum()) for q, f in found.items()}
    final = _rebalance(sizes_q, codes_per_q, targets.n_paragraphs)
    for q in targets.questions:
        if final[q] != sizes_q[q]:
            found[q] = solve(q, final[q], True, found[q])
        say(f"  question {q}: {final[q]} paragraphs, published percentages met")
    paragraphs: dict[tuple[int, int, str], int] = {}
    for q, par in found.items():
        for g, t in np.argwhere(par > 0):
            paragraphs[(q, int(g), themes[int(t)])] = int(par[g, t])
    book = _codebook(targets)
    code_ids = {(t, s): c for t, s, c in zip(book["theme"], book["subtheme"], book["code_id"], strict=True)}
    segments = _build_segments(targets, cells, paragraphs, roster, code_ids, rng)
    data = CodedData.from_frames(segments, book, roster)
    return data, {"sizes": sizes, "codes_per_question": dict(codes_per_q), "totals": totals}


def _verify(data: CodedData, targets: Targets) -> list[str]:
    """Every target checked through :mod:`synth.analysis`; returns the failures (empty: all met)."""
    from . import analysis

    res = analysis.analyse(data, unit="paragraph")
    problems: list[str] = []
    seg = data.segments
    if seg["segment_id"].nunique() != targets.n_paragraphs:
        problems.append(f"{seg['segment_id'].nunique()} paragraphs, not {targets.n_paragraphs}")
    codes = res.themes.set_index("theme")["codes"]
    for theme in targets.themes:
        if int(codes.get(theme, 0)) != targets.theme_codes[theme]:
            problems.append(f"{theme}: {codes.get(theme, 0)} codes, not {targets.theme_codes[theme]}")
    shares = res.shares.set_index(["question", "theme"])["mean_pct"]
    selected = res.selected
    for q, rows in targets.reported.items():
        for theme, pct in rows:
            got = float(shares.loc[(q, theme)])
            if round(got, 2) != round(pct, 2):
                problems.append(f"question {q}, {theme}: {got:.4f}%, not {pct:.2f}%")
        chosen = set(selected.loc[selected["question"] == q, "theme"])
        if chosen != {t for t, _ in rows}:
            problems.append(f"question {q}: the 50% rule selects {sorted(chosen)}")
    coded = data.coded()
    used = coded[["theme", "subtheme"]].drop_duplicates()
    if len(used) != len(targets.subthemes):
        problems.append(f"{len(used)} subthemes used, not {len(targets.subthemes)}")
    for (q, theme), subs in targets.tables.items():
        used_subs = set(coded.loc[(coded["question"] == q) & (coded["theme"] == theme), "subtheme"])
        if used_subs != set(subs):
            problems.append(
                f"question {q}, {theme}: subthemes {sorted(used_subs ^ set(subs))} differ"
            )
    texts = seg.loc[seg["text"] != "", "text"]
    if len(texts) != len(targets.quotations):
        problems.append(f"{len(texts)} quoted paragraphs, not {len(targets.quotations)}")
    return problems


def reconstruct(
    published: Published | None = None,
    *,
    seed: int = DEFAULT_SEED,
    say: Say | None = None,
) -> CodedData:
    """Build the reconstructed coded dataset.

    Parameters
    ----------
    published
        The published record (default: :func:`synth.published.load_published`).
    seed
        Seed of the numpy random generator; the same seed gives the same dataset.
    say
        Progress callback (one line per step).

    Returns
    -------
    synth.io.CodedData
        Segments, codebook (with an ``extra`` column flagging table-only subthemes) and the
        participants roster, validated.

    Raises
    ------
    ReconstructionError
        A theme's budget is short, or no attempt met every target.

    Examples
    --------
    >>> rebuilt = reconstruct(seed=135)
    >>> rebuilt.segments["segment_id"].nunique()
    977
    >>> rebuilt.segments.equals(data.segments)  # the shipped dataset
    True
    """
    say = say or _quiet
    targets = targets_from_published(published)
    _check_budget(targets)
    say(f"reconstructing with seed {seed}: {targets.n_codes} codes, {targets.n_paragraphs} paragraphs")
    rng = np.random.default_rng(seed)
    last: list[str] = []
    for attempt in range(1, _MAX_ATTEMPTS + 1):
        try:
            data, _info = _attempt(targets, rng, say)
        except ReconstructionError as exc:
            say(f"  attempt {attempt}: {exc}; trying again")
            last = [str(exc)]
            continue
        problems = _verify(data, targets)
        if not problems:
            say(f"  all targets met (attempt {attempt})")
            return data
        last = problems
        say(f"  attempt {attempt}: {len(problems)} target(s) missed, e.g. {problems[0]}; trying again")
    raise ReconstructionError(
        f"no reconstruction met every target in {_MAX_ATTEMPTS} attempts; last: {last[0]}"
    )
