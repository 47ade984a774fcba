"""The logic behind the explorer notebook (``notebooks/90_explorer.ipynb``, opened by ``make lab``).

A reviewer picks a question and sees its figure redrawn at once, with controls for

- the error bars: ±1 SD (the paper's), the standard error of the mean, or a 95% confidence
  interval of the mean (Student's t with n - 1 degrees of freedom);
- the counting unit: coded paragraphs (the paper's) or code occurrences;
- leaving one focus group out (the bars, SDs and the 50% rule are recomputed without it);
- each group's own percentage as points over the bars;
- major/minor colouring, and the 50% rule drawn out (bars in rank order, the cumulative
  percentage against a right-hand axis with a line at 50%); the reported themes are hatched
  whatever the order;
- a publication view: the figure exactly as ``figN.png`` is drawn (:func:`synth.plots.draw_figure`);

and, under the controls, the table of the numbers behind the figure (with the paper's published
value beside the reproduced one when the study is compared with the paper) and a CSV download of
the current view. The figure's key always says what the colours, hatching and whiskers mean.

The heavy work is done once: :class:`Explorer` loads the data, runs
:func:`synth.analysis.analyse` for both units and looks up every t quantile a confidence interval
can need when it is built, keeping every question's group-by-theme percentages as a small matrix
(:class:`QuestionShares`). A redraw is then a few NumPy reductions over at most a dozen groups
(:func:`view_table`) and a plotly dictionary (:func:`synth.interactive.figure_dict`):
milliseconds (``benchmarks/bench_explorer.py`` measures it, in the kernel and in a browser). The
pure functions are separate from the widgets so they can be tested without a front end.
"""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .analysis import UNITS, Analysis, analyse, check_unit
from .interactive import PLOTLY_MIMETYPE, FigureContext, figure_dict
from .io import CodedData, load_coded_data

__all__ = [
    "ERRORS",
    "QuestionShares",
    "question_shares_matrix",
    "view_table",
    "numbers_table",
    "csv_link",
    "Explorer",
    "explore",
]

#: The error-bar choices: ±1 SD (the paper's), standard error, 95% CI of the mean.
ERRORS: dict[str, str] = {
    "sd": "±1 SD (the paper's)",
    "se": "±1 standard error",
    "ci95": "95% CI of the mean",
}

_NONE = "(none)"
#: As in synth.analysis: a cumulative percentage this close to the threshold has reached it.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class QuestionShares:
    """One question's percentages: one row per answering focus group, one column per theme.

    Attributes
    ----------
    question
        The question number.
    themes
        The codebook's themes, in codebook order (the columns of ``pct``).
    groups
        The focus groups with at least one coding in the question, sorted (the rows of ``pct``).
    pct
        ``(len(groups), len(themes))`` array of each group's percentage per theme; each row sums
        to 100.
    """

    question: int
    themes: tuple[str, ...]
    groups: tuple[str, ...]
    pct: np.ndarray


def question_shares_matrix(analysis: Analysis, question: int) -> QuestionShares:
    """Reshape :attr:`Analysis.group_shares` for one question into a :class:`QuestionShares`:
    the group x theme matrix every redraw starts from. Raises :class:`ValueError` when no focus
    group has a coding in ``question``.

    Examples
    --------
    >>> m = question_shares_matrix(analysis, 1)
    >>> m.pct.sum(axis=1).round(6).tolist()
    [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    """
    rows = analysis.group_shares[analysis.group_shares["question"] == question]
    if rows.empty:
        raise ValueError(f"question {question} has no codings "
                         f"(questions with codings: {', '.join(map(str, analysis.questions))})")
    themes = list(analysis.theme_order) or list(dict.fromkeys(rows["theme"]))
    wide = rows.pivot(index="focus_group", columns="theme", values="pct")
    wide = wide.reindex(index=sorted(wide.index), columns=themes).fillna(0.0)
    return QuestionShares(
        question=int(question),
        themes=tuple(themes),
        groups=tuple(str(g) for g in wide.index),
        pct=wide.to_numpy(dtype="float64"),
    )


@functools.lru_cache(maxsize=64)
def _t_quantile(dof: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, dof))


