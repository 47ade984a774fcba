"""Numerical machinery of :mod:`synth.stats` that works on plain arrays.

Nothing here knows about coded data: t intervals, the vectorised cluster bootstrap, the chi-square
statistic of a stack of tables and the vectorised within-group permutation of labels. The public
names are re-exported by :mod:`synth.stats`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "t_interval",
    "cluster_bootstrap",
    "chi_square_statistic",
    "permute_within",
    "as_generator",
]


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return ``seed`` if it is a Generator, else ``numpy.random.default_rng(seed)``."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def t_interval(values: ArrayLike, *, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t-based confidence interval for a mean, via statsmodels ``DescrStatsW``.

    Parameters
    ----------
    values
        One value per independent unit (here: per focus group).
    level
        Confidence level, between 0 and 1.

    Returns
    -------
    tuple of float
        ``(low, high)`` = mean -/+ t_{n-1, (1+level)/2} * SD / sqrt(n). ``(nan, nan)`` with fewer
        than two values; ``(mean, mean)`` when all values are equal.

    Raises
    ------
    ValueError
        When ``level`` is not strictly between 0 and 1.

    Examples
    --------
    >>> low, high = t_interval([1.0, 2.0, 3.0])
    >>> round(low, 4), round(high, 4)   # 2 -/+ 4.3027 * 1 / sqrt(3)
    (-0.4841, 4.4841)
    """
    from statsmodels.stats.weightstats import DescrStatsW

    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size < 2:
        return float("nan"), float("nan")
    if np.ptp(arr) == 0:
        return float(arr[0]), float(arr[0])
    low, high = DescrStatsW(arr).tconfint_mean(alpha=1 - level)
    return float(low), float(high)


def cluster_bootstrap(
    values: ArrayLike,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals for column means by resampling rows (clusters) with replacement.

    All replicates are drawn at once: an ``n_boot x n_clusters`` matrix of row indices, then one
    fancy-indexed mean; there is no Python loop over replicates.

    Parameters
    ----------
    values
        ``n_clusters x k`` array (a 1-D array is one column): one row per focus group, one column
        per quantity whose mean is wanted (for example the twelve themes' percentages).
    n_boot
        Number of bootstrap replicates (at least 1).
    level
        Confidence level of the percentile interval.
    seed
        Seed or :class:`numpy.random.Generator`; the same seed gives the same interval.

    Returns
    -------
    tuple of numpy.ndarray
        ``(low, high)``, each of length ``k``: the ``(1-level)/2`` and ``(1+level)/2`` quantiles
        of the replicate means. NaN where there are fewer than two clusters.

    Raises
    ------
    ValueError
        When ``n_boot < 1`` or ``level`` is not strictly between 0 and 1.

    Examples
    --------
    >>> low, high = cluster_bootstrap([[0.0], [10.0]], n_boot=4000, seed=1)
    >>> float(low[0]), float(high[0])
    (0.0, 10.0)
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    n, k = arr.shape
    if n < 2:
        nan = np.full(k, np.nan)
        return nan, nan.copy()
    rng = as_generator(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    means = arr[idx].mean(axis=1)  # n_boot x k
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail], axis=0)
    return low, high


def chi_square_statistic(tables: ArrayLike, expected: ArrayLike) -> np.ndarray:
    """Pearson's X^2 = sum (O - E)^2 / E over the last two axes; cells with E = 0 are skipped.

    Parameters
    ----------
    tables
        Observed counts, shape ``(..., r, c)``.
    expected
        Expected counts, shape ``(r, c)``.

    Returns
    -------
    numpy.ndarray
        One statistic per leading index.

    Examples
    --------
    >>> float(chi_square_statistic([[10, 20], [30, 40]], [[12, 18], [28, 42]]) * 63)
    50.0
    """
    obs = np.asarray(tables, dtype=float)
    exp = np.asarray(expected, dtype=float)
    keep = exp > 0
    safe = np.where(keep, exp, 1.0)
    statistic: np.ndarray = np.where(keep, (obs - exp) ** 2 / safe, 0.0).sum(axis=(-2, -1))
    return statistic


def permute_within(
    labels: ArrayLike,
    blocks: ArrayLike,
    *,
    n_perm: int,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """``n_perm`` random permutations of ``labels`` that only move labels within each block.

    Vectorised: one random key per replicate and element, offset by the block number, and one
    ``argsort`` along the rows.

    Parameters
    ----------
    labels
        Length-``n`` array (here: the question of each code occurrence).
    blocks
        Length-``n`` array of block identifiers (here: the focus group).
    n_perm
        Number of permutations.
    seed
        Seed or Generator.

    Returns
    -------
    numpy.ndarray
        ``n_perm x n`` array; each row is ``labels`` shuffled within blocks, so every block keeps
        its multiset of labels.

    Examples
    --------
    >>> out = permute_within([1, 2, 3, 4], ["a", "a", "b", "b"], n_perm=3, seed=0)
    >>> sorted(out[0, :2].tolist()), sorted(out[0, 2:].tolist())
    ([1, 2], [3, 4])
    """
    lab = np.asarray(labels)
    block_codes = np.unique(np.asarray(blocks), return_inverse=True)[1].ravel()
    if lab.shape != block_codes.shape:
        raise ValueError("labels and blocks must have the same length")
    rng = as_generator(seed)
    base = np.argsort(block_codes, kind="stable")
    keys = rng.random((n_perm, lab.size)) + block_codes[None, :]
    order = np.argsort(keys, axis=1)
    out = np.empty((n_perm, lab.size), dtype=lab.dtype)
    out[:, base] = lab[order]
    return out
