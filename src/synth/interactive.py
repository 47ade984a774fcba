"""Interactive (plotly) versions of Figures 1-8, for the HTML report and the explorer notebook.

The seaborn figures of :mod:`synth.plots` stay the publication versions; the charts here are drawn
from the same numbers (:func:`synth.plots.figure_table`), with the error bars drawn the same way
(mean ± half-width, in full: not clipped at 0), so that a reader of the report can hover over a
bar and see what it rests on, and click it to see the evidence behind it.

- :class:`FigureContext` says what a study's figures are compared with: the paper's published
  values (only when the study sets ``compare_to_paper``) and, for the shipped reconstruction, each
  bar's range across the ensemble of reconstructions (``make ensemble``);
- :func:`figure_dict` builds the chart as a plain dictionary (fast: the explorer redraws with it);
  bars whose value the paper publishes are solid and carry the published value, the others are
  pale and outlined; the key always says what the colours, hatching and error bars mean;
- :func:`interactive_figure` is the same as a :class:`plotly.graph_objects.Figure`;
- :func:`evidence` collects, per bar, the theme's subthemes with their counts in the question,
  the paper's quotations for it, each group's value and the coded paragraphs that carry text;
- :func:`show_question_figure` is what the report shows for Figure N: the chart with the static
  PNG as the no-script fallback, an evidence panel filled by :func:`evidence_script` when a bar is
  clicked, download links for ``figures/figN.*`` and the caption;
- :func:`interactive_html` turns a chart into a ``<div>`` *without* plotly.js and
  :func:`plotly_script` embeds the library once per page, so a report works offline from a file.

Every string that comes from data (theme, group and subtheme names, quotations, paragraphs) is
HTML-escaped before it reaches plotly, whose labels understand a little HTML; the evidence is
embedded as JSON with ``<``, ``>`` and ``&`` escaped and put on the page with ``textContent``.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import os
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis import Analysis

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

    from .io import CodedData
    from .published import Published
    from .study import Study

__all__ = [
    "PLOTLY_MIMETYPE",
    "COLOURS",
    "ERROR_LABELS",
    "FigureContext",
    "group_values",
    "figure_dict",
    "interactive_figure",
    "evidence",
    "evidence_json",
    "interactive_html",
    "plotly_js",
    "plotly_script",
    "evidence_script",
    "show_interactive",
    "show_question_figure",
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
    "edge": "#1a1a1a",
}

#: What the error bars show, as the key says it.
ERROR_LABELS: dict[str, str] = {
    "sd": "±1 SD across focus groups",
    "se": "±1 standard error of the mean",
    "ci95": "95% confidence interval of the mean (t)",
}

_TICK_WIDTH = 22
_TITLE_WIDTH = 80
_KEY_WIDTH = 92
_PALE = 0.28  # opacity of the fill of a bar whose value the paper does not publish
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ENSEMBLE_COLUMNS = ("question", "theme", "n_seeds", "mean_min", "mean_max")


def _esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def _tick(theme: str) -> str:
    return "<br>".join(_esc(line) for line in textwrap.wrap(theme, _TICK_WIDTH) or [""])


def _wrapped(text: str, width: int) -> list[str]:
    return [_esc(line) for line in textwrap.wrap(text, width)] or [""]


def _number(value: float | None, decimals: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{decimals}f}"


def _finite_or_none(values: Iterable[float]) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(float(v)) else None for v in values]


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# --- what a figure is compared with ------------------------------------------------------------


@dataclass(frozen=True)
class FigureContext:
    """What a study's figures are compared with.

    Attributes
    ----------
    study
        The study as its data folder describes it (:func:`synth.study.load_study`).
    published
        The paper's published record, only when the study sets ``compare_to_paper``; None
        otherwise (then no bar is marked as published and no quotation of the paper is shown).
    shipped
        Whether the data are the shipped reconstruction.
    ranges
        Each bar's range across the ensemble of reconstructions (columns ``question, theme,
        n_seeds, mean_min, mean_max``), for the shipped reconstruction when ``make ensemble`` has
        run; None otherwise.

    Examples
    --------
    >>> context = FigureContext.from_folder("data/raw")
    >>> context.published_values(1)
    {'Relationships with partners': 28.7, 'Research evidence': 25.68}
    >>> FigureContext().published_values(1) is None
    True
    """

    study: Study | None = None
    published: Published | None = None
    shipped: bool = False
    ranges: pd.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def from_folder(
        cls,
        folder: str | os.PathLike[str],
        *,
        unit: str = "paragraph",
        ensemble: str | os.PathLike[str] | None = None,
    ) -> FigureContext:
        """The context of the coded data in ``folder``.

        Parameters
        ----------
        folder
            The coded-data folder (its ``study.toml`` says whether it is compared with the paper).
        unit
            The counting unit of the figures: the ensemble's ranges are of the paper's reading
            (coded paragraphs) and are used only with it.
        ensemble
            ``ensemble_ranges.csv`` of ``synth ensemble``; default the compendium's
            ``data/processed/ensemble/ensemble_ranges.csv``. Read only for the shipped
            reconstruction, when the file exists.

        Returns
        -------
        FigureContext

        Raises
        ------
        DataError
            ``study.toml`` or ``questions.csv`` is malformed, or the ensemble file lacks a column.
        """
        from .checksums import is_shipped_reconstruction
        from .study import load_study

        study = load_study(folder)
        published = None
        if study.compare_to_paper:
            from .published import load_published

            published = load_published()
        shipped = is_shipped_reconstruction(folder)
        ranges = None
        if shipped and unit == "paragraph":
            ranges = _read_ranges(ensemble)
        return cls(study=study, published=published, shipped=shipped, ranges=ranges)

    @property
    def compared(self) -> bool:
        """Whether the figures are compared with the paper's published values."""
        return self.published is not None

    @functools.cached_property
    def _values(self) -> pd.DataFrame | None:
        if self.published is None:
            return None
        from .published import reported_themes

        return reported_themes(self.published)

    def published_values(self, question: int) -> dict[str, float] | None:
        """Theme to the percentage the paper publishes for it in ``question``; None when the
        study is not compared with the paper (an empty dict: compared, nothing published)."""
        values = self._values
        if values is None:
            return None
        rows = values[values["question"] == int(question)]
        return {str(t): float(v) for t, v in zip(rows["theme"], rows["published_pct"],
                                                 strict=True)}

    def ranges_for(self, question: int) -> dict[str, tuple[float, float, int]] | None:
        """Theme to ``(lowest, highest, reconstructions)`` of its bar across the ensemble, or
        None without an ensemble."""
        if self.ranges is None:
            return None
        rows = self.ranges[self.ranges["question"] == int(question)]
        return {
            str(t): (float(lo), float(hi), int(n))
            for t, lo, hi, n in zip(rows["theme"], rows["mean_min"], rows["mean_max"],
                                    rows["n_seeds"], strict=True)
        }

    def quotations(self, question: int) -> pd.DataFrame:
        """The paper's quotations for ``question`` (Tables 2-9), names mapped to Appendix 1's:
        ``table, theme, subtheme, quotation``; empty when the study is not compared."""
        columns = ["table", "theme", "subtheme", "quotation"]
        if self.published is None:
            return pd.DataFrame(columns=columns)
        from .published import canonical_names

        quotes = self.published.quotations
        rows = quotes[quotes["question"] == int(question)]
        names = [canonical_names(self.published, t, s)
                 for t, s in zip(rows["theme"], rows["subtheme"], strict=True)]
        return pd.DataFrame({
            "table": rows["table"].astype(int).to_numpy(),
            "theme": [n[0] for n in names],
            "subtheme": [n[1] for n in names],
            "quotation": rows["quotation"].astype(str).str.strip().to_numpy(),
        }, columns=columns)