def view_table(
    shares: QuestionShares,
    *,
    error: str = "sd",
    leave_out: str | None = None,
    major: Collection[str] | None = None,
    order: str = "codebook",
    threshold: float = 50.0,
) -> pd.DataFrame:
    """The numbers one explorer figure draws, for one setting of the controls.

    Parameters
    ----------
    shares
        One question's :class:`QuestionShares`.
    error
        The error bar's half-width: ``"sd"`` (sample SD, ddof 1, the paper's), ``"se"`` (SD /
        sqrt(n)) or ``"ci95"`` (t(0.975, n - 1) x SD / sqrt(n)). NaN when one group remains.
    leave_out
        A focus group to leave out (ignored when it did not answer this question).
    major
        The major themes (Appendix 1); sets the ``major`` column (all False when None).
    order
        ``"codebook"`` (the figures' order) or ``"rank"`` (mean descending, ties in codebook
        order: the order of the 50% rule).
    threshold
        The cumulative percentage of the reporting rule (the paper's is 50).

    Returns
    -------
    pandas.DataFrame
        One row per theme: ``theme, mean_pct, sd_pct, err, lower, upper, n_groups, reported,
        major, cum_pct`` where ``err`` is the half-width chosen by ``error``, ``lower`` and
        ``upper`` = mean ∓ err, ``reported`` marks the themes the rule reports after any group is
        left out, and ``cum_pct`` is the cumulative mean in the rows' order.

    Raises
    ------
    ValueError
        ``error`` or ``order`` is unknown, or leaving the group out leaves no group.

    Examples
    --------
    >>> s = QuestionShares(1, ("A", "B"), ("FG1", "FG2"), np.array([[60.0, 40.0], [80.0, 20.0]]))
    >>> view_table(s)[["theme", "mean_pct", "sd_pct", "reported"]]
      theme  mean_pct     sd_pct  reported
    0     A      70.0  14.142136      True
    1     B      30.0  14.142136     False
    """
    if error not in ERRORS:
        raise ValueError(f"error must be one of {', '.join(ERRORS)}, got {error!r}")
    if order not in ("codebook", "rank"):
        raise ValueError(f"order must be 'codebook' or 'rank', got {order!r}")
    pct = shares.pct
    if leave_out is not None and leave_out in shares.groups:
        keep = np.array([g != leave_out for g in shares.groups])
        pct = pct[keep]
    n = pct.shape[0]
    if n == 0:
        raise ValueError(
            f"leaving out {leave_out} leaves no focus group that answered question "
            f"{shares.question}"
        )
    mean = pct.mean(axis=0)
    sd = pct.std(axis=0, ddof=1) if n > 1 else np.full(len(shares.themes), np.nan)
    if error == "sd":
        half = sd
    elif error == "se":
        half = sd / np.sqrt(n)
    else:
        half = _t_quantile(n - 1) * sd / np.sqrt(n) if n > 1 else sd
    themes = list(shares.themes)
    # the rule of synth.analysis.select_themes, in NumPy (a redraw must stay in milliseconds):
    # mean descending, ties in codebook order; the shortest prefix reaching the threshold
    ranked = np.lexsort((np.arange(len(themes)), -np.round(mean, 9)))
    before = np.concatenate([[0.0], np.cumsum(mean[ranked])[:-1]])
    reported = np.zeros(len(themes), dtype=bool)
    reported[ranked[before < threshold - _TOLERANCE]] = True
    majors = set(major or ())
    rows = ranked if order == "rank" else np.arange(len(themes))
    table = pd.DataFrame(
        {
            "theme": np.asarray(themes, dtype=object)[rows],
            "mean_pct": mean[rows],
            "sd_pct": sd[rows],
            "err": half[rows],
            "lower": (mean - half)[rows],
            "upper": (mean + half)[rows],
            "n_groups": np.full(len(themes), n, dtype="int64"),
            "reported": reported[rows],
            "major": np.array([themes[i] in majors for i in rows], dtype=bool),
            "cum_pct": np.cumsum(mean[rows]),
        }
    )
    return table


