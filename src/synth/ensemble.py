"""An ensemble of reconstructions: which bars of the figures the published numbers pin down.

Many coded datasets reproduce every published aggregate;
the shipped one is one of them. Rebuilding the data with other seeds, keeping only the
reconstructions that pass the audit, and taking each bar's minimum and maximum across them shows
which values the paper fixes (zero width: the reported themes' means) and which the reconstruction
chose (the SDs, the other themes' bars).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .io import CodedData

__all__ = ["run_ensemble", "ensemble_ranges", "plot_ensemble_ranges", "ENSEMBLE_COLUMNS"]

#: Columns of the table :func:`run_ensemble` returns (one row per seed, question and theme).
ENSEMBLE_COLUMNS = ("seed", "question", "theme", "mean_pct", "sd_pct", "n_groups", "audit_ok")

#: The paper's precision: a bar is "pinned" when every reconstruction gives the same value at
#: this many decimals.
PINNED_DECIMALS = 2


def _audit_passes(data: CodedData) -> bool:
    """True when :mod:`synth.audit` finds no unexplained mismatch in ``data``."""
    from .audit import audit

    verdicts = audit(data, reconstruction=True)["verdict"].astype(str)
    return not bool(verdicts.isin(["MISMATCH", "unmatched name"]).any())


def _reconstruct(seed: int) -> CodedData:
    """The default builder: :func:`synth.reconstruct.reconstruct` with ``seed``."""
    from .reconstruct import reconstruct

    data: CodedData = reconstruct(seed=seed)
    return data


def _one_seed(
    seed: int,
    unit: str,
    build: Callable[[int], CodedData],
    check: Callable[[CodedData], bool] | None,
) -> pd.DataFrame:
    """Build the dataset for ``seed``, audit it, and return its bars (runs in a worker)."""
    from ._exceptions import ReconstructionError
    from .analysis import question_shares

    try:
        data = build(seed)
    except ReconstructionError:
        # a seed whose search fails is a failed member of the ensemble, not a failed ensemble
        failed = {c: [np.nan] for c in ENSEMBLE_COLUMNS}
        failed.update(seed=[seed], audit_ok=[False])
        return pd.DataFrame(failed)
    ok = bool(check(data)) if check is not None else True
    bars = question_shares(data, unit=unit)  # type: ignore[arg-type]
    bars.insert(0, "seed", seed)
    bars["audit_ok"] = ok
    return bars[list(ENSEMBLE_COLUMNS)]


def run_ensemble(
    seeds: Sequence[int],
    *,
    unit: str = "paragraph",
    jobs: int | None = 2,
    check_audit: bool = True,
    build: Callable[[int], CodedData] | None = None,
    check: Callable[[CodedData], bool] | None = None,
    say: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Reconstruct the dataset once per seed, in parallel, and collect every bar of Figures 1-8.

    Each worker process builds the dataset for one seed (by default
    :func:`synth.reconstruct.reconstruct`), checks it with the audit and computes
    :func:`synth.analysis.question_shares`.

    Parameters
    ----------
    seeds
        The seeds (the issue asks for at least 50).
    unit
        Counting unit of the bars.
    jobs
        Worker processes (``concurrent.futures.ProcessPoolExecutor``); 1 runs in this process,
        None uses every core.
    check_audit
        Run the audit on each reconstruction (``audit_ok``); False skips it and marks every seed
        as passing.
    build
        A function ``seed -> CodedData`` (default: :func:`synth.reconstruct.reconstruct`); it
        must be picklable (a module-level function) when ``jobs > 1``.
    check
        A function ``CodedData -> bool`` that says whether a dataset passes the audit (default:
        no unexplained ``MISMATCH`` in :mod:`synth.audit`'s claims).
    say
        Progress callback, called once per finished seed.

    Returns
    -------
    pandas.DataFrame
        ``seed, question, theme, mean_pct, sd_pct, n_groups, audit_ok``, sorted by seed, question
        and codebook order. A seed whose reconstruction raises
        :class:`~synth.ReconstructionError` gives one row with ``audit_ok`` False and the other
        values missing.

    Raises
    ------
    ValueError
        No seeds, or repeated seeds.

    Examples
    --------
    >>> bars = run_ensemble([1, 2], jobs=1)  # ``synth ensemble`` runs fifty
    >>> bars["seed"].nunique(), bool(bars["audit_ok"].all())
    (2, True)
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("run_ensemble needs at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError("seeds must be distinct")
    say = say or (lambda message: None)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    build = build if build is not None else _reconstruct
    checker = (check if check is not None else _audit_passes) if check_audit else None
    parts: dict[int, pd.DataFrame] = {}
    if workers <= 1:
        for i, seed in enumerate(seeds, 1):
            parts[seed] = _one_seed(seed, unit, build, checker)
            say(f"ensemble: seed {seed} done ({i}/{len(seeds)})")
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                seed: pool.submit(_one_seed, seed, unit, build, checker) for seed in seeds
            }
            for i, seed in enumerate(seeds, 1):
                parts[seed] = futures[seed].result()
                say(f"ensemble: seed {seed} done ({i}/{len(seeds)})")
    return pd.concat([parts[s] for s in seeds], ignore_index=True)


def ensemble_ranges(bars: pd.DataFrame, *, only_audited: bool = True) -> pd.DataFrame:
    """Each bar's range across the ensemble.

    Parameters
    ----------
    bars
        The output of :func:`run_ensemble`.
    only_audited
        Use only reconstructions that passed the audit (``audit_ok``).

    Returns
    -------
    pandas.DataFrame
        ``question, theme, n_seeds, mean_min, mean_max, mean_width, sd_min, sd_max, sd_width,
        pinned`` (``pinned``: the mean's range is narrower than 0.005, i.e. the same at the
        paper's two decimals in every reconstruction), in the order the bars first appear.

    Raises
    ------
    ValueError
        No reconstruction is left (none passed the audit).

    Examples
    --------
    >>> bars = pd.DataFrame({"seed": [1, 2], "question": [1, 1], "theme": ["A", "A"],
    ...                      "mean_pct": [28.70, 28.70], "sd_pct": [10.0, 12.5],
    ...                      "n_groups": [10, 10], "audit_ok": [True, True]})
    >>> ensemble_ranges(bars)[["mean_width", "sd_width", "pinned"]].values.tolist()
    [[0.0, 2.5, True]]
    """
    use = bars[bars["audit_ok"].astype(bool)] if only_audited else bars
    if use.empty:
        raise ValueError("no reconstruction in the ensemble passed the audit")
    keys = ["question", "theme"]
    order = use[keys].drop_duplicates()
    grouped = use.groupby(keys, sort=False)
    out = grouped.agg(
        n_seeds=("seed", "nunique"),
        mean_min=("mean_pct", "min"),
        mean_max=("mean_pct", "max"),
        sd_min=("sd_pct", "min"),
        sd_max=("sd_pct", "max"),
    ).reset_index()
    out = order.merge(out, on=keys, how="left")
    out.insert(5, "mean_width", out["mean_max"] - out["mean_min"])
    out["sd_width"] = out["sd_max"] - out["sd_min"]
    out["pinned"] = (
        out["mean_min"].round(PINNED_DECIMALS) == out["mean_max"].round(PINNED_DECIMALS)
    )
    return out[
        ["question", "theme", "n_seeds", "mean_min", "mean_max", "mean_width", "sd_min", "sd_max",
         "sd_width", "pinned"]
    ].reset_index(drop=True)


def plot_ensemble_ranges(
    ranges: pd.DataFrame,
    *,
    question: int,
    shipped: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Figure N with its ensemble ranges: what the paper fixes and what the reconstruction chose.

    For each theme a pale bar spans the range of the bar height (mean percentage) across the
    ensemble, from its minimum to its maximum; a thin line above it spans the range of the error
    bar's top (mean + SD). A bar with the same height in every reconstruction (to two decimals)
    is a flat black tick labelled "fixed": on the shipped ensemble these are the values the
    published numbers pin. With ``shipped`` the shipped reconstruction's bar is drawn as a
    dot.

    Parameters
    ----------
    ranges
        The output of :func:`ensemble_ranges`.
    question
        Which question (Figure N = question N).
    shipped
        Optional :func:`synth.analysis.question_shares` of the shipped data.
    ax
        Axes to draw on (default: the current Axes).

    Returns
    -------
    matplotlib.axes.Axes
        With one ``BarContainer`` (the mean ranges; each bar's bottom is ``mean_min`` and its
        height ``mean_width``).

    Raises
    ------
    ValueError
        The question is not in ``ranges``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> bars = pd.DataFrame({"seed": [1, 2, 1, 2], "question": 1, "theme": ["A", "A", "B", "B"],
    ...                      "mean_pct": [60.0, 60.0, 30.0, 40.0], "sd_pct": [5.0, 6.0, 4.0, 4.0],
    ...                      "n_groups": 3, "audit_ok": True})
    >>> ax = plot_ensemble_ranges(ensemble_ranges(bars), question=1, ax=Figure().subplots())
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['A', 'B']
    """
    import matplotlib.pyplot as plt

    block = ranges[ranges["question"] == question].reset_index(drop=True)
    if block.empty:
        have = ", ".join(str(q) for q in sorted(ranges["question"].unique()))
        raise ValueError(f"question {question} is not in the ranges (questions: {have})")
    ax = ax if ax is not None else plt.gca()
    x = np.arange(len(block))
    pinned = block["pinned"].to_numpy(bool)
    ax.bar(
        x, block["mean_width"].to_numpy(float), bottom=block["mean_min"].to_numpy(float),
        width=0.6, color="#9ecae1", edgecolor="0.3", linewidth=0.6,
        label="range of the bar across reconstructions",
    )
    # a zero-width range would be invisible: draw pinned bars as a tick
    ax.hlines(block.loc[pinned, "mean_min"], x[pinned] - 0.3, x[pinned] + 0.3, color="black", lw=2.5,
              label="same in every reconstruction (fixed)")
    top_min = (block["mean_min"] + block["sd_min"]).to_numpy(float)
    top_max = (block["mean_max"] + block["sd_max"]).to_numpy(float)
    ax.vlines(x, np.nan_to_num(top_min), np.nan_to_num(top_max), color="#e6550d", lw=1.5,
              label="range of the error bar's top (mean + SD)")
    for xi, y in zip(x[pinned], block.loc[pinned, "mean_max"], strict=True):
        ax.annotate("fixed", (xi, y), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize=7)
    if shipped is not None:
        ship = shipped[shipped["question"] == question].set_index("theme")
        ys = ship.reindex(block["theme"])["mean_pct"].to_numpy(float)
        ax.plot(x, ys, "o", color="black", ms=3, label="shipped reconstruction")
    ax.set_xticks(x)
    ax.set_xticklabels(block["theme"].tolist(), rotation=45, ha="right")
    ax.set_ylabel("Percentage of codes")
    n = int(block["n_seeds"].max())
    ax.set_title(f"Question {question}: ranges across {n} reconstructions")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