def _read_ranges(path: str | os.PathLike[str] | None) -> pd.DataFrame | None:
    from ._exceptions import DataError

    if path is None:
        try:
            from .paths import processed_dir

            path = processed_dir() / "ensemble" / "ensemble_ranges.csv"
        except FileNotFoundError:
            return None
    path = Path(path)
    if not path.is_file():
        return None
    frame = pd.read_csv(path)
    missing = [c for c in _ENSEMBLE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"lacks column(s) {', '.join(missing)}; rebuild it with make ensemble",
                        path=path)
    return frame


# --- the chart ---------------------------------------------------------------------------------


def group_values(analysis: Analysis, question: int) -> pd.DataFrame:
    """Each answering focus group's percentage per theme for one question, wide.

    Parameters
    ----------
    analysis
        An analysis (:func:`synth.analysis.analyse`); its ``group_shares`` are spread out.
    question
        Whose groups to show.

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
    compared: bool,
    published: float | None,
    span: tuple[float, float, int] | None,
) -> str:
    lines = [f"<b>{_esc(theme)}</b>"]
    if major is not None:
        lines[0] += f" ({'major' if major else 'minor'} theme)"
    if compared and published is not None:
        lines.append(f"published {published:.2f} → reproduced {_number(mean)}")
    else:
        if compared and span is not None:
            lo, hi, k = span
            lines.append(f"not published: {lo:.1f}–{hi:.1f} across {k} reconstructions")
        elif compared:
            lines.append("not published")
        lines.append(f"mean: {_number(mean)}%")
    lines.append(f"SD: {_number(sd)}")
    if error != "sd":
        lines.append(f"{'SE' if error == 'se' else '95% CI half-width'}: {_number(half)}")
    lines.append(f"groups: {n}")
    if reported:
        lines.append("reported (50% rule)")
    for name, value in zip(groups, values, strict=True):
        lines.append(f"{_esc(name)}: {_number(value)}%")
    return "<br>".join(lines)


def _visible(markup: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def _key(
    *,
    error: str,
    any_error: bool,
    coloured: bool,
    hatched: bool,
    compared: bool,
    any_unpublished: bool,
    ensemble: bool,
    points: bool,
    rule: bool,
) -> list[str]:
    """The key above the chart, as lines of plotly's HTML subset (no data in it), packed into
    lines short enough for a chart about 600 pixels wide."""
    items = []
    if coloured:
        items.append(f"<span style='color:{COLOURS['major']}'>■</span> major  "
                     f"<span style='color:{COLOURS['minor']}'>■</span> minor theme")
    if hatched:
        items.append("▨ reported (50% rule)")
    if any_error:
        items.append(f"error bars: {ERROR_LABELS[error]}, not clipped at 0")
    else:
        items.append("no error bars (one group answered)")
    if compared:
        items.append("solid, with its number: the paper publishes the value")
        if any_unpublished:
            items.append("pale, outlined: not published" + (
                " (its range across the reconstructions is in the tooltip)" if ensemble else ""))
    if points:
        items.append("● each focus group's percentage")
    if rule:
        items.append(f"<span style='color:{COLOURS['cumulative']}'>━</span> cumulative % "
                     "(right axis; dashed line at 50%)")
    lines: list[str] = []
    for item in items:
        if lines and _visible(lines[-1]) + 5 + _visible(item) <= _KEY_WIDTH:
            lines[-1] += "  ·  " + item
        else:
            lines.append(item)
    return lines


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
    height: int | None = None,
    published: Mapping[str, float] | None = None,
    ranges: Mapping[str, tuple[float, float, int]] | None = None,
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
        key's wording depends on it (the half-widths come from ``table``).
    colour_by_class
        Colour major and minor themes differently (needs ``major`` in ``table``).
    show_points
        Draw every group's own percentage as a point over its bar.
    show_rule
        Draw the cumulative percentage (in the table's order) against a right-hand axis from 0
        to 100, with a dashed line at 50%.
    mark_reported
        Hatch the themes the 50% rule reports (the publication figures do), whatever the order.
    title
        The title (plain text, escaped), wrapped to as many lines as it needs; it is the
        annotation named ``"title"`` (the key is ``"key"``, the published values ``"published"``).
    height
        Height in pixels; default 480 plus the title's and the key's lines.
    published
        Theme to the value the paper publishes for it. None: the figure is not compared with
        the paper (no bar is marked). A mapping (even empty): those bars are solid and carry the
        published value; the others are pale and outlined.
    ranges
        Theme to ``(lowest, highest, reconstructions)`` across the ensemble, for the tooltip of
        a bar the paper does not publish.

    Returns
    -------
    dict
        ``{"data": [...], "layout": {...}}``, ready for :class:`plotly.graph_objects.Figure` or
        the plotly MIME type. The first trace is the bars: ``x`` = 0, 1, ..., ``y`` = the means
        and ``customdata`` = the themes, HTML-escaped.

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
    >>> [a["text"] for a in figure_dict(t, published={"A": 70.0})["layout"]["annotations"]
    ...  if a["name"] == "published"]
    ['70.00']
    """
    if error not in ERROR_LABELS:
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
    compared = published is not None
    pub = dict(published or {})
    spans = dict(ranges or {})
    is_pub = np.array([t in pub for t in themes], dtype=bool)
    pale = compared & ~is_pub

    coloured = colour_by_class and major is not None
    if coloured:
        base = [COLOURS["major"] if m else COLOURS["minor"] for m in major]  # type: ignore[union-attr]
    else:
        base = [COLOURS["theme"]] * len(themes)
    fill = [_rgba(c, _PALE) if p else c for c, p in zip(base, pale, strict=True)]
    hatched = bool(mark_reported)
    edge = [c if p else (COLOURS["edge"] if (hatched and r) or compared else c)
            for c, p, r in zip(base, pale, reported, strict=True)]
    width = [1.5 if p or (hatched and r) or (compared and q) else 0.0
             for p, r, q in zip(pale, reported, is_pub, strict=True)]
    hover = [
        _hover(t, mean[i], sd[i], int(n[i]), names, matrix[i], error, half[i], bool(reported[i]),
               None if major is None else bool(major[i]), compared, pub.get(t), spans.get(t))
        for i, t in enumerate(themes)
    ]
    marker: dict[str, Any] = {"color": fill, "line": {"color": edge, "width": width}}
    if hatched:
        marker["pattern"] = {
            "shape": ["/" if r else "" for r in reported],
            "fillmode": "replace",  # plotly's default template would overlay: colour arrays warn
            "fgcolor": COLOURS["edge"],
            "bgcolor": fill,
            "size": 8,
            "solidity": 0.15,
        }
    finite = np.isfinite(half)
    bars: dict[str, Any] = {
        "type": "bar",
        "name": "mean percentage",
        "x": x,
        "y": [float(v) for v in mean],
        "customdata": [_esc(t) for t in themes],
        "marker": marker,
        "hovertext": hover,
        "hoverinfo": "text",
        "hoverlabel": {"align": "left"},
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
            "showlegend": False,
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
            "yaxis": "y2",
            "hovertext": [f"cumulative: {_number(v)}%" for v in cumulative],
            "hoverinfo": "text",
            "line": {"color": COLOURS["cumulative"], "width": 1.5},
            "marker": {"size": 5, "color": COLOURS["cumulative"]},
            "showlegend": False,
        })
        shapes.append({
            "type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y2", "y0": 50, "y1": 50,
            "line": {"dash": "dash", "color": COLOURS["cumulative"], "width": 1.5},
        })

    whisker_top = mean + np.where(finite, half, 0.0)
    whisker_bottom = mean - np.where(finite, half, 0.0)
    tops = [whisker_top, [0.0]]
    if show_points and matrix.size:
        tops.append(matrix.ravel())
    top = float(np.nanmax(np.concatenate(tops))) if len(mean) else 1.0
    bottom = float(np.nanmin(np.concatenate([whisker_bottom, [0.0]]))) if len(mean) else 0.0
    span = max(1.0, top - bottom)
    label_room = 0.09 * span if compared and is_pub.any() else 0.0
    y_range = [bottom - (0.04 * span if bottom < 0 else 0.0), top + 0.06 * span + label_room]

    annotations: list[dict[str, Any]] = []
    key = _key(error=error, any_error=bool(finite.any()), coloured=coloured,
               hatched=hatched and bool(reported.any()), compared=compared,
               any_unpublished=bool(pale.any()), ensemble=bool(spans),
               points=bool(show_points and matrix.shape[1]), rule=show_rule)
    annotations.append({
        "name": "key", "text": "<br>".join(key), "xref": "paper", "yref": "paper", "x": 0,
        "y": 1, "xanchor": "left", "yanchor": "bottom", "yshift": 6, "align": "left",
        "showarrow": False, "font": {"size": 11, "color": "#333333"},
    })
    for i, theme in enumerate(themes):
        if theme in pub:
            annotations.append({
                "name": "published", "text": f"{pub[theme]:.2f}", "x": i,
                "y": float(whisker_top[i]),
                "xref": "x", "yref": "y", "yanchor": "bottom", "yshift": 3, "showarrow": False,
                "font": {"size": 11, "color": COLOURS["edge"]},
            })
    title_lines = _wrapped(title, _TITLE_WIDTH) if title else []
    key_height = 15 * len(key) + 6
    if title_lines:
        # the title is an annotation above the key: plotly's own title, anchored at the top of
        # the figure, loses its first line when it wraps
        annotations.append({
            "name": "title", "text": "<br>".join(title_lines), "xref": "paper", "yref": "paper",
            "x": 0, "y": 1, "xanchor": "left", "yanchor": "bottom", "yshift": key_height + 4,
            "align": "left", "showarrow": False, "font": {"size": 14, "color": "#222222"},
        })
    top_margin = 12 + key_height + (19 * len(title_lines) + 6 if title_lines else 0)
    layout: dict[str, Any] = {
        "height": height if height is not None else 390 + top_margin,
        "margin": {"l": 60, "r": 50 if show_rule else 20, "t": top_margin, "b": 150},
        "xaxis": {"tickmode": "array", "tickvals": x, "ticktext": [_tick(t) for t in themes],
                  "tickangle": -45, "tickfont": {"size": 10}, "range": [-0.6, len(themes) - 0.4]},
        "yaxis": {"title": {"text": "Percentage of codes"}, "range": y_range,
                  "zeroline": True, "zerolinecolor": "#888888", "gridcolor": "#e5e5e5"},
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "showlegend": False,
        "annotations": annotations,
        "shapes": shapes,
        "bargap": 0.25,
    }
    if show_rule:
        layout["yaxis2"] = {"overlaying": "y", "side": "right", "range": [0, 105],
                            "title": {"text": "cumulative %"}, "showgrid": False,
                            "tickvals": [0, 25, 50, 75, 100], "zeroline": False}
    return {"data": data, "layout": layout}


