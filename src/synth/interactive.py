"""Interactive (plotly) versions of Figures 1-8, for the HTML report and the explorer notebook.

The seaborn figures of :mod:`synth.plots` stay the publication versions; the charts here are drawn
from the same numbers (:func:`synth.plots.figure_table`) so that a reader of the report can hover
over a bar and see the theme, its mean percentage, the SD, the number of focus groups and every
group's own percentage.

- :func:`interactive_figure` builds a :class:`plotly.graph_objects.Figure` for one question;
- :func:`interactive_html` turns it into a ``<div>`` *without* plotly.js, and :func:`plotly_js`
  returns the library itself (:func:`plotly_script`: as one ``<script>`` element), so that a
  report embeds the JavaScript once and works offline from a file;
- :func:`show_interactive` is what a notebook displays: a plotly chart in JupyterLab and the
  ``<div>`` in the HTML report.

Every string that comes from data (theme and group names) is HTML-escaped before it reaches
plotly, whose labels understand a little HTML.

The figure is assembled as a plain dictionary by :func:`figure_dict`; the explorer
(:mod:`synth.explorer`) displays that dictionary directly, which keeps a redraw to milliseconds.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis import Analysis

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "PLOTLY_MIMETYPE",
    "COLOURS",
    "group_values",
    "figure_dict",
    "interactive_figure",
    "interactive_html",
    "plotly_js",
    "plotly_script",
    "show_interactive",
]

#: The MIME type JupyterLab's plotly renderer displays.
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"

#: Bar colours: seaborn's ``colorblind`` palette, as the publication figures use.
COLOURS: dict[str, str] = {
    "major": "#0173b2",
    "minor": "#de8f05",
    "theme": "#0173b2",
    "points": "#222222",
    "cumulative": "#029e73",
}

_TICK_WIDTH = 22
_ERROR_LABEL = {
    "sd": "±1 SD across focus groups",
    "se": "±1 standard error of the mean",
    "ci95": "95% confidence interval of the mean",
}
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def _tick(theme: str) -> str:
    return "<br>".join(_esc(line) for line in textwrap.wrap(theme, _TICK_WIDTH) or [""])


def _number(value: float, decimals: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{decimals}f}"


def _finite_or_none(values: Iterable[float]) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(float(v)) else None for v in values]


def group_values(analysis: Analysis, question: int) -> pd.DataFrame:
    """Each answering focus group's percentage per theme for one question, wide.

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    question
        The question number.

    Returns
    -------
    pandas.DataFrame
        Index: the codebook's themes in codebook order; one column per focus group that has a
        coding in ``question`` (sorted), holding the group's percentage (0 where the theme is
        absent from the group).

    Examples
    --------
    >>> group_values(analysis, 1).columns.tolist()[:3]
    ['FG01', 'FG02', 'FG03']
    """
    rows = analysis.group_shares[analysis.group_shares["question"] == question]
    wide = rows.pivot(index="theme", columns="focus_group", values="pct")
    order = list(analysis.theme_order) or list(dict.fromkeys(rows["theme"]))
    return wide.reindex(index=order, columns=sorted(wide.columns)).fillna(0.0)


def _hover(
    theme: str,
    mean: float,
    sd: float,
    n: int,
    groups: Sequence[str],
    values: Sequence[float],
    error: str,
    half: float,
    reported: bool,
    major: bool | None,
) -> str:
    lines = [f"<b>{_esc(theme)}</b>"]
    if major is not None:
        lines[0] += f" ({'major' if major else 'minor'} theme)"
    lines.append(f"mean: {_number(mean)}%")
    lines.append(f"SD: {_number(sd)}")
    if error != "sd":
        lines.append(f"{'SE' if error == 'se' else '95% CI half-width'}: {_number(half)}")
    lines.append(f"n groups: {n}")
    if reported:
        lines.append("reported (50% rule)")
    for name, value in zip(groups, values, strict=True):
        lines.append(f"{_esc(name)}: {_number(value)}%")
    return "<br>".join(lines)


def figure_dict(
    table: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    error: str = "sd",
    colour_by_class: bool = True,
    show_points: bool = False,
    show_rule: bool = False,
    mark_reported: bool = True,
    title: str | None = None,
    height: int = 520,
) -> dict[str, Any]:
    """The plotly figure of one question as a plain dictionary (no validation, so it is fast).

    Parameters
    ----------
    table
        One row per bar, in the order to draw: ``theme``, ``mean_pct``, ``sd_pct``, ``n_groups``,
        ``reported`` and optionally ``major`` (bool) and ``err`` (the error bar's half-width;
        default ``sd_pct``).
    groups
        Each group's percentage per theme (index: theme; columns: groups), as
        :func:`group_values` returns; shown in the hover text and, with ``show_points``, as
        points over the bars.
    error
        What the error bars show: ``"sd"`` (±1 SD, the paper's), ``"se"`` or ``"ci95"``; only the
        legend's wording depends on it (the half-widths come from ``table``).
    colour_by_class
        Colour major and minor themes differently (needs ``major`` in ``table``).
    show_points
        Draw every group's own percentage as a point over its bar.
    show_rule
        Hatch the reported themes and draw the cumulative percentage (in the table's order) with
        a dashed line at 50%.
    mark_reported
        Hatch the reported themes (as the publication figures do), also without ``show_rule``.
    title
        The title (plain text, escaped).
    height
        Height in pixels.

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}``, ready for :class:`plotly.graph_objects.Figure` or
        the plotly MIME type. The first trace is the bars: ``x`` = 0, 1, ... and ``y`` = the means.

    Raises
    ------
    ValueError
        ``error`` is not one of ``"sd"``, ``"se"``, ``"ci95"``, or a column is missing.

    Examples
    --------
    >>> t = pd.DataFrame({"theme": ["A", "B"], "mean_pct": [70.0, 30.0], "sd_pct": [5.0, 5.0],
    ...                   "n_groups": [3, 3], "reported": [True, False]})
    >>> figure_dict(t)["data"][0]["y"]
    [70.0, 30.0]
    """
    if error not in _ERROR_LABEL:
        raise ValueError(f"error must be 'sd', 'se' or 'ci95', got {error!r}")
    missing = [c for c in ("theme", "mean_pct", "sd_pct", "n_groups", "reported")
               if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {', '.join(missing)}")
    themes = [str(t) for t in table["theme"]]
    x = list(range(len(themes)))
    mean = table["mean_pct"].to_numpy(dtype="float64")
    sd = table["sd_pct"].to_numpy(dtype="float64")
    half = table["err"].to_numpy(dtype="float64") if "err" in table.columns else sd
    n = table["n_groups"].to_numpy(dtype="int64")
    reported = table["reported"].to_numpy(dtype=bool)
    major: np.ndarray | None = (
        table["major"].to_numpy(dtype=bool) if "major" in table.columns else None
    )
    if groups is not None:
        wide = groups.reindex(index=themes)
        names = [str(c) for c in wide.columns]
        matrix = wide.to_numpy(dtype="float64")
    else:
        names, matrix = [], np.zeros((len(themes), 0))

    if colour_by_class and major is not None:
        colours = [COLOURS["major"] if m else COLOURS["minor"] for m in major]
    else:
        colours = [COLOURS["theme"]] * len(themes)
    hover = [
        _hover(t, mean[i], sd[i], int(n[i]), names, matrix[i], error, half[i], bool(reported[i]),
               None if major is None else bool(major[i]))
        for i, t in enumerate(themes)
    ]
    marker: dict[str, Any] = {"color": colours, "line": {"color": "#1a1a1a", "width": 0}}
    if show_rule or mark_reported:
        marker["pattern"] = {"shape": ["/" if r else "" for r in reported], "fgcolor": "#1a1a1a"}
        marker["line"]["width"] = [1.5 if r else 0 for r in reported]
    finite = np.isfinite(half)
    bars: dict[str, Any] = {
        "type": "bar",
        "name": "mean percentage",
        "x": x,
        "y": [float(v) for v in mean],
        "marker": marker,
        "hovertext": hover,
        "hoverinfo": "text",
        "showlegend": False,
    }
    if finite.any():
        bars["error_y"] = {
            "type": "data",
            "array": _finite_or_none(half),
            "visible": True,
            "color": "#262626",
            "thickness": 1.2,
            "width": 4,
        }
    data: list[dict[str, Any]] = [bars]
    if show_points and matrix.shape[1]:
        k = matrix.shape[1]
        offsets = np.linspace(-0.25, 0.25, k) if k > 1 else np.zeros(1)
        px, py, ptext = [], [], []
        for i, theme in enumerate(themes):
            for j, name in enumerate(names):
                px.append(float(i + offsets[j]))
                py.append(float(matrix[i, j]))
                ptext.append(f"{_esc(name)}: {_number(matrix[i, j])}% ({_esc(theme)})")
        data.append({
            "type": "scatter",
            "mode": "markers",
            "name": "each focus group",
            "x": px,
            "y": py,
            "hovertext": ptext,
            "hoverinfo": "text",
            "marker": {"color": COLOURS["points"], "size": 5, "opacity": 0.7},
        })
    shapes: list[dict[str, Any]] = []
    if show_rule:
        cumulative = np.cumsum(mean)
        data.append({
            "type": "scatter",
            "mode": "lines+markers",
            "name": "cumulative % (50% rule)",
            "x": x,
            "y": [float(v) for v in cumulative],
            "hovertext": [f"cumulative: {_number(v)}%" for v in cumulative],
            "hoverinfo": "text",
            "line": {"color": COLOURS["cumulative"], "width": 1.5},
            "marker": {"size": 5},
        })
        shapes.append({
            "type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 50, "y1": 50,
            "line": {"dash": "dash", "color": COLOURS["cumulative"], "width": 1.5},
        })
    legend_note = _ERROR_LABEL[error] if finite.any() else "no error bars (one group answered)"
    if show_rule or mark_reported:
        legend_note = "hatched: reported (50% rule) &nbsp; " + legend_note
    if colour_by_class and major is not None:
        legend_note = (f"<span style='color:{COLOURS['major']}'>■</span> major &nbsp; "
                       f"<span style='color:{COLOURS['minor']}'>■</span> minor &nbsp; "
                       + legend_note)
    top = float(np.nanmax(np.concatenate([mean + np.where(finite, half, 0.0),
                                          matrix.ravel() if show_points else [0.0],
                                          [55.0] if show_rule else [0.0]]))) if len(mean) else 1.0
    layout: dict[str, Any] = {
        "title": {"text": _esc(title) if title else "", "x": 0.0, "xanchor": "left",
                  "font": {"size": 14}},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 60 if title else 20, "b": 150},
        "xaxis": {"tickmode": "array", "tickvals": x, "ticktext": [_tick(t) for t in themes],
                  "tickangle": -45, "tickfont": {"size": 10}, "range": [-0.6, len(themes) - 0.4]},
        "yaxis": {"title": {"text": "Percentage of codes"}, "rangemode": "tozero",
                  "range": [0, max(1.0, top) * 1.08]},
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "showlegend": bool(show_points or show_rule),
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        "annotations": [{"text": legend_note, "xref": "paper", "yref": "paper", "x": 1, "y": 1,
                         "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                         "font": {"size": 11}}] if not (show_points or show_rule) else [],
        "shapes": shapes,
        "bargap": 0.25,
    }
    layout["yaxis"]["gridcolor"] = "#e5e5e5"
    return {"data": data, "layout": layout}


def interactive_figure(
    analysis: Analysis,
    question: int,
    *,
    title: str | None = None,
    colour_by_class: bool = True,
    show_points: bool = False,
    show_rule: bool = False,
) -> go.Figure:
    """One question's interactive bar chart: the mean percentage per theme with ±1 SD error bars.

    The bars are exactly :func:`synth.plots.figure_table`'s values (the numbers of the seaborn
    figure and of ``figN.csv``); hovering a bar shows the theme, its mean, SD, the number of groups
    that answered and every group's own percentage.

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    question
        The question number (Figure N shows Question N).
    title
        The title; default "Question N".
    colour_by_class
        Colour major and minor themes (Appendix 1) differently.
    show_points
        Draw every group's percentage as a point over its bar.
    show_rule
        Put the bars in rank order (mean descending, ties in codebook order), hatch the reported
        themes and draw the cumulative percentage with a dashed line at 50%.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig.data[0]`` is the bar trace (``x`` = 0, 1, ... in codebook order, or rank order with
        ``show_rule``; ``y`` = means, ``error_y.array`` = SDs).

    Raises
    ------
    DataError
        No focus group has a coding in ``question``.

    Examples
    --------
    >>> fig = interactive_figure(analysis, 1)
    >>> [round(y, 2) for y in fig.data[0].y][:2]
    [25.68, 7.3]
    """
    import plotly.graph_objects as go

    from .plots import figure_table

    table = figure_table(analysis, question)
    majors = set(analysis.themes.loc[analysis.themes["major"].astype(bool), "theme"])
    table = table.assign(major=table["theme"].isin(majors))
    if show_rule:  # the rule's order: mean descending, ties in codebook order
        key = np.lexsort((np.arange(len(table)), -np.round(table["mean_pct"].to_numpy(), 9)))
        table = table.iloc[key].reset_index(drop=True)
    spec = figure_dict(
        table,
        groups=group_values(analysis, question),
        colour_by_class=colour_by_class,
        show_points=show_points,
        show_rule=show_rule,
        title=title if title is not None else f"Question {question}",
    )
    return go.Figure(spec)


def interactive_html(fig: go.Figure | Mapping[str, Any], div_id: str = "synth-figure") -> str:
    """A ``<div>`` (and its drawing script) for a report, *without* plotly.js.

    The page must load :func:`plotly_js` once, before the first such div.

    Parameters
    ----------
    fig
        A plotly figure, or the dictionary of :func:`figure_dict`.
    div_id
        The div's id (letters, digits, ``-`` and ``_``; starting with a letter). A fixed id keeps
        the output the same on every run.

    Returns
    -------
    str
        HTML: a ``<div class="synth-interactive">`` holding the plotly div and its script.

    Raises
    ------
    ValueError
        ``div_id`` is not a valid id.

    Examples
    --------
    >>> html_text = interactive_html({"data": [], "layout": {}}, "fig-1")
    >>> "Plotly.newPlot" in html_text and "<script src" not in html_text
    True
    """
    import plotly.graph_objects as go
    import plotly.io as pio

    if not _ID_RE.match(div_id):
        raise ValueError(f"div_id must be letters, digits, '-' or '_' starting with a letter, "
                         f"got {div_id!r}")
    figure = fig if isinstance(fig, go.Figure) else go.Figure(dict(fig))
    body = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
        validate=False,
    )
    return f'<div class="synth-interactive" data-figure="{div_id}">{body}</div>'


def plotly_js() -> str:
    """plotly.js itself (minified), to be embedded once in a page as ``<script>...</script>``.

    Returns
    -------
    str
        The library's JavaScript (several MB), as bundled with the installed ``plotly`` package,
        so a report works offline and from a file.

    Examples
    --------
    >>> "Plotly" in plotly_js()[:5000]
    True
    """
    from plotly.offline import get_plotlyjs

    script: str = get_plotlyjs()
    return script


@functools.lru_cache(maxsize=1)
def plotly_script() -> str:
    """plotly.js as one ``<script>`` element for a page's ``<head>``, embedded as a data URI.

    Base64 keeps the library's own text (its error-message strings, any ``</script>``) out of the
    page's markup, so checks that scan a report for error output see only the report; the
    browser runs it as it runs an inline script, offline and from a file.

    Returns
    -------
    str
        ``<script src="data:text/javascript;base64,..."></script>`` holding :func:`plotly_js`.

    Examples
    --------
    >>> plotly_script().startswith('<script src="data:text/javascript;base64,')
    True
    """
    payload = base64.b64encode(plotly_js().encode("utf-8")).decode("ascii")
    return f'<script src="data:text/javascript;base64,{payload}"></script>'


class _Interactive:
    """A chart for notebooks: plotly's MIME type in JupyterLab, the plain div in HTML output."""

    def __init__(self, spec: dict[str, Any], markup: str) -> None:
        self.spec = spec
        self.markup = markup

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {PLOTLY_MIMETYPE: self.spec, "text/html": self.markup,
                "text/plain": "<interactive figure>"}


def show_interactive(analysis: Analysis, question: int, *, title: str | None = None) -> Any:
    """What a notebook displays for Figure N's interactive version.

    JupyterLab renders the plotly MIME type; nbconvert's HTML export (the report) takes the
    ``text/html`` version, :func:`interactive_html` with id ``interactive-figure-N``, which needs
    :func:`plotly_js` in the page.

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    question
        The question number.
    title
        The chart's title; default "Question N".

    Returns
    -------
    object
        An object with ``_repr_mimebundle_`` (pass it to ``IPython.display.display``).

    Examples
    --------
    >>> "text/html" in show_interactive(analysis, 1)._repr_mimebundle_()
    True
    """
    import plotly.io as pio

    fig = interactive_figure(analysis, question, title=title)
    spec = json.loads(pio.to_json(fig, validate=False))
    return _Interactive(spec, interactive_html(fig, f"interactive-figure-{question}"))
