"""Statistics beyond the paper: how sure are the themes, and how much rests on the data.

The paper reports descriptive statistics only. This module asks what its numbers can bear, using
the paper's own counting rules from :mod:`synth.analysis` (never re-implemented here):

1. **Uncertainty of the per-question percentages** (:func:`share_intervals`,
   :func:`plot_share_intervals`): beside the paper's mean +/- 1 SD over focus groups, a t-based 95%
   confidence interval for the mean (statsmodels ``DescrStatsW``) and a cluster bootstrap that
   resamples focus groups, not paragraphs, with percentile intervals.
2. **Are themes distributed differently across questions?** (:func:`theme_question_association`,
   :func:`plot_residuals`, :func:`count_glm`): a chi-square test of independence on the
   theme x question table of code occurrences (statsmodels ``contingency_tables.Table``), its exact
   p-value by permuting question labels within focus groups, the standardised residuals as a heat
   map, and a Poisson GLM of counts with cluster-robust standard errors by focus group.
3. **Sensitivity of the paper's conclusions** (:func:`sensitivity`): the conclusions recomputed
   under another counting unit, participants instead of groups, the median instead of the mean as
   the major/minor threshold, the 50% rule at 40% and 60%, and leaving out each focus group.
4. **Intercoder reliability** (:func:`coding_comparison`, :func:`cohen_kappa`,
   :func:`krippendorff_alpha`), for data that carry a ``coder`` column.

What the published numbers pin down (many reconstructions, the range of every bar across them) is
:mod:`synth.ensemble`: it depends on the reconstruction and the audit, which this module does not.
The array machinery lives in the private subpackage ``synth._stats``.

The shipped data are *reconstructed* from the published aggregates (see ``data/raw/README.md``);
whatever these functions say about them is a statement about one dataset consistent with the
paper, not about the study's unpublished transcripts.

All randomness is seeded (:data:`DEFAULT_SEED`), all resampling is vectorised, and no function
prints; long runs report progress through a ``say`` callback.

**What the data allow.** Each statistic runs when the data allow it. When they do not (one
question: no theme x question test; one focus group: no SD, no bootstrap, no count model; a
singular design: no GLM) the function raises :class:`NotApplicable` with the reason, and
:func:`attempt` turns that into a short note. :func:`attempt` also turns a warning that a library
(statsmodels, scipy, numpy...) raises while computing a statistic into a note in the library's
words; a warning raised by synth's own code is passed on, so the test suite still fails on it.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np
import pandas as pd

from ._exceptions import SynthError
from ._stats.core import (
    as_generator,
    chi_square_statistic,
    cluster_bootstrap,
    permute_within,
    t_interval,
)
from ._stats.reliability import coding_comparison, cohen_kappa, krippendorff_alpha
from .analysis import Unit
from .io import CodedData

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .published import Published

__all__ = [
    "DEFAULT_SEED",
    "FEW_CLUSTERS",
    # what the data allow
    "NotApplicable",
    "Outcome",
    "attempt",
    "interval_notes",
    # 1. uncertainty
    "t_interval",
    "cluster_bootstrap",
    "share_intervals",
    "plot_share_intervals",
    # 2. contingency
    "theme_question_table",
    "ChiSquareResult",
    "chi_square_test",
    "permute_within",
    "theme_question_association",
    "plot_residuals",
    "GLMResult",
    "count_glm",
    # 3. sensitivity
    "Sensitivity",
    "sensitivity",
    # 4. reliability
    "cohen_kappa",
    "krippendorff_alpha",
    "coding_comparison",
]

#: The seed every resampling function uses unless told otherwise (the article number, 23:135).
DEFAULT_SEED = 23135
#: Below this many focus groups (clusters), cluster-robust standard errors are unreliable.
FEW_CLUSTERS = 10

T = TypeVar("T")


# --- what the data allow --------------------------------------------------------------------


class NotApplicable(SynthError):
    """A statistic the data cannot support (the message says why, in a few words)."""


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A statistic as :func:`attempt` computed it: its value, or None, and the notes to show.

    Attributes
    ----------
    value
        What the function returned, or None when it could not run.
    notes
        Why it did not run, what it could not do, and the warnings libraries raised, one short
        line each.
    """

    value: T | None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the statistic was computed."""
        return self.value is not None

    def _repr_html_(self) -> str:
        import html

        if not self.notes:
            return ""
        items = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return f'<div class="synth-note"><ul>{items}</ul></div>'

    def __repr__(self) -> str:
        return "\n".join(self.notes)


def _package_of(record: warnings.WarningMessage) -> str | None:
    """The library a warning came from, or None when it is synth's own.

    A warning class a library defines (statsmodels' ``ConvergenceWarning``, scipy's
    ``ConstantInputWarning``) names its library, wherever the warning points. A built-in class
    (``RuntimeWarning``, ``FutureWarning``...) is the library's when it points into the library's
    files, and synth's own when it points into synth's (its arithmetic, its use of an API).
    """
    from pathlib import Path

    owner = record.category.__module__.split(".")[0]
    if owner not in ("builtins", "warnings", "synth"):
        return owner
    path = Path(record.filename)
    here = Path(__file__).resolve().parent
    try:
        if path.resolve().is_relative_to(here):
            return None
    except OSError:  # pragma: no cover - an unreadable path is not synth's
        pass
    parts = path.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            i = len(parts) - 1 - parts[::-1].index(marker)
            if i + 1 < len(parts):
                return parts[i + 1].removesuffix(".py")
    return path.stem


def attempt(label: str, function: Callable[..., T], *args: object, **kwargs: object) -> Outcome[T]:
    """Compute a statistic, turning what the data do not allow, and library warnings, into notes.

    Parameters
    ----------
    label
        What the statistic is, to open each note ("chi-square test").
    function
        The statistic; called as ``function(*args, **kwargs)``.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    Outcome
        The value and the notes: ``"<label>: not computed: <reason>"`` for a
        :class:`NotApplicable`, ``"<label>: <package> warned (<class>): <message>"`` for each
        distinct warning a library raised. A warning raised by synth's own code is re-raised as
        a warning, and any other exception propagates.

    Examples
    --------
    >>> def needs_two(values):
    ...     if len(values) < 2:
    ...         raise NotApplicable("one value, so no spread")
    ...     return max(values) - min(values)
    >>> attempt("range", needs_two, [4]).notes
    ('range: not computed: one value, so no spread',)
    >>> attempt("range", needs_two, [4, 9]).value
    5
    """
    notes: list[str] = []
    value: T | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = function(*args, **kwargs)
        except NotApplicable as exc:
            notes.append(f"{label}: not computed: {exc}")
    own = []
    for record in caught:
        package = _package_of(record)
        if package is None:
            own.append(record)
            continue
        message = " ".join(str(record.message).split())
        note = f"{label}: {package} warned ({record.category.__name__}): {message[:300]}"
        if note not in notes:
            notes.append(note)
    for record in own:
        warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return Outcome(value, tuple(notes))


def interval_notes(intervals: pd.DataFrame) -> list[str]:
    """What the intervals of :func:`share_intervals` could not give, question by question.

    Examples
    --------
    >>> table = pd.DataFrame({"question": [1, 1, 2], "theme": ["A", "B", "A"],
    ...                       "n_groups": [3, 3, 1]})
    >>> interval_notes(table)
    ['Question 2: one focus group answered, so its bars have no SD, no t interval and no bootstrap interval.']
    """
    out = []
    firsts = intervals.drop_duplicates("question")
    for q, n in zip(firsts["question"], firsts["n_groups"], strict=True):
        if int(n) < 2:
            out.append(f"Question {int(q)}: one focus group answered, so its bars have no SD, "
                       "no t interval and no bootstrap interval.")
    return out


# --- 1. uncertainty of the per-question percentages -----------------------------------------


def share_intervals(
    data: CodedData,
    *,
    unit: Unit = "paragraph",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = DEFAULT_SEED,
) -> pd.DataFrame:
    """Mean, SD, t interval and cluster-bootstrap interval of every per-question percentage.

    The groups' percentages come from :func:`synth.analysis.group_shares` (the paper's rule).
    For each question, the answering focus groups are the independent units: the t interval is
    ``DescrStatsW(...).tconfint_mean``, and the bootstrap resamples whole groups (each replicate
    draws as many groups as answered, with replacement, keeping each group's twelve percentages
    together), ``n_boot`` replicates at once per question.

    Parameters
    ----------
    data
        The coded data: each answering group's share of every theme is one observation.
    unit
        Counting unit of the percentages (``"paragraph"`` as in the paper, or ``"code"``).
    level
        Confidence level of both intervals.
    n_boot
        Bootstrap replicates per question (the issue asks for at least 2,000).
    seed
        Seed or Generator; one Generator is drawn from in question order, so the result is
        reproducible.

    Returns
    -------
    pandas.DataFrame
        ``question, theme, n_groups, mean_pct, sd_pct, t_low, t_high, boot_low, boot_high``, one
        row per question and codebook theme, in question then codebook order. ``sd_pct`` and the
        intervals are NaN where only one group answered.

    Raises
    ------
    ValueError
        ``unit`` unknown, ``n_boot < 1`` or ``level`` outside (0, 1).
    DataError
        The dataset has no segments.

    Examples
    --------
    >>> table = share_intervals(data, n_boot=200)
    >>> table.columns.tolist()[:5]
    ['question', 'theme', 'n_groups', 'mean_pct', 'sd_pct']
    """
    from .analysis import group_shares

    shares = group_shares(data, unit=unit)
    themes = list(data.theme_order)
    rng = as_generator(seed)
    rows = []
    for question, block in shares.groupby("question", sort=True):
        wide = block.pivot(index="focus_group", columns="theme", values="pct")[themes]
        values = wide.to_numpy(dtype=float)
        low, high = cluster_bootstrap(values, n_boot=n_boot, level=level, seed=rng)
        n = values.shape[0]
        for k, theme in enumerate(themes):
            col = values[:, k]
            t_low, t_high = t_interval(col, level=level)
            rows.append(
                {
                    "question": int(question),
                    "theme": theme,
                    "n_groups": n,
                    "mean_pct": float(col.mean()),
                    "sd_pct": float(col.std(ddof=1)) if n > 1 else float("nan"),
                    "t_low": t_low,
                    "t_high": t_high,
                    "boot_low": float(low[k]),
                    "boot_high": float(high[k]),
                }
            )
    return pd.DataFrame(rows)


def plot_share_intervals(
    intervals: pd.DataFrame,
    *,
    question: int,
    ax: Axes | None = None,
    themes: Sequence[str] | None = None,
) -> Axes:
    """Draw, for one question, each theme's mean with three intervals side by side.

    Left of each theme: the paper's mean +/- 1 SD over groups; middle: the t-based confidence
    interval; right: the cluster-bootstrap percentile interval. A dot marks the mean.

    Parameters
    ----------
    intervals
        The output of :func:`share_intervals`.
    question
        Which question to draw.
    ax
        Axes to draw on (default: the current Axes).
    themes
        Themes to show, in order (default: all, in the table's order).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, with three error-bar containers in this order, labelled
        ``"mean ± 1 SD"``, ``"t CI"`` and ``"bootstrap CI"``.

    Raises
    ------
    ValueError
        The question is not in ``intervals``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_share_intervals(share_intervals(data, n_boot=200), question=1,
    ...                           ax=Figure().subplots())
    >>> len(ax.get_xticklabels())
    12
    """
    import matplotlib.pyplot as plt

    block = intervals[intervals["question"] == question]
    if block.empty:
        have = ", ".join(str(q) for q in sorted(intervals["question"].unique()))
        raise ValueError(f"question {question} is not in the intervals (questions: {have})")
    if themes is not None:
        block = block.set_index("theme").loc[list(themes)].reset_index()
    ax = ax if ax is not None else plt.gca()
    x = np.arange(len(block))
    mean = block["mean_pct"].to_numpy(dtype=float)
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    specs = [
        ("mean ± 1 SD", mean - block["sd_pct"].to_numpy(float), mean + block["sd_pct"].to_numpy(float)),
        ("t CI", block["t_low"].to_numpy(float), block["t_high"].to_numpy(float)),
        ("bootstrap CI", block["boot_low"].to_numpy(float), block["boot_high"].to_numpy(float)),
    ]
    for i, (label, low, high) in enumerate(specs):
        xs = x + (i - 1) * 0.22
        yerr = np.vstack([mean - low, high - mean])
        ax.errorbar(
            xs, mean, yerr=np.nan_to_num(yerr), fmt="o", ms=3, capsize=2, lw=1.2,
            color=palette[i % len(palette)], label=label,
        )
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xticks(x)
    ax.set_xticklabels(block["theme"].tolist(), rotation=45, ha="right")
    ax.set_ylabel("Percentage of codes")
    ax.set_title(f"Question {question}: mean with ±1 SD, t and bootstrap intervals")
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


# --- 2. themes x questions ------------------------------------------------------------------


def theme_question_table(data: CodedData) -> pd.DataFrame:
    """Code occurrences per theme (rows, codebook order) and question (columns, ascending).

    Code occurrences are those of :func:`synth.analysis.code_occurrences`: unique
    ``(question, participant_id, code_id)``. Themes without codes are kept as rows of zeros.

    Parameters
    ----------
    data
        The coded data, counted in code occurrences.

    Returns
    -------
    pandas.DataFrame
        Integer counts; index ``theme``, columns the questions. Data without segments raise
        :class:`~synth.DataError`.

    Examples
    --------
    >>> int(theme_question_table(data).to_numpy().sum())
    323
    """
    from .analysis import code_occurrences

    occ = code_occurrences(data)
    table = pd.crosstab(occ["theme"], occ["question"])
    table = table.reindex(index=list(data.theme_order), fill_value=0)
    table.index.name, table.columns.name = "theme", "question"
    return table.astype("int64")


@dataclass(frozen=True)
class ChiSquareResult:
    """A chi-square test of independence on a two-way table.

    Attributes
    ----------
    table
        The observed counts that were tested (rows and columns with a zero total removed).
    expected
        Expected counts under independence.
    residuals
        Standardised (adjusted) residuals, ``(O - E) / sqrt(E (1 - r/n) (1 - c/n))``, which are
        approximately standard normal under independence.
    statistic
        Pearson's X^2.
    df
        Degrees of freedom, ``(rows - 1)(columns - 1)``.
    pvalue
        Asymptotic p-value (chi-square distribution).
    pvalue_perm
        Permutation p-value, ``(1 + #{X^2_perm >= X^2}) / (n_perm + 1)``; NaN when not computed.
    n_perm
        Number of permutations (0 when not computed).
    min_expected
        The smallest expected count (the asymptotic p-value is doubtful below about 5).
    dropped
        Row and column labels removed because their total was zero.
    """

    table: pd.DataFrame
    expected: pd.DataFrame
    residuals: pd.DataFrame
    statistic: float
    df: int
    pvalue: float
    pvalue_perm: float = float("nan")
    n_perm: int = 0
    min_expected: float = float("nan")
    dropped: tuple[str, ...] = ()


def chi_square_test(table: pd.DataFrame | np.ndarray) -> ChiSquareResult:
    """Chi-square test of independence of a two-way table (statsmodels ``Table``).

    Rows and columns whose total is zero carry no information and would give zero expected
    counts; they are removed first (and listed in ``dropped``). Zero cells are *not* shifted.

    Parameters
    ----------
    table
        Counts, rows x columns (a DataFrame keeps its labels).

    Returns
    -------
    ChiSquareResult
        Without a permutation p-value (see :func:`theme_question_association`).

    Raises
    ------
    ValueError
        Negative counts, or fewer than two rows or columns with a positive total.

    Examples
    --------
    Row totals 30, 70 and column totals 40, 60 of 100 give expected 12, 18, 28, 42, and
    X^2 = 4/12 + 4/18 + 4/28 + 4/42 = 50/63:

    >>> res = chi_square_test(np.array([[10, 20], [30, 40]]))
    >>> round(res.statistic * 63, 9), res.df
    (50.0, 1)
    """
    from scipy.stats import chi2
    from statsmodels.stats.contingency_tables import Table

    frame = pd.DataFrame(table).copy()
    values = frame.to_numpy(dtype=float)
    if (values < 0).any():
        raise ValueError("a contingency table must hold non-negative counts")
    keep_r = values.sum(axis=1) > 0
    keep_c = values.sum(axis=0) > 0
    dropped = tuple(
        [f"row {r}" for r in frame.index[~keep_r]] + [f"column {c}" for c in frame.columns[~keep_c]]
    )
    frame = frame.loc[keep_r, keep_c]
    if frame.shape[0] < 2 or frame.shape[1] < 2:
        raise ValueError(
            f"need at least two rows and two columns with a positive total, got {frame.shape}"
        )
    tab = Table(frame.to_numpy(dtype=float), shift_zeros=False)
    test = tab.test_nominal_association()
    expected = pd.DataFrame(tab.fittedvalues, index=frame.index, columns=frame.columns)
    residuals = pd.DataFrame(tab.standardized_resids, index=frame.index, columns=frame.columns)
    return ChiSquareResult(
        table=frame,
        expected=expected,
        residuals=residuals,
        statistic=float(test.statistic),
        df=int(test.df),
        # the survival function keeps precision where 1 - cdf (statsmodels) rounds to 0
        pvalue=float(chi2.sf(test.statistic, test.df)),
        min_expected=float(expected.to_numpy().min()),
        dropped=dropped,
    )


def theme_question_association(
    data: CodedData,
    *,
    n_perm: int = 5000,
    seed: int | np.random.Generator | None = DEFAULT_SEED,
) -> ChiSquareResult:
    """Are themes distributed differently across questions? Chi-square with a permutation p-value.

    The table is :func:`theme_question_table` (code occurrences). The permutation null keeps
    everything about each focus group except which of its code occurrences answered which
    question: the question labels are shuffled among the group's occurrences, ``n_perm`` times at
    once (:func:`permute_within`), and each shuffled table is counted with one ``bincount``. The
    margins of the table are unchanged by such shuffles, so the expected counts are fixed.

    Parameters
    ----------
    data
        The coded data; their code occurrences are shuffled within each focus group.
    n_perm
        How many shuffles give the permutation p-value.
    seed
        The shuffles' seed (or a numpy Generator).

    Returns
    -------
    ChiSquareResult
        With ``pvalue_perm`` and ``n_perm`` filled in.

    Raises
    ------
    ValueError
        ``n_perm < 1``.
    NotApplicable
        Fewer than two questions or two themes have codes (there is no table to test).

    Examples
    --------
    >>> res = theme_question_association(data, n_perm=200)
    >>> res.df
    77
    """
    from .analysis import code_occurrences

    if n_perm < 1:
        raise ValueError(f"n_perm must be at least 1, got {n_perm}")
    counts = theme_question_table(data)
    n_questions = int((counts.sum(axis=0) > 0).sum())
    n_themes = int((counts.sum(axis=1) > 0).sum())
    if n_questions < 2:
        raise NotApplicable("the data have codes in one question only, so there is no "
                            "theme x question table to test")
    if n_themes < 2:
        raise NotApplicable("the data have codes in one theme only, so there is no "
                            "theme x question table to test")
    result = chi_square_test(counts)
    occ = code_occurrences(data)
    rows = list(result.table.index)
    cols = list(result.table.columns)
    t = pd.Index(rows).get_indexer(occ["theme"])
    q = pd.Index(cols).get_indexer(occ["question"])
    keep = (t >= 0) & (q >= 0)
    t, q = t[keep], q[keep]
    groups = occ["focus_group"].to_numpy()[keep]
    perms = permute_within(q, groups, n_perm=n_perm, seed=seed)
    n_r, n_c = len(rows), len(cols)
    flat = (np.arange(n_perm)[:, None] * (n_r * n_c) + t[None, :] * n_c + perms).ravel()
    tables = np.bincount(flat, minlength=n_perm * n_r * n_c).reshape(n_perm, n_r, n_c)
    null = chi_square_statistic(tables, result.expected.to_numpy())
    # the observed statistic from the same code path, so ties are compared like with like
    observed = chi_square_statistic(result.table.to_numpy(), result.expected.to_numpy())
    exceed = int((null >= observed - 1e-9 * max(1.0, float(observed))).sum())
    return dataclasses.replace(
        result, pvalue_perm=(1 + exceed) / (n_perm + 1), n_perm=int(n_perm)
    )


def plot_residuals(
    result: ChiSquareResult,
    *,
    ax: Axes | None = None,
    limit: float | None = None,
) -> Axes:
    """Heat map of the standardised residuals: which themes each question over- and under-draws.

    Red cells hold more code occurrences than independence predicts, blue cells fewer; each cell
    is annotated with its residual (the texts of ``ax.texts``, row by row). Values beyond about
    +/-2 are unusual under independence.

    Parameters
    ----------
    result
        The output of :func:`chi_square_test` or :func:`theme_question_association`.
    ax
        Axes to draw on (default: the current Axes).
    limit
        Symmetric colour limit (default: the largest absolute residual, at least 3).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_residuals(theme_question_association(data, n_perm=200), ax=Figure().subplots())
    >>> ax.get_xlabel()
    'Question'
    """
    import matplotlib.pyplot as plt

    # drawn with imshow rather than seaborn.heatmap: with a centred colour map seaborn 0.13
    # calls a Colormap method matplotlib 3.11 flags as deprecated, and the report refuses warnings
    ax = ax if ax is not None else plt.gca()
    res = result.residuals
    values = res.to_numpy(dtype=float)
    vmax = limit if limit is not None else max(3.0, float(np.abs(values).max()))
    image = ax.imshow(values, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7,
                color="white" if abs(v) > 0.6 * vmax else "black")
    ax.set_xticks(np.arange(values.shape[1]))
    ax.set_xticklabels([str(c) for c in res.columns])
    ax.set_yticks(np.arange(values.shape[0]))
    ax.set_yticklabels([str(r) for r in res.index])
    ax.figure.colorbar(image, ax=ax, label="standardised residual")
    ax.set_xlabel("Question")
    ax.set_ylabel("Theme")
    ax.set_title("Theme × question: standardised residuals of code occurrences")
    return ax


@dataclass(frozen=True)
class GLMResult:
    """A Poisson GLM of code-occurrence counts with cluster-robust standard errors.

    Attributes
    ----------
    coefficients
        ``term, coef, se, z, pvalue, rate_ratio`` of the main-effects model
        ``count ~ C(theme) + C(question) + C(focus_group)``; ``se`` is cluster-robust by focus
        group.
    lr_statistic, lr_df, lr_pvalue
        Likelihood-ratio test of adding the theme x question interaction (does the theme mix
        differ between questions?), model-based (not cluster-robust).
    dispersion
        Pearson X^2 / residual df of the main-effects model (1 for a Poisson-like spread; well
        above 1 means overdispersion, and the LR p-value is then too small).
    n_obs
        Rows of the model frame: one per answering (focus group, question) and theme.
    n_clusters
        Number of focus groups.
    data
        The model frame: ``focus_group, question, theme, count``.
    notes
        What the reader should know about the fit (few clusters, an interaction test that could
        not be formed), one line each.
    """

    coefficients: pd.DataFrame
    lr_statistic: float
    lr_df: int
    lr_pvalue: float
    dispersion: float
    n_obs: int
    n_clusters: int
    data: pd.DataFrame
    notes: tuple[str, ...] = ()


def count_glm(data: CodedData) -> GLMResult:
    """A model-based check of the theme x question association: Poisson GLM of counts.

    The model frame has one row for every theme and every (focus group, question) the group
    answered, with ``count`` its code occurrences (``group_shares(unit="code")``). Themes with no
    code anywhere are left out (their coefficient would be minus infinity). The main-effects
    model is fitted with standard errors clustered by focus group. The interaction model adds
    ``C(theme):C(question)``; theme x question cells with no occurrences at all have a fitted
    count of 0 in it (their parameter goes to minus infinity), so it is fitted on the other
    rows and those cells add one parameter each and nothing to the deviance.

    Parameters
    ----------
    data
        The coded data; one row of the model per theme and (focus group, question).

    Returns
    -------
    GLMResult

    Raises
    ------
    NotApplicable
        Fewer than two themes, questions or focus groups with codes, or a singular design (a
        term of the model that the data cannot separate from the others).

    Notes
    -----
    With G clusters the cluster-robust covariance has rank at most G - 1, so it serves the
    individual standard errors but not a joint Wald test of the many interaction terms; hence
    the likelihood-ratio test, read together with the dispersion. With fewer than
    :data:`FEW_CLUSTERS` groups the cluster-robust standard errors themselves are unreliable,
    and the result's ``notes`` say so.

    Examples
    --------
    >>> fit = count_glm(data)
    >>> fit.n_clusters
    10
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from scipy import stats as sstats
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    from .analysis import group_shares

    shares = group_shares(data, unit="code")
    frame = shares[["focus_group", "question", "theme", "count"]].copy()
    totals = frame.groupby("theme")["count"].transform("sum")
    frame = frame[totals > 0].reset_index(drop=True)
    for col, what in (("theme", "themes"), ("question", "questions"), ("focus_group", "focus groups")):
        n = frame[col].nunique()
        if n < 2:
            one = {"theme": "one theme", "question": "one question",
                   "focus_group": "one focus group"}[col]
            raise NotApplicable(f"a count model needs at least two {what} with codes; the data "
                                f"have {one if n == 1 else 'none'}")
    frame["question"] = frame["question"].astype(int).astype(str).str.zfill(2)
    clusters = pd.factorize(frame["focus_group"], sort=True)[0]
    family = sm.families.Poisson()
    main = "count ~ C(theme) + C(question) + C(focus_group)"
    model = smf.glm(main, data=frame, family=family)
    rank = int(np.linalg.matrix_rank(model.exog))
    if rank < model.exog.shape[1]:
        raise NotApplicable(
            f"the design is singular: {model.exog.shape[1] - rank} of its "
            f"{model.exog.shape[1]} terms cannot be told apart from the others in these data "
            "(for example, questions each answered by a different single group)"
        )
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": clusters})
    n_clusters = int(clusters.max() + 1)
    notes = []
    if n_clusters < FEW_CLUSTERS:
        notes.append(f"{n_clusters} focus groups: cluster-robust standard errors need about "
                     f"{FEW_CLUSTERS} or more clusters to be trusted, so read the standard errors "
                     "and p-values of the coefficients as rough.")
    tq_total = frame.groupby(["theme", "question"])["count"].transform("sum")
    n_empty_cells = int(frame.loc[tq_total == 0, ["theme", "question"]].drop_duplicates().shape[0])
    # theme x question as one factor of the cells present: the same model as
    # C(theme) * C(question), without the all-zero columns of the empty cells (which would make
    # the design rank-deficient and IRLS run to its iteration limit)
    sub = frame[tq_total > 0]
    sub = sub.assign(cell=sub["theme"] + " | Q" + sub["question"])
    with warnings.catch_warnings():
        # statsmodels calls an exact fit "perfect separation"; for a model this close to
        # saturated an exact fit is a legitimate outcome (deviance 0), not a failure
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        inter = smf.glm("count ~ C(cell) + C(focus_group)", data=sub, family=family).fit()
    rank_main = int(round(fit.df_model)) + 1
    rank_inter = int(round(inter.df_model)) + 1 + n_empty_cells
    lr_df = rank_inter - rank_main
    lr = float(fit.deviance - inter.deviance)
    if lr_df <= 0:
        notes.append("the interaction model adds no parameter here, so there is no "
                     "likelihood-ratio test of the theme x question interaction.")
    coef = pd.DataFrame(
        {
            "term": fit.params.index,
            "coef": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "z": fit.tvalues.to_numpy(),
            "pvalue": fit.pvalues.to_numpy(),
            "rate_ratio": np.exp(fit.params.to_numpy()),
        }
    )
    return GLMResult(
        coefficients=coef.reset_index(drop=True),
        lr_statistic=lr,
        lr_df=lr_df,
        lr_pvalue=float(sstats.chi2.sf(lr, lr_df)) if lr_df > 0 else float("nan"),
        dispersion=float(fit.pearson_chi2 / fit.df_resid),
        n_obs=int(fit.nobs),
        n_clusters=n_clusters,
        data=frame,
        notes=tuple(notes),
    )


# --- 3. sensitivity -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """The paper's conclusions recomputed under alternative choices.

    Attributes
    ----------
    conclusions
        One row per conclusion: ``conclusion``, ``kind`` (``major_themes`` or ``reported``),
        ``question`` (0 for the major themes), ``baseline`` (what the paper's rules give on these
        data), one True/False column per scenario (``unit_code``, ``participants``,
        ``median_threshold``, ``rule_40``, ``rule_60``; True = the same answer), ``logo`` (in how
        many leave-one-group-out analyses the same answer comes back, as ``"k/n"``), ``held``,
        ``checks`` and ``robustness`` (a one-line verdict); with ``published`` also
        ``published`` and ``matches_published``.
    reported
        Themes reported per question under each scenario: ``question, scenario, themes,
        same_as_baseline`` (themes joined by ``"; "`` in rank order).
    sd_comparison
        ``question, theme, mean_groups, sd_groups, mean_participants, sd_participants,
        n_groups, n_participants``: the paper's SD over groups beside the SD over participants.
    leave_one_out
        ``question, theme, reported_in`` (of ``n_left_out`` analyses) and ``baseline`` (reported
        with all groups): which themes stay reported when each focus group is left out in turn.
    major
        ``theme, codes, major_mean, major_median`` and ``major_logo`` (how many of the
        leave-one-out analyses classify it major).
    notes
        The checks the data could not support (one focus group: no leave-one-group-out), one
        line each.
    """

    conclusions: pd.DataFrame
    reported: pd.DataFrame
    sd_comparison: pd.DataFrame
    leave_one_out: pd.DataFrame
    major: pd.DataFrame
    notes: tuple[str, ...] = ()


_SCENARIOS = ("unit_code", "participants", "median_threshold", "rule_40", "rule_60")


def _join(themes: Sequence[str]) -> str:
    return "; ".join(themes)


def _reported_sets(selected: pd.DataFrame) -> dict[int, tuple[str, ...]]:
    return {
        int(q): tuple(block.sort_values("rank")["theme"])
        for q, block in selected.groupby("question", sort=True)
    }


def _describe(themes: Sequence[str]) -> str:
    themes = list(themes)
    if len(themes) <= 1:
        return "".join(themes)
    return ", ".join(themes[:-1]) + " and " + themes[-1]


def sensitivity(
    data: CodedData,
    *,
    unit: Unit = "paragraph",
    published: Published | None = None,
    say: Callable[[str], None] | None = None,
) -> Sensitivity:
    """Recompute the paper's conclusions under alternative analytic choices.

    The baseline is the paper's rules applied to ``data`` (:func:`synth.analysis.analyse`). On
    the shipped reconstruction the baseline equals the published conclusions (the audit checks
    that); on other data it is whatever those data say. Scenarios:

    - ``unit_code``: per-question percentages over code occurrences instead of paragraphs;
    - ``participants``: each participant instead of each focus group is a unit of the mean and SD
      (the selection then uses the mean over participants);
    - ``median_threshold``: a theme is major when its codes exceed the median, not the mean;
    - ``rule_40`` / ``rule_60``: the reported themes reach 40% / 60% instead of 50%;
    - leave one group out: every analysis again without one focus group.

    Parameters
    ----------
    data
        The coded data the paper's conclusions are recomputed from.
    unit
        The baseline counting unit (the paper's is ``"paragraph"``). The ``unit_code`` scenario
        always uses ``"code"``, so with ``unit="code"`` it cannot change anything.
    published
        Optional published record (:func:`synth.published.load_published`); when given, the
        conclusions table gains ``published`` (the paper's answer: its major themes and the
        themes the Results text reports per question) and ``matches_published``.
    say
        Progress callback.

    Returns
    -------
    Sensitivity
        Raises :class:`~synth.DataError` for data without segments.

    Examples
    --------
    >>> sens = sensitivity(data)
    >>> sens.conclusions["conclusion"].iloc[0]
    '6 major themes: Research evidence, Funding, Relationships with partners, Health inequalities and deprivation, Community involvement and Health service and integrated care systems'
    """
    from .analysis import analyse, question_shares, select_themes

    say = say or (lambda message: None)
    order = list(data.theme_order)
    base = analyse(data, unit=unit)
    base_sets = _reported_sets(base.selected)
    base_major = tuple(base.themes.loc[base.themes["major"], "theme"])

    say("sensitivity: alternative unit, participants, thresholds")
    alt = {
        "unit_code": _reported_sets(analyse(data, unit="code").selected),
        "rule_40": _reported_sets(select_themes(base.shares, 40.0, theme_order=order)),
        "rule_60": _reported_sets(select_themes(base.shares, 60.0, theme_order=order)),
    }
    seg = data.segments.assign(focus_group=data.segments["participant_id"])
    per_person = dataclasses.replace(data, segments=seg, participants=None)
    person_shares = question_shares(per_person, unit=unit)
    alt["participants"] = _reported_sets(select_themes(person_shares, 50.0, theme_order=order))

    codes = base.themes["codes"].to_numpy()
    median_major = tuple(base.themes.loc[codes > np.median(codes), "theme"])

    say("sensitivity: leaving out each focus group in turn")
    groups = sorted(data.segments["focus_group"].unique())
    logo_sets: list[dict[int, tuple[str, ...]]] = []
    logo_major: list[tuple[str, ...]] = []
    for g in groups:
        kept = data.segments[data.segments["focus_group"] != g]
        if kept.empty:
            continue
        part = analyse(dataclasses.replace(data, segments=kept, participants=None), unit=unit)
        logo_sets.append(_reported_sets(part.selected))
        logo_major.append(tuple(part.themes.loc[part.themes["major"], "theme"]))
    n_logo = len(logo_sets)
    notes = []
    if n_logo == 0:
        notes.append("one focus group: leaving a group out leaves no data, so there is no "
                     "leave-one-group-out check (shown as 0/0).")

    # reported themes per scenario
    rep_rows = []
    for q, themes in base_sets.items():
        rep_rows.append({"question": q, "scenario": "baseline", "themes": _join(themes),
                         "same_as_baseline": True})
        for name in ("unit_code", "participants", "rule_40", "rule_60"):
            got = alt[name].get(q, ())
            rep_rows.append({"question": q, "scenario": name, "themes": _join(got),
                             "same_as_baseline": set(got) == set(themes)})
    reported = pd.DataFrame(rep_rows)

    # leave one out: how often each theme is reported
    loo_rows = []
    for q, themes in base_sets.items():
        for theme in order:
            n_in = sum(theme in s.get(q, ()) for s in logo_sets)
            if n_in or theme in themes:
                loo_rows.append({"question": q, "theme": theme, "reported_in": n_in,
                                 "n_left_out": n_logo, "baseline": theme in themes})
    leave_one_out = pd.DataFrame(loo_rows)

    # SD over groups vs over participants
    sd = base.shares.merge(
        person_shares, on=["question", "theme"], suffixes=("_groups", "_participants")
    ).rename(columns={"mean_pct_groups": "mean_groups", "sd_pct_groups": "sd_groups",
                      "mean_pct_participants": "mean_participants",
                      "sd_pct_participants": "sd_participants",
                      "n_groups_groups": "n_groups", "n_groups_participants": "n_participants"})
    sd_comparison = sd[["question", "theme", "mean_groups", "sd_groups", "mean_participants",
                        "sd_participants", "n_groups", "n_participants"]]

    major = base.themes[["theme", "codes"]].copy()
    major["major_mean"] = major["theme"].isin(base_major)
    major["major_median"] = major["theme"].isin(median_major)
    major["major_logo"] = [sum(t in m for m in logo_major) for t in major["theme"]]

    # the summary table
    rows = []
    n_major = len(base_major)
    rows.append(
        {
            "conclusion": f"{n_major} major themes: {_describe(base_major)}",
            "kind": "major_themes",
            "question": 0,
            "baseline": _join(base_major),
            "unit_code": True,  # theme counts are code occurrences under either unit
            "participants": True,
            "median_threshold": set(median_major) == set(base_major),
            "rule_40": True,
            "rule_60": True,
            "logo_same": sum(set(m) == set(base_major) for m in logo_major),
        }
    )
    for q, themes in base_sets.items():
        rows.append(
            {
                "conclusion": f"Q{q} reports {_describe(themes)}",
                "kind": "reported",
                "question": q,
                "baseline": _join(themes),
                "unit_code": set(alt["unit_code"].get(q, ())) == set(themes),
                "participants": set(alt["participants"].get(q, ())) == set(themes),
                "median_threshold": True,
                "rule_40": set(alt["rule_40"].get(q, ())) == set(themes),
                "rule_60": set(alt["rule_60"].get(q, ())) == set(themes),
                "logo_same": sum(set(s.get(q, ())) == set(themes) for s in logo_sets),
            }
        )
    conclusions = pd.DataFrame(rows)
    flags = conclusions[list(_SCENARIOS)].to_numpy(dtype=bool)
    logo_all = (conclusions["logo_same"] == n_logo).to_numpy() & (n_logo > 0)
    conclusions["logo"] = [f"{k}/{n_logo}" for k in conclusions["logo_same"]]
    conclusions["held"] = flags.sum(axis=1) + logo_all
    conclusions["checks"] = len(_SCENARIOS) + (1 if n_logo else 0)
    conclusions["robustness"] = [
        _verdict(dict(zip(_SCENARIOS, f, strict=True)), k, n_logo)
        for f, k in zip(flags, conclusions["logo_same"], strict=True)
    ]
    conclusions = conclusions.drop(columns="logo_same")
    if published is not None:
        paper = _published_answers(published)
        conclusions.insert(4, "published", conclusions["question"].map(
            lambda q: _join(paper.get(int(q), ()))))
        conclusions.insert(5, "matches_published", [
            set(paper.get(int(q), ())) == set(b.split("; ")) if b else not paper.get(int(q))
            for q, b in zip(conclusions["question"], conclusions["baseline"], strict=True)
        ])
    return Sensitivity(conclusions, reported, sd_comparison.reset_index(drop=True),
                       leave_one_out, major, tuple(notes))


def _published_answers(published: Published) -> dict[int, tuple[str, ...]]:
    """The paper's answers: key 0 the major themes (Appendix 1), key q the themes Q reports."""
    from .published import reported_themes

    themes = published.themes
    answers = {0: tuple(themes.loc[themes["class"].str.lower() == "major", "theme"])}
    for q, block in reported_themes(published).groupby("question", sort=True):
        answers[int(q)] = tuple(block["theme"])
    return answers


def _verdict(flags: dict[str, bool], logo_same: int, n_logo: int) -> str:
    failed = [name for name, ok in flags.items() if not ok]
    if logo_same < n_logo:
        failed.append(f"leaving out a group ({n_logo - logo_same} of {n_logo})")
    if not failed:
        return "robust: unchanged under every check"
    return "changes under " + ", ".join(failed)