def _question_table(analysis: Analysis, question: int) -> pd.DataFrame:
    from .plots import figure_table

    table = figure_table(analysis, question)
    majors = set(analysis.themes.loc[analysis.themes["major"].astype(bool), "theme"])
    return table.assign(major=table["theme"].isin(majors))


def _title_of(question: int, context: FigureContext | None) -> str:
    if context is not None and context.study is not None:
        return context.study.question_title(question)
    return f"Question {question}"


def interactive_figure(
    analysis: Analysis,
    question: int,
    *,
    title: str | None = None,
    colour_by_class: bool = True,
    show_points: bool = False,
    show_rule: bool = False,
    context: FigureContext | None = None,
) -> go.Figure:
    """One question's interactive bar chart: the mean percentage per theme with ±1 SD error bars.

    The bars are exactly :func:`synth.plots.figure_table`'s values (the numbers of the seaborn
    figure and of ``figN.csv``); hovering a bar shows the theme, the published and reproduced
    values (or the bar's range across the reconstructions), the SD, the number of groups that
    answered and every group's own percentage.

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    question
        The question number (Figure N shows Question N).
    title
        The title; default the study's "Question N: wording" (or "Question N").
    colour_by_class
        Colour major and minor themes (Appendix 1) differently.
    show_points
        Draw every group's percentage as a point over its bar.
    show_rule
        Put the bars in rank order (mean descending, ties in codebook order) and draw the
        cumulative percentage with a dashed line at 50%.
    context
        What the figure is compared with (:class:`FigureContext`); default nothing.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig.data[0]`` is the bar trace (``x`` = 0, 1, ... in codebook order, or rank order with
        ``show_rule``; ``y`` = means, ``error_y.array`` = SDs). A question without codings
        raises :class:`~synth.DataError`, as :func:`synth.plots.figure_table` does.

    Examples
    --------
    >>> fig = interactive_figure(analysis, 1)
    >>> [round(y, 2) for y in fig.data[0].y][:2]
    [25.68, 7.3]
    """
    import plotly.graph_objects as go

    table = _question_table(analysis, question)
    if show_rule:  # the rule's order: mean descending, ties in codebook order
        key = np.lexsort((np.arange(len(table)), -np.round(table["mean_pct"].to_numpy(), 9)))
        table = table.iloc[key].reset_index(drop=True)
    spec = figure_dict(
        table,
        groups=group_values(analysis, question),
        colour_by_class=colour_by_class,
        show_points=show_points,
        show_rule=show_rule,
        title=title if title is not None else _title_of(question, context),
        published=context.published_values(question) if context is not None else None,
        ranges=context.ranges_for(question) if context is not None else None,
    )
    return go.Figure(spec)


