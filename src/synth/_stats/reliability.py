"""Intercoder reliability: percentage agreement, Cohen's kappa and Krippendorff's alpha.

Private machinery of :mod:`synth.stats`; the public names are re-exported there.

The study itself was coded by one researcher and checked by a second ("coding was checked by the
second researcher"), so the shipped data carry no ``coder`` column. These functions are for an
analyst whose data do carry two coders: they compare the coders paragraph by paragraph, one code at
a time, in the layout of NVivo's Coding Comparison query (where the unit is a character of a
source; here it is a coded paragraph, the study's unit).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._exceptions import DataError

__all__ = ["krippendorff_alpha", "cohen_kappa", "coding_comparison"]

#: Label of the summary row of :func:`coding_comparison`.
ALL_CODES = "(all codes)"


def krippendorff_alpha(reliability_data: ArrayLike) -> float:
    """Krippendorff's alpha for nominal data.

    Parameters
    ----------
    reliability_data
        A coders x units array of category labels (numbers or strings); a missing value is
        ``NaN`` or ``None``. Units coded by fewer than two coders are not pairable and are
        ignored, as Krippendorff prescribes.

    Returns
    -------
    float
        ``1 - D_o / D_e`` computed from the coincidence matrix: 1 is perfect agreement, 0 is
        agreement at chance level. ``NaN`` when fewer than two values are pairable or when every
        pairable value is the same category (no variation, so no expected disagreement).

    Raises
    ------
    ValueError
        When ``reliability_data`` is not two-dimensional.

    Notes
    -----
    With :math:`o_{ck}` the coincidences, :math:`n_c` their marginals and :math:`n` the number of
    pairable values, nominal alpha is
    :math:`1 - (n - 1) \\sum_{c \\ne k} o_{ck} / \\sum_{c \\ne k} n_c n_k`
    (Krippendorff, *Computing Krippendorff's Alpha-Reliability*, 2011).

    Examples
    --------
    Krippendorff's (2011) first example, two observers and ten units, has alpha = 0.095:

    >>> a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    >>> round(krippendorff_alpha([a, b]), 3)
    0.095
    """
    frame = pd.DataFrame(np.asarray(reliability_data, dtype=object))
    if frame.ndim != 2 or np.asarray(reliability_data, dtype=object).ndim != 2:
        raise ValueError("reliability_data must be a coders x units array")
    long = frame.T.stack(future_stack=True).dropna()
    long = long.reset_index()
    long.columns = ["unit", "coder", "value"]
    m_u = long.groupby("unit")["value"].transform("size")
    long = long[m_u >= 2]
    if len(long) < 2:
        return float("nan")
    codes, cats = pd.factorize(long["value"], sort=True)
    units = pd.factorize(long["unit"])[0]
    n_units, n_cats = units.max() + 1, len(cats)
    counts = np.zeros((n_units, n_cats))
    np.add.at(counts, (units, codes), 1.0)
    m = counts.sum(axis=1)
    # coincidences: o_ck = sum_u n_uc (n_uk - [c == k]) / (m_u - 1)
    coinc = np.einsum("uc,uk->ck", counts / (m - 1)[:, None], counts)
    coinc -= np.diag((counts / (m - 1)[:, None]).sum(axis=0))
    n_c = coinc.sum(axis=1)
    n = n_c.sum()
    observed = coinc.sum() - np.trace(coinc)
    expected = n_c.sum() ** 2 - (n_c**2).sum()
    if expected == 0:
        return float("nan")
    return float(1.0 - (n - 1) * observed / expected)


def cohen_kappa(table: ArrayLike) -> float:
    """Cohen's kappa of a square agreement table, through statsmodels.

    Parameters
    ----------
    table
        A k x k table of counts: rows coder A's category, columns coder B's.

    Returns
    -------
    float
        Cohen's (unweighted) kappa. When both coders put every unit in the same single category
        the chance agreement is 1 and kappa is 0/0; it is then reported as 1, as NVivo's Coding
        Comparison does for complete agreement.

    Raises
    ------
    ValueError
        When the table is not square, is empty or has negative counts.

    Examples
    --------
    The textbook example (20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no): observed agreement 0.70,
    chance agreement 0.50, kappa 0.40.

    >>> round(cohen_kappa([[20, 5], [10, 15]]), 10)
    0.4
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.size == 0:
        raise ValueError(f"table must be square and non-empty, got shape {arr.shape}")
    if (arr < 0).any() or arr.sum() <= 0:
        raise ValueError("table must hold non-negative counts with a positive total")
    total = arr.sum()
    p_o = np.trace(arr) / total
    p_e = float((arr.sum(axis=0) * arr.sum(axis=1)).sum() / total**2)
    if np.isclose(p_e, 1.0):
        return 1.0 if np.isclose(p_o, 1.0) else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its variance terms for tiny tables
        return float(cohens_kappa(arr, return_results=False))


def coding_comparison(
    segments: pd.DataFrame,
    *,
    coders: Sequence[str] | None = None,
    codebook: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare two coders paragraph by paragraph, in the form of NVivo's Coding Comparison.

    Every paragraph (``segment_id``) that either coder coded is a unit. For each code that either
    coder applied, each unit is "coded" or "not coded" by coder A and by coder B; the four cells
    of that 2 x 2 table give the percentages NVivo reports, Cohen's kappa and Krippendorff's alpha.

    Parameters
    ----------
    segments
        Coding references with at least ``segment_id``, ``code_id`` and ``coder``; one row per
        coder, paragraph and code (the same paragraph and code may appear once per coder).
    coders
        The two coders to compare, as ``(A, B)``; default the two values of ``coder`` in sorted
        order, which must then be exactly two.
    codebook
        Optional; when given, its ``theme`` and ``subtheme`` are added beside each code.

    Returns
    -------
    pandas.DataFrame
        One row per code, sorted by ``code_id``, then a last row ``code_id == "(all codes)"``:
        ``code_id``, (``theme``, ``subtheme``), ``units``, ``kappa``, ``alpha``,
        ``agreement_pct``, ``a_and_b_pct``, ``not_a_and_not_b_pct``, ``disagreement_pct``,
        ``a_not_b_pct``, ``b_not_a_pct``. In the summary row the percentages pool every code's
        units, ``kappa`` is the mean of the codes' kappas (NVivo's average over codes) and
        ``alpha`` is computed on the pooled code-by-paragraph decisions.

    Raises
    ------
    DataError
        When ``coder`` is missing or empty, when there are not exactly two coders (and
        ``coders`` is not given), or when a named coder has no codings.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1", "S2", "S1", "S3"],
    ...                     "code_id": ["C1", "C1", "C1", "C1"],
    ...                     "coder": ["A", "A", "B", "B"]})
    >>> row = coding_comparison(seg).iloc[0]
    >>> row["code_id"], int(row["units"]), round(float(row["agreement_pct"]), 2)
    ('C1', 3, 33.33)
    """
    missing = [c for c in ("segment_id", "code_id", "coder") if c not in segments.columns]
    if missing:
        raise DataError(
            f"intercoder comparison needs column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, segments.columns))}",
            path="coded_segments",
        )
    seg = segments[["segment_id", "code_id", "coder"]].astype(str)
    empty = (seg["coder"].str.strip() == "").to_numpy()
    if empty.any():
        raise DataError(
            "empty coder", path="coded_segments", column="coder", rows=(np.flatnonzero(empty) + 2)
        )
    present = sorted(seg["coder"].unique())
    if coders is None:
        if len(present) != 2:
            raise DataError(
                f"expected exactly two coders, found {len(present)}: {', '.join(present)}",
                path="coded_segments",
                column="coder",
            )
        coders = present
    if len(coders) != 2:
        raise DataError(f"coders must name two coders, got {len(coders)}", path="coded_segments")
    coder_a, coder_b = (str(c) for c in coders)
    for c in (coder_a, coder_b):
        if c not in present:
            raise DataError(
                f"coder {c!r} has no codings (coders present: {', '.join(present)})",
                path="coded_segments",
                column="coder",
            )
    seg = seg[seg["coder"].isin([coder_a, coder_b])].drop_duplicates()
    units = np.sort(seg["segment_id"].unique())
    codes = np.sort(seg["code_id"].unique())
    n_units = len(units)
    u_idx = np.searchsorted(units, seg["segment_id"].to_numpy())
    c_idx = np.searchsorted(codes, seg["code_id"].to_numpy())
    a = np.zeros((len(codes), n_units), dtype=bool)
    b = np.zeros_like(a)
    is_a = (seg["coder"] == coder_a).to_numpy()
    a[c_idx[is_a], u_idx[is_a]] = True
    b[c_idx[~is_a], u_idx[~is_a]] = True

    def cells(x: np.ndarray, y: np.ndarray) -> tuple[int, int, int, int]:
        return (
            int((x & y).sum()),
            int((x & ~y).sum()),
            int((~x & y).sum()),
            int((~x & ~y).sum()),
        )

    rows = []
    for k, code in enumerate(codes):
        both, a_only, b_only, neither = cells(a[k], b[k])
        rows.append(_comparison_row(str(code), both, a_only, b_only, neither, a[k], b[k]))
    out = pd.DataFrame(rows)
    both, a_only, b_only, neither = cells(a.ravel(), b.ravel())
    summary = _comparison_row(ALL_CODES, both, a_only, b_only, neither, a.ravel(), b.ravel())
    summary["units"] = n_units
    summary["kappa"] = float(out["kappa"].mean())
    out = pd.concat([out, pd.DataFrame([summary])], ignore_index=True)
    if codebook is not None:
        names = codebook.set_index("code_id")[["theme", "subtheme"]]
        out.insert(1, "theme", out["code_id"].map(names["theme"]).fillna(""))
        out.insert(2, "subtheme", out["code_id"].map(names["subtheme"]).fillna(""))
    return out


def _comparison_row(
    code: str, both: int, a_only: int, b_only: int, neither: int, x: np.ndarray, y: np.ndarray
) -> dict[str, object]:
    total = both + a_only + b_only + neither
    pct = 100.0 / total
    return {
        "code_id": code,
        "units": total,
        "kappa": cohen_kappa([[both, a_only], [b_only, neither]]),
        "alpha": krippendorff_alpha(np.vstack([x, y]).astype(int)),
        "agreement_pct": (both + neither) * pct,
        "a_and_b_pct": both * pct,
        "not_a_and_not_b_pct": neither * pct,
        "disagreement_pct": (a_only + b_only) * pct,
        "a_not_b_pct": a_only * pct,
        "b_not_a_pct": b_only * pct,
    }