def numbers_table(view: pd.DataFrame, shares: QuestionShares,
                  leave_out: str | None = None,
                  published: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The table shown under the explorer's figure: the view and every group's percentage.

    Parameters
    ----------
    view
        The output of :func:`view_table`.
    shares
        The question's :class:`QuestionShares`.
    leave_out
        The group left out (its column is dropped).
    published
        Theme to the value the paper publishes; given, a ``published %`` column stands beside
        ``mean %`` (empty where the paper publishes nothing).

    Returns
    -------
    pandas.DataFrame
        ``theme, class, [published %], mean %, SD, error ±, lower, upper, n groups, reported``
        then one column per remaining focus group, rows in the view's order.

    Examples
    --------
    >>> s = QuestionShares(1, ("A", "B"), ("FG1", "FG2"), np.array([[60.0, 40.0], [80.0, 20.0]]))
    >>> numbers_table(view_table(s), s)["FG2"].tolist()
    [80.0, 20.0]
    >>> numbers_table(view_table(s), s, published={"A": 70.0})["published %"].tolist()
    [70.0, nan]
    """
    keep = [j for j, g in enumerate(shares.groups) if g != leave_out]
    position = {t: i for i, t in enumerate(shares.themes)}
    rows = np.array([position[t] for t in view["theme"]], dtype="int64")
    columns: dict[str, Any] = {
        "theme": view["theme"].to_numpy(),
        "class": np.where(view["major"].to_numpy(dtype=bool), "major", "minor"),
    }
    if published is not None:
        columns["published %"] = np.array([published.get(str(t), np.nan) for t in view["theme"]],
                                          dtype="float64")
    columns.update({
        "mean %": view["mean_pct"].to_numpy(),
        "SD": view["sd_pct"].to_numpy(),
        "error ±": view["err"].to_numpy(),
        "lower": view["lower"].to_numpy(),
        "upper": view["upper"].to_numpy(),
        "n groups": view["n_groups"].to_numpy(),
        "reported": np.where(view["reported"].to_numpy(dtype=bool), "yes", ""),
    })
    for j in keep:
        columns[shares.groups[j]] = shares.pct[j, rows]
    return pd.DataFrame(columns)


def csv_link(table: pd.DataFrame, filename: str) -> str:
    """A link that downloads ``table`` as a CSV file, with the data inside the link (``data:``
    URI): it works in JupyterLab and from a saved page, with nothing written to disk.

    Parameters
    ----------
    table
        The table (written without its index; floats as Python prints them).
    filename
        The name the browser saves it under (letters, digits, ``.``, ``_`` and ``-`` are kept).

    Returns
    -------
    str
        ``<a download=... href="data:text/csv;...">``.

    Examples
    --------
    >>> link = csv_link(pd.DataFrame({"a": [1]}), "q1 view.csv")
    >>> link.startswith('<a download="q1_view.csv" href="data:text/csv;charset=utf-8;base64,')
    True
    """
    import base64
    import re

    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "view.csv"
    payload = base64.b64encode(table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return (f'<a download="{safe}" href="data:text/csv;charset=utf-8;base64,'
            f'{payload.decode("ascii")}">Download these numbers (CSV)</a>')


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if not np.isfinite(value) else f"{value:.2f}"
    return html.escape(str(value))


def _table_html(table: pd.DataFrame) -> str:
    """The numbers table as escaped HTML (by hand: pandas' ``to_html`` takes ~10 ms)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    columns = [table[c].to_numpy() for c in table.columns]
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(col[i])}</td>" for col in columns) + "</tr>"
        for i in range(len(table))
    )
    return (f'<table class="synth-explorer-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


class Explorer:
    """Load once, redraw fast: the state behind the explorer notebook's widgets.

    Parameters
    ----------
    data
        A validated coded dataset.
    questions_text
        Question number to its wording, for the titles (default: the study's ``questions.csv``
        in the data folder, when there is one).
    say
        Progress callback (loading and analysing takes a second or two).
    context
        What the figures are compared with (default: :meth:`FigureContext.from_folder` of the
        data folder; nothing for data built in memory).

    Attributes
    ----------
    settings
        The current controls: ``question, unit, error, leave_out, points, colour, rule,
        publication``.

    Examples
    --------
    >>> ex = Explorer(data)
    >>> ex.view(question=1, error="se", rule=True)["theme"].tolist()[:2]
    ['Relationships with partners', 'Research evidence']
    """

    def __init__(
        self,
        data: CodedData,
        questions_text: Mapping[int, str] | None = None,
        say: Callable[[str], None] | None = None,
        context: FigureContext | None = None,
    ) -> None:
        note = say or (lambda _m: None)
        self.data = data
        self.analyses: dict[str, Analysis] = {}
        self.matrices: dict[tuple[str, int], QuestionShares] = {}
        for unit in UNITS:
            note(f"analysing (unit: {unit})")
            result = analyse(data, unit=unit)
            self.analyses[unit] = result
            for q in result.questions:
                self.matrices[(unit, q)] = question_shares_matrix(result, q)
        themes = self.analyses[UNITS[0]].themes
        self.major = frozenset(themes.loc[themes["major"].astype(bool), "theme"])
        self.questions = self.analyses[UNITS[0]].questions
        self.groups = sorted({str(g) for g in data.segments["focus_group"]})
        if context is None and data.folder is not None:
            context = FigureContext.from_folder(data.folder)
        self.context = context if context is not None else FigureContext()
        if questions_text is None:
            study = self.context.study
            questions_text = study.question_texts() if study is not None else {}
        self.questions_text = dict(questions_text)
        # every t quantile a confidence interval can need, now: the first switch to "95% CI"
        # must not wait for scipy to load
        for dof in range(1, max(2, len(self.groups))):
            _t_quantile(dof)
        self._publication: dict[tuple[str, int], str] = {}
        self.settings: dict[str, Any] = {
            "question": self.questions[0],
            "unit": "paragraph",
            "error": "sd",
            "leave_out": None,
            "points": False,
            "colour": True,
            "rule": False,
            "publication": False,
        }
        self._widgets: dict[str, Any] = {}

    @classmethod
    def from_folder(cls, folder: str | os.PathLike[str], **kwargs: Any) -> Explorer:
        """Load a coded-data folder (:func:`synth.io.load_coded_data`) and build the explorer.

        ``**kwargs`` go to :class:`Explorer`; data that break the schema raise
        :class:`~synth.DataError`.

        Examples
        --------
        >>> Explorer.from_folder("data/raw").questions
        [1, 2, 3, 4, 5, 6, 7, 8]
        """
        return cls(load_coded_data(folder), **kwargs)

    # --- the pure part: settings in, numbers and figure out ------------------------------------

    def _merged(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(overrides) - set(self.settings)
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(self.settings)}")
        merged = {**self.settings, **overrides}
        merged["unit"] = check_unit(merged["unit"])
        if (merged["unit"], merged["question"]) not in self.matrices:
            raise ValueError(f"question {merged['question']} has no codings "
                             f"(questions: {', '.join(map(str, self.questions))})")
        return merged

    def shares(self, **settings: Any) -> QuestionShares:
        """The precomputed :class:`QuestionShares` for ``question`` and ``unit`` of the settings.

        Parameters
        ----------
        **settings
            Overrides of :attr:`settings`.

        Returns
        -------
        QuestionShares

        Raises
        ------
        ValueError
            An unknown setting, unit or question.

        Examples
        --------
        >>> Explorer(data).shares(question=2, unit="code").groups[:2]
        ('FG01', 'FG02')
        """
        s = self._merged(settings)
        return self.matrices[(s["unit"], int(s["question"]))]

    def view(self, **settings: Any) -> pd.DataFrame:
        """:func:`view_table` for the current settings (overridden by ``settings``).

        Parameters
        ----------
        **settings
            Overrides of :attr:`settings`.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ValueError
            An unknown setting, unit, question, or a left-out group that leaves none.

        Examples
        --------
        >>> view = Explorer(data).view(question=1, leave_out="FG01")
        >>> int(view["n_groups"].max())
        9
        """
        s = self._merged(settings)
        return view_table(
            self.matrices[(s["unit"], int(s["question"]))],
            error=s["error"],
            leave_out=s["leave_out"],
            major=self.major,
            order="rank" if s["rule"] else "codebook",
        )

    def title(self, question: int) -> str:
        """"Question N: wording" in full (the chart wraps it), or "Question N".

        Examples
        --------
        >>> Explorer(data).title(1).startswith("Question 1: Can you tell us")
        True
        """
        text = self.questions_text.get(int(question))
        return f"Question {int(question)}: {text}" if text else f"Question {int(question)}"

    def render(self, **settings: Any) -> tuple[dict[str, Any], pd.DataFrame]:
        """The figure (a plotly dictionary) and the numbers table for the settings.

        Parameters
        ----------
        **settings
            Overrides of :attr:`settings`.

        Returns
        -------
        tuple of (dict, pandas.DataFrame)
            :func:`synth.interactive.figure_dict` output and :func:`numbers_table` output.

        Raises
        ------
        ValueError
            As :meth:`view`.

        Examples
        --------
        >>> fig, numbers = Explorer(data).render(error="ci95")
        >>> fig["data"][0]["type"]
        'bar'
        """
        s = self._merged(settings)
        shares = self.matrices[(s["unit"], int(s["question"]))]
        view = self.view(**settings)
        leave = s["leave_out"] if s["leave_out"] in shares.groups else None
        groups = pd.DataFrame(shares.pct.T, index=list(shares.themes),
                              columns=list(shares.groups))
        if leave is not None:
            groups = groups.drop(columns=[leave])
        q = int(s["question"])
        unit_note = "coded paragraphs" if s["unit"] == "paragraph" else "code occurrences"
        left = f"; {leave} left out" if leave else ""
        published = self.context.published_values(q)
        # the ensemble's ranges are those of the whole data under the paper's reading
        ranges = (self.context.ranges_for(q)
                  if s["unit"] == "paragraph" and leave is None else None)
        fig = figure_dict(
            view,
            groups=groups,
            error=s["error"],
            colour_by_class=bool(s["colour"]),
            show_points=bool(s["points"]),
            show_rule=bool(s["rule"]),
            mark_reported=True,
            title=f"{self.title(q)} ({unit_note}{left})",
            published=published,
            ranges=ranges,
        )
        return fig, numbers_table(view, shares, leave, published)

    def publication_png(self, question: int, unit: str = "paragraph") -> str:
        """Figure *question* exactly as ``figN.png`` draws it (:func:`synth.plots.draw_figure`),
        as a PNG ``data:`` URI at screen resolution (drawn once per question and unit).

        Parameters
        ----------
        question
            The question.
        unit
            The counting unit.

        Returns
        -------
        str
            ``data:image/png;base64,...``

        Examples
        --------
        >>> Explorer(data).publication_png(1).startswith("data:image/png;base64,")
        True
        """
        import base64
        import io

        key = (check_unit(unit), int(question))
        if key not in self._publication:
            from .plots import draw_figure

            fig = draw_figure(self.analyses[key[0]], key[1], questions_text=self.questions_text)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
            self._publication[key] = ("data:image/png;base64,"
                                      + base64.b64encode(buffer.getvalue()).decode("ascii"))
        return self._publication[key]

    # --- the widgets --------------------------------------------------------------------------

    def redraw(self, **settings: Any) -> None:
        """Apply ``settings`` and redraw the figure and the table in the widget's outputs.

        Parameters
        ----------
        **settings
            Overrides of :attr:`settings`, kept for the next redraw.

        Raises
        ------
        ValueError
            As :meth:`view` (the settings are left unchanged).

        Examples
        --------
        >>> Explorer(data).redraw(question=3)  # doctest: +SKIP
        """
        merged = self._merged(settings)
        fig, numbers = self.render(**merged)
        self.settings = merged
        if not self._widgets:
            return
        q, unit = int(merged["question"]), merged["unit"]
        bundle: dict[str, Any]
        if merged["publication"]:
            alt = html.escape(f"Figure {q} as figN.png draws it: {self.title(q)}", quote=True)
            bundle = {"text/html": f'<img src="{self.publication_png(q, unit)}" alt="{alt}" '
                                   'style="max-width:100%">',
                      "text/plain": f"<Figure {q}, publication view>"}
        else:
            bundle = {PLOTLY_MIMETYPE: fig, "text/plain": "<figure>"}
        self._show(bundle)
        note = ("Publication view: the figure as figN.png draws it (the error-bar, group and "
                "colour controls do not apply to it). " if merged["publication"] else "")
        self._widgets["table"].value = (
            f"<p>{note}{csv_link(numbers, f'question{q}_{unit}_view.csv')}</p>"
            + _table_html(numbers))

    def _show(self, bundle: dict[str, Any]) -> None:
        # one state message to the browser: the output widget's outputs replaced at once (its
        # capture, clear_output and display would take five messages)
        self._widgets["figure"].outputs = (
            {"output_type": "display_data", "data": bundle, "metadata": {}},)

    def _status(self, message: str) -> None:
        if self._widgets:
            self._widgets["status"].value = html.escape(message)

    def widget(self) -> Any:
        """The explorer: controls, the figure, and the numbers behind it.

        Returns
        -------
        ipywidgets.VBox
            Display it in JupyterLab (``display(ex.widget())``).

        Examples
        --------
        >>> display(Explorer.from_folder("data/raw").widget())  # doctest: +SKIP
        """
        import ipywidgets as w

        style = {"description_width": "initial"}
        question = w.Dropdown(
            options=[(f"Question {q}", q) for q in self.questions],
            value=self.settings["question"], description="Question", style=style,
        )
        buttons = {"description_width": "initial", "button_width": "auto"}
        error = w.ToggleButtons(options=[(label, key) for key, label in ERRORS.items()],
                                value=self.settings["error"], description="Error bars",
                                style=buttons)
        unit = w.ToggleButtons(options=[("coded paragraphs", "paragraph"),
                                        ("code occurrences", "code")],
                               value=self.settings["unit"], description="Unit", style=buttons)
        # "" stands for no group: a Dropdown shows a None value as an empty box
        leave = w.Dropdown(options=[(_NONE, "")] + [(g, g) for g in self.groups],
                           value=self.settings["leave_out"] or "", description="Leave out group",
                           style=style)
        points = w.Checkbox(value=self.settings["points"], description="each group's percentage",
                            indent=False)
        colour = w.Checkbox(value=self.settings["colour"], description="major/minor colours",
                            indent=False)
        rule = w.Checkbox(value=self.settings["rule"],
                          description="50% rule drawn out (rank order, cumulative %)",
                          indent=False)
        publication = w.Checkbox(value=self.settings["publication"],
                                 description="publication view (figN.png)", indent=False)
        status = w.HTML()
        self._widgets = {
            "figure": w.Output(),
            "table": w.HTML(),
            "status": status,
        }
        controls = {"question": question, "error": error, "unit": unit, "leave_out": leave,
                    "points": points, "colour": colour, "rule": rule, "publication": publication}

        def changed(_change: Any) -> None:
            values = {k: c.value for k, c in controls.items()}
            values["leave_out"] = values["leave_out"] or None
            try:
                self.redraw(**values)
                self._status("")
            except ValueError as exc:
                self._status(str(exc))

        for control in controls.values():
            control.observe(changed, names="value")
        box = w.VBox([
            w.HBox([question, leave]),
            error,
            unit,
            w.HBox([points, colour, rule, publication]),
            status,
            self._widgets["figure"],
            w.HTML("<b>The numbers behind the figure</b> (percentages; error ± is the "
                   "half-width of the chosen error bar"
                   + ("; published %: the value the paper prints" if self.context.compared
                      else "") + ")"),
            self._widgets["table"],
        ])
        self.redraw()
        return box


def explore(
    data_dir: str | os.PathLike[str],
    question: int | None = None,
    unit: str = "paragraph",
) -> Explorer:
    """Build an :class:`Explorer` on a coded-data folder with its first settings.

    Parameters
    ----------
    data_dir
        The coded-data folder.
    question
        The question shown first (default the first with codings).
    unit
        The unit shown first.

    Returns
    -------
    Explorer

    Raises
    ------
    DataError
        The data break the schema.
    ValueError
        ``question`` has no codings or ``unit`` is unknown.

    Examples
    --------
    >>> ex = explore("data/raw", question=2)  # doctest: +SKIP
    >>> display(ex.widget())  # doctest: +SKIP
    """
    ex = Explorer.from_folder(data_dir)
    first = {"unit": unit}
    if question is not None:
        first["question"] = int(question)  # type: ignore[assignment]
    ex.settings = ex._merged(first)
    return ex