# --- the evidence behind each bar --------------------------------------------------------------


def evidence(
    data: CodedData,
    analysis: Analysis,
    question: int,
    context: FigureContext | None = None,
    *,
    max_paragraphs: int = 200,
) -> dict[str, Any]:
    """What lies behind each bar of Figure *question*, for the report's evidence panel.

    Parameters
    ----------
    data
        The coded data the analysis was computed from.
    analysis
        :func:`synth.analysis.analyse` of ``data``.
    question
        The question.
    context
        What the figure is compared with: the paper's quotations are included only when the
        study is compared with the paper.
    max_paragraphs
        At most this many coded paragraphs with text per bar (the total is given).

    Returns
    -------
    dict
        ``question``, ``unit``, ``compared``, ``shipped`` and ``themes``: one entry per bar in
        codebook order with ``theme``, ``key`` (the theme HTML-escaped, as the chart's
        ``customdata`` holds it), ``major``, ``reported``, ``mean``, ``sd``, ``n_groups``,
        ``published`` (or None), ``range`` (``[lowest, highest, reconstructions]`` or None),
        ``groups`` (``[group, percentage]``), ``subthemes`` (``[subtheme, valence, paragraphs,
        codes]``, most paragraphs first), ``quotations`` (``[subtheme, quotation, table]``),
        ``paragraphs`` (``[group, role, text]``) and ``paragraphs_total``. A question without
        codings has no evidence (:class:`~synth.DataError`).

    Examples
    --------
    >>> bar = evidence(data, analysis, 1, FigureContext.from_folder("data/raw"))["themes"][2]
    >>> bar["theme"], bar["published"], bar["quotations"][0][0]
    ('Relationships with partners', 28.7, 'Building on established programmes')
    """
    table = _question_table(analysis, question)
    wide = group_values(analysis, question)
    published = context.published_values(question) if context is not None else None
    spans = (context.ranges_for(question) if context is not None else None) or {}
    quotes = context.quotations(question) if context is not None else pd.DataFrame(
        columns=["table", "theme", "subtheme", "quotation"])

    seg = data.segments[data.segments["question"] == int(question)]
    # valence is optional in a codebook: without it the subthemes carry an empty one
    book = data.codebook.reindex(columns=["code_id", "subtheme", "theme", "valence"],
                                 fill_value="")
    coded = seg.merge(book, on="code_id", how="left")
    keys = ["theme", "subtheme", "valence"]
    paragraphs = coded.groupby(keys, sort=False)["segment_id"].nunique().rename("paragraphs")
    codes = (coded.drop_duplicates(keys + ["participant_id", "code_id"])
             .groupby(keys, sort=False).size().rename("codes"))
    counts = (
        pd.concat([paragraphs, codes], axis=1).reset_index()
        .sort_values(["theme", "paragraphs", "subtheme"], ascending=[True, False, True],
                     kind="mergesort")
    )
    roles: dict[str, str] = {}
    if data.participants is not None and "role" in data.participants.columns:
        roles = dict(zip(data.participants["participant_id"].astype(str),
                         data.participants["role"].astype(str), strict=True))
    has_text = "text" in coded.columns
    themes: list[dict[str, Any]] = []
    for row in table.itertuples(index=False):
        theme = str(row.theme)
        subs = counts[counts["theme"] == theme]
        entry: dict[str, Any] = {
            "theme": theme,
            "key": _esc(theme),
            "major": bool(row.major),
            "reported": bool(row.reported),
            "mean": round(float(row.mean_pct), 6),
            "sd": None if not math.isfinite(float(row.sd_pct)) else round(float(row.sd_pct), 6),
            "n_groups": int(row.n_groups),
            "published": None if published is None else published.get(theme),
            "range": list(spans[theme]) if theme in spans else None,
            "groups": [[str(g), round(float(v), 6)] for g, v in wide.loc[theme].items()]
            if theme in wide.index else [],
            "subthemes": [[str(s), str(v), int(p), int(c)] for s, v, p, c in zip(
                subs["subtheme"], subs["valence"], subs["paragraphs"], subs["codes"],
                strict=True)],
            "quotations": [[str(s), str(q), int(t)] for s, q, t in zip(
                quotes.loc[quotes["theme"] == theme, "subtheme"],
                quotes.loc[quotes["theme"] == theme, "quotation"],
                quotes.loc[quotes["theme"] == theme, "table"], strict=True)],
            "paragraphs": [],
            "paragraphs_total": 0,
        }
        if has_text:
            texts = coded[(coded["theme"] == theme) & coded["text"].fillna("").astype(str)
                          .str.strip().ne("")].drop_duplicates("segment_id")
            texts = texts.sort_values(["focus_group", "segment_id"], kind="mergesort")
            entry["paragraphs_total"] = int(len(texts))
            entry["paragraphs"] = [
                [str(g), roles.get(str(p), ""), str(t).strip()]
                for g, p, t in zip(texts["focus_group"].head(max_paragraphs),
                                   texts["participant_id"].head(max_paragraphs),
                                   texts["text"].head(max_paragraphs), strict=True)
            ]
        themes.append(entry)
    return {
        "question": int(question),
        "unit": analysis.unit,
        "compared": published is not None,
        "shipped": bool(context.shipped) if context is not None else False,
        "themes": themes,
    }


def evidence_json(payload: Mapping[str, Any]) -> str:
    """``payload`` as JSON that is safe inside a ``<script type="application/json">`` element:
    ``<``, ``>`` and ``&`` are written as JSON escapes, so no text can close the element.

    Examples
    --------
    >>> evidence_json({"text": "</script><b>"})
    '{"text": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --- HTML for a page ---------------------------------------------------------------------------


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


#: The evidence panels' script: reads each figure's embedded JSON and fills its panel when a bar
#: is clicked or a theme chosen. Text from data reaches the page only through ``textContent``.
_EVIDENCE_JS = r"""
(function () {
  "use strict";
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function num(v) { return (v === null || v === undefined) ? "–" : Number(v).toFixed(2); }
  function section(body, title) { body.appendChild(el("h5", title)); }
  function fill(block, index, scroll) {
    var data = block.synthEvidence, bar = data.themes[index];
    var body = block.querySelector(".synth-evidence-body");
    var select = block.querySelector(".synth-evidence-select");
    if (!bar || !body) { return; }
    if (select) { select.value = String(index); }
    body.textContent = "";
    body.appendChild(el("h4", bar.theme));
    var value = data.compared
      ? (bar.published !== null
          ? "published " + num(bar.published) + " → reproduced " + num(bar.mean)
          : "not published" + (bar.range ? ": " + Number(bar.range[0]).toFixed(1) + "–" +
              Number(bar.range[1]).toFixed(1) + " across " + bar.range[2] +
              " reconstructions" : "") + "; here " + num(bar.mean))
      : "mean " + num(bar.mean) + "%";
    body.appendChild(el("p", value + " · SD " + num(bar.sd) + " · " + bar.n_groups +
      (bar.n_groups === 1 ? " group" : " groups") + (bar.reported ? " · reported (50% rule)" : ""),
      "synth-evidence-value"));
    if (bar.quotations.length) {
      section(body, "Published quotations (Table " + bar.quotations[0][2] + ")");
      bar.quotations.forEach(function (q) {
        var quote = el("blockquote", null, "synth-quotation");
        quote.appendChild(el("p", q[1]));
        quote.appendChild(el("footer", q[0]));
        body.appendChild(quote);
      });
    } else if (data.compared) {
      body.appendChild(el("p", "The paper prints no quotation for this theme in this question.",
        "synth-muted"));
    }
    section(body, "Subthemes coded in this question");
    if (bar.subthemes.length) {
      var table = el("table"), head = el("tr");
      // a codebook without valence: no valence column
      var valence = bar.subthemes.some(function (s) { return s[1] !== ""; });
      var keep = function (c, i) { return valence || i !== 1; };
      ["subtheme", "valence", "paragraphs", "codes"].filter(keep).forEach(function (h) {
        head.appendChild(el("th", h));
      });
      table.appendChild(head);
      bar.subthemes.forEach(function (s) {
        var tr = el("tr");
        s.filter(keep).forEach(function (c) { tr.appendChild(el("td", c)); });
        table.appendChild(tr);
      });
      body.appendChild(table);
    } else {
      body.appendChild(el("p", "None: no group coded this theme in this question.", "synth-muted"));
    }
    section(body, "Each group's percentage");
    body.appendChild(el("p", bar.groups.map(function (g) {
      return g[0] + " " + num(g[1]);
    }).join(" · ")));
    if (bar.paragraphs_total) {
      section(body, "Coded paragraphs with text (" + bar.paragraphs_total + ")");
      if (data.shipped) {
        body.appendChild(el("p", "In the reconstruction these are the published quotations; " +
          "their groups and speakers were assigned by the reconstruction.", "synth-muted"));
      }
      bar.paragraphs.forEach(function (p) {
        var item = el("blockquote", null, "synth-paragraph");
        item.appendChild(el("p", p[2]));
        item.appendChild(el("footer", p[0] + (p[1] ? ", " + p[1] : "")));
        body.appendChild(item);
      });
      if (bar.paragraphs.length < bar.paragraphs_total) {
        body.appendChild(el("p", "… and " + (bar.paragraphs_total - bar.paragraphs.length) +
          " more in the data.", "synth-muted"));
      }
    }
    var panel = block.querySelector(".synth-evidence");
    panel.scrollTop = 0;
    if (scroll && panel.scrollIntoView) { panel.scrollIntoView({block: "nearest"}); }
  }
  function setUp(block) {
    var source = block.querySelector("script.synth-evidence-data");
    if (!source || block.synthEvidence) { return; }
    block.synthEvidence = JSON.parse(source.textContent);
    var keys = block.synthEvidence.themes.map(function (t) { return t.key; });
    var select = block.querySelector(".synth-evidence-select");
    if (select) {
      select.addEventListener("change", function () {
        if (select.value !== "") { fill(block, Number(select.value), false); }
      });
    }
    var chart = block.querySelector(".js-plotly-plot");
    if (chart && chart.on) {
      chart.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        if (!point || point.curveNumber !== 0) { return; }
        var index = keys.indexOf(String(point.customdata));
        if (index >= 0) { fill(block, index, true); }
      });
    }
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".synth-figure"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""


def evidence_script() -> str:
    """The script of the evidence panels, as one ``<script>`` element for a page's ``<head>``.

    It reads the JSON each :func:`show_question_figure` block embeds and, when a bar is clicked
    (or a theme chosen from the panel's list), shows the bar's evidence beside the chart. It
    needs no kernel and no network, and writes text from data only through ``textContent``.

    Examples
    --------
    >>> evidence_script().startswith("<script>") and "plotly_click" in evidence_script()
    True
    """
    return f"<script>{_EVIDENCE_JS}</script>"


class _Interactive:
    """A chart for notebooks: plotly's MIME type in JupyterLab, HTML in the report."""

    def __init__(self, spec: dict[str, Any], markup: str) -> None:
        self.spec = spec
        self.markup = markup

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {PLOTLY_MIMETYPE: self.spec, "text/html": self.markup,
                "text/plain": "<interactive figure>"}


def _spec_json(fig: go.Figure) -> dict[str, Any]:
    import plotly.io as pio

    spec: dict[str, Any] = json.loads(pio.to_json(fig, validate=False))
    return spec


def show_interactive(
    analysis: Analysis,
    question: int,
    *,
    title: str | None = None,
    context: FigureContext | None = None,
) -> Any:
    """The interactive chart of Figure N alone (no evidence panel, no fallback image).

    JupyterLab renders the plotly MIME type; nbconvert's HTML export takes the ``text/html``
    version, :func:`interactive_html` with id ``interactive-figure-N``, which needs
    :func:`plotly_js` in the page.

    Parameters
    ----------
    analysis, question
        What to chart: an analysis (:func:`synth.analysis.analyse`) and one of its questions.
    title
        The chart's title; default the study's question title.
    context
        What the figure is compared with.

    Returns
    -------
    object
        An object with ``_repr_mimebundle_`` (pass it to ``IPython.display.display``).

    Examples
    --------
    >>> "text/html" in show_interactive(analysis, 1)._repr_mimebundle_()
    True
    """
    fig = interactive_figure(analysis, question, title=title, context=context)
    return _Interactive(_spec_json(fig), interactive_html(fig, f"interactive-figure-{question}"))


def _png_data_uri(fig: Figure, dpi: int = 100) -> str:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def show_question_figure(
    data: CodedData,
    analysis: Analysis,
    question: int,
    *,
    caption: str,
    static: Figure | None = None,
    context: FigureContext | None = None,
    files: str | None = "figures",
) -> Any:
    """Figure N as the report shows it: one interactive chart with its evidence, and a fallback.

    The block holds the plotly chart (:func:`interactive_figure`), an evidence panel beside it
    that a click on a bar fills (:func:`evidence`, embedded as JSON, shown by
    :func:`evidence_script`), the static figure as an image inside ``<noscript>`` (what a browser
    without JavaScript shows), download links for the figure's files, and the caption, which says
    that the error bars are drawn in full (not clipped at 0) in every version.

    Parameters
    ----------
    data
        The coded data.
    analysis
        :func:`synth.analysis.analyse` of ``data``.
    question
        The question (Figure N shows Question N).
    caption
        The figure's caption (:func:`synth.plots.caption`, ``figN.txt``); it is also the alt text
        of the fallback image.
    static
        The publication figure (:func:`synth.plots.draw_figure`) for the no-script fallback;
        None: no fallback image.
    context
        What the figure is compared with (:class:`FigureContext`).
    files
        The folder, relative to the page, that holds ``figN.png/.svg/.pdf/.csv``; None: no
        download links.

    Returns
    -------
    object
        With ``_repr_mimebundle_``: the plotly chart in JupyterLab, the whole block as HTML;
        :class:`~synth.DataError` when no focus group has a coding in ``question``.

    Examples
    --------
    >>> block = show_question_figure(data, analysis, 1, caption="Figure 1. Bars.")
    >>> markup = block._repr_mimebundle_()["text/html"]
    >>> 'class="synth-evidence"' in markup and 'href="figures/fig1.csv"' in markup
    True
    """
    q = int(question)
    fig = interactive_figure(analysis, q, context=context)
    payload = evidence(data, analysis, q, context)
    label = f"Figure {q}."
    rest = caption[len(label):].strip() if caption.startswith(label) else caption.strip()
    note = ("Error bars are drawn in full in every version of the figure (interactive, PNG, SVG, "
            "PDF): mean ± 1 SD, not clipped at 0, so a whisker below 0 shows a spread that a "
            "percentage cannot take.")
    parts = [f'<figure class="synth-figure" id="figure-{q}-block" data-question="{q}">',
             '<div class="synth-figure-row"><div class="synth-figure-chart">',
             interactive_html(fig, f"interactive-figure-{q}")]
    if static is not None:
        parts.append(f'<noscript><img src="{_png_data_uri(static)}" '
                     f'alt="{html.escape(caption, quote=True)}"></noscript>')
    options = "".join(f'<option value="{i}">{html.escape(t["theme"])}</option>'
                      for i, t in enumerate(payload["themes"]))
    parts.append(
        '</div><aside class="synth-evidence" aria-live="polite" '
        f'aria-label="Evidence behind a bar of Figure {q}">'
        f'<label>Evidence for <select class="synth-evidence-select">'
        f'<option value="">choose a bar</option>{options}</select></label>'
        '<div class="synth-evidence-body"><p class="synth-muted">Click a bar (or choose a theme) '
        "to see its subthemes and their counts in this question, "
        + ("the paper's quotations for it, " if payload["compared"] else "")
        + "each group's value"
        + (" and the coded paragraphs that carry text" if "text" in data.segments.columns
           else "")
        + ".</p><noscript><p>The evidence panel needs JavaScript; the table below lists the "
        "reported themes with their subthemes and quotations.</p></noscript></div></aside></div>"
    )
    if files is not None:
        base = files.rstrip("/")
        links = " · ".join(
            f'<a href="{html.escape(base, quote=True)}/fig{q}.{ext}" download>{label_}</a>'
            for ext, label_ in (("png", "PNG"), ("svg", "SVG"), ("pdf", "PDF"),
                                ("csv", "CSV of the plotted numbers"))
        )
        parts.append(f'<p class="synth-downloads">Download Figure {q}: {links}</p>')
    parts.append(f'<figcaption class="synth-caption" id="figure-{q}-caption"><b>{label}</b> '
                 f"{html.escape(rest)} {html.escape(note)}</figcaption>")
    parts.append(f'<script type="application/json" class="synth-evidence-data">'
                 f"{evidence_json(payload)}</script></figure>")
    return _Interactive(_spec_json(fig), "".join(parts))
