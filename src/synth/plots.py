"""The question figures: for each question, the mean percentage of codes per theme with ±1 SD.

The paper's figures ("Question N: Themes and percentage of codes (error bars +/- 1 SD)") are bar
charts of every theme, the bar being the mean over the focus groups that answered the question and
the error bar one sample SD over them. This module draws them in seaborn's style:

- :func:`plot_question` takes data and returns an Axes; it never saves or shows;
- :func:`figure_table` is exactly what one figure plots (saved beside it as ``figN.csv``);
- :func:`save_figure` writes PNG (300 dpi), SVG and PDF with the same bytes on every run;
- :func:`caption` says which values the paper pins and which come from the data at hand;
- :func:`draw_figure` is the one function that draws Figure N, whichever command asks, at a
  :class:`FigureLayout` (the report's, or a journal column's).

Figures are numbered by the study's own questions (Figure N shows Question N, whichever numbers
the study uses). A title carries the question's wording only when the caller passes the study's
wording (:meth:`synth.study.Study.question_texts`); otherwise it is "Question N". Nothing here
takes wording from the paper.
- :func:`write_figure` and :func:`write_figures` put it together with the CSV and the caption.

Reported themes (the 50% rule) are hatched with a dark edge; major and minor themes (Appendix 1)
have different colours; a legend names all three. The plotting backend is left alone on import:
figures are built as :class:`matplotlib.figure.Figure` objects without pyplot, and the command
selects Agg.
"""

from __future__ import annotations

import functools
import os
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._exceptions import DataError
from .analysis import Analysis, select_themes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "FIGURE_COLUMNS",
    "FIGSIZE",
    "FORMATS",
    "REPORTED_HATCH",
    "figure_table",
    "plot_question",
    "save_figure",
    "caption",
    "FigureLayout",
    "REPORT_LAYOUT",
    "draw_figure",
    "write_figure",
    "write_figures",
    "FIGURES_MANIFEST",
    "write_figures_manifest",
    "stale_figures",
]

#: The columns of ``figN.csv``, in order: exactly the values :func:`plot_question` draws.
FIGURE_COLUMNS: tuple[str, ...] = ("theme", "mean_pct", "sd_pct", "n_groups", "reported")
#: The formats :func:`save_figure` writes.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
#: The hatch marking a reported (50% rule) theme's bar.
REPORTED_HATCH = "///"

_DPI = 300
_SVG_SALT = "synth"
#: The size (inches) of Figures 1-8 as :func:`write_figures` draws them; use it to get the same
#: bytes elsewhere (the report's notebooks).
FIGSIZE: tuple[float, float] = (10.0, 6.5)
_TITLE_WIDTH = 80
_TICK_WIDTH = 24
_UNIT_NOUN = {"paragraph": "coded paragraphs", "code": "code occurrences"}
#: The list of figure files synth wrote into a shared figures folder, with their checksums.
FIGURES_MANIFEST = ".synth-figures"
_FIGURE_FILE = re.compile(r"fig[0-9]+\.(?:png|svg|pdf|csv|txt)")


def _quiet(message: str) -> None:
    """The default ``say``: progress goes nowhere."""


def _default_palette() -> dict[str, Any]:
    import seaborn as sns

    colours = sns.color_palette("colorblind")
    return {"major": colours[0], "minor": colours[1], "theme": colours[0]}


@functools.lru_cache(maxsize=1)
def _published_question_texts() -> dict[int, str]:
    """The paper's questions (Table 1 of the published record), or {} when it is unavailable.

    Not a default of any figure here: a caller that compares with the paper passes these itself.
    """
    try:
        from .published import load_published

        questions = load_published().questions
        return {
            int(q): str(t) for q, t in zip(questions["question"], questions["text"], strict=True)
        }
    except Exception:  # the published record is optional here: titles fall back to "Question N"
        return {}


def _title(question: int | None, text: str | None) -> str:
    head = f"Question {question}" if question is not None else ""
    if text:
        full = f"{head}: {text}" if head else text
    else:
        full = head
    return textwrap.fill(full, _TITLE_WIDTH)


def figure_table(analysis: Analysis, question: int) -> pd.DataFrame:
    """Exactly what a question's figure plots (and ``figN.csv`` holds).

    Parameters
    ----------
    analysis
        The analysis whose shares and 50% rule the figure shows (:func:`synth.analysis.analyse`).
    question
        The figure's question (Figure N shows question N).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FIGURE_COLUMNS`: ``theme`` (every theme of the codebook, in codebook order),
        ``mean_pct``, ``sd_pct`` (NaN when one group answered), ``n_groups`` and ``reported`` (True
        for the themes the 50% rule reports).

    Raises
    ------
    DataError
        No focus group has a coding in ``question``.

    Examples
    --------
    >>> figure_table(analysis, 1).columns.tolist()
    ['theme', 'mean_pct', 'sd_pct', 'n_groups', 'reported']
    """
    shares = analysis.shares
    rows = shares[shares["question"] == question]
    if rows.empty:
        known = ", ".join(str(q) for q in analysis.questions)
        raise DataError(f"question {question} has no codings (questions with codings: {known})")
    picked = analysis.selected.loc[analysis.selected["question"] == question, "theme"]
    table = pd.DataFrame(
        {
            "theme": rows["theme"].to_numpy(),
            "mean_pct": rows["mean_pct"].to_numpy(dtype="float64"),
            "sd_pct": rows["sd_pct"].to_numpy(dtype="float64"),
            "n_groups": rows["n_groups"].to_numpy(dtype="int64"),
            "reported": rows["theme"].isin(set(picked)).to_numpy(),
        }
    )
    return table


def _resolve_palette(palette: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, Any]:
    base = _default_palette()
    if palette is None:
        return base
    if isinstance(palette, Mapping):
        unknown = set(palette) - {"major", "minor", "theme"}
        if unknown:
            raise ValueError(
                f"palette keys must be 'major', 'minor' (and 'theme'), got {sorted(unknown)}"
            )
        return {**base, **palette}
    colours = list(palette)
    if len(colours) != 2:
        raise ValueError(f"palette must give two colours (major, minor), got {len(colours)}")
    return {"major": colours[0], "minor": colours[1], "theme": colours[0]}


def plot_question(
    data: pd.DataFrame,
    *,
    question: int | None = None,
    ax: Axes | None = None,
    reported: Iterable[str] | None = None,
    major: Iterable[str] | None = None,
    palette: Mapping[str, Any] | Sequence[Any] | None = None,
    errorbar_values: str | None = "sd_pct",
    title: str | None = None,
    theme_order: Sequence[str] | None = None,
) -> Axes:
    """Draw one question's figure: every theme's mean percentage with ±1 SD error bars.

    Parameters
    ----------
    data
        The shares table of :func:`synth.analysis.question_shares` (rows of ``question`` are used)
        or a :func:`figure_table`; needs ``theme`` and ``mean_pct``.
    question
        The question to draw; required when ``data`` has several questions, and used in the title.
    ax
        The Axes to draw on; default the current Axes of pyplot.
    reported
        Themes to mark as reported (hatched, dark edge). Default: ``data["reported"]`` when
        present, else the 50% rule applied to the plotted values.
    major
        Themes to colour as major (the others are minor). Default: ``data["major"]`` when present;
        otherwise every bar has one colour and the legend has no major/minor entries.
    palette
        ``{"major": colour, "minor": colour}`` or a pair of colours; default seaborn's
        ``colorblind`` palette.
    errorbar_values
        The column with each bar's error half-width (default ``"sd_pct"``), or None for no error
        bars. Missing values (one group answered) draw no error bar.
    title
        The title; default "Question N" (pass the question's wording in the title to show it).
    theme_order
        The themes to draw, in order; default every theme of ``data`` in the order of its rows
        (codebook order for the package's tables).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on. Bars are in ``ax.patches`` in theme order at x = 0, 1, ...; the error
        bars are the :class:`~matplotlib.container.ErrorbarContainer` in ``ax.containers``.

    Raises
    ------
    ValueError
        A required column is missing, ``question`` is needed but not given or has no rows, or a
        theme of ``theme_order`` is not in ``data``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> table = pd.DataFrame({"theme": ["A", "B"], "mean_pct": [70.0, 30.0],
    ...                       "sd_pct": [5.0, 5.0], "n_groups": [3, 3]})
    >>> ax = plot_question(table, question=1, ax=ax, title="Question 1")
    >>> [float(p.get_height()) for p in ax.patches]
    [70.0, 30.0]
    """
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    missing = [c for c in ("theme", "mean_pct") if c not in data.columns]
    if missing:
        raise ValueError(f"data lacks column(s) {', '.join(missing)}")
    rows = data
    if "question" in data.columns:
        questions = pd.unique(data["question"])
        if question is None:
            if len(questions) != 1:
                raise ValueError("data has several questions: pass question=")
            question = int(questions[0])
        rows = data[data["question"] == question]
        if rows.empty:
            raise ValueError(f"data has no rows for question {question}")
    rows = rows.drop_duplicates("theme")
    if theme_order is not None:
        absent = [t for t in theme_order if t not in set(rows["theme"])]
        if absent:
            raise ValueError(f"theme(s) of theme_order not in data: {', '.join(absent)}")
        rows = rows.set_index("theme").loc[list(theme_order)].reset_index()
    rows = rows.reset_index(drop=True)
    themes = [str(t) for t in rows["theme"]]
    heights = rows["mean_pct"].to_numpy(dtype="float64")

    if reported is None:
        if "reported" in rows.columns:
            reported_set = set(rows.loc[rows["reported"].astype(bool), "theme"])
        else:
            shares = pd.DataFrame({"question": 0, "theme": themes, "mean_pct": heights})
            reported_set = set(select_themes(shares, theme_order=themes)["theme"])
    else:
        reported_set = set(reported)
    if major is None and "major" in rows.columns:
        major = rows.loc[rows["major"].astype(bool), "theme"]
    major_set = None if major is None else set(major)

    colours = _resolve_palette(palette)
    if major_set is None:
        bar_colour = {t: colours["theme"] for t in themes}
    else:
        bar_colour = {t: colours["major" if t in major_set else "minor"] for t in themes}

    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    frame = pd.DataFrame({"theme": themes, "mean_pct": heights})
    sns.barplot(
        data=frame,
        x="theme",
        y="mean_pct",
        hue="theme",
        order=themes,
        hue_order=themes,
        palette=bar_colour,
        saturation=1.0,
        errorbar=None,
        legend=False,
        ax=ax,
    )
    bars = list(ax.patches)[-len(themes) :]
    for theme, bar in zip(themes, bars, strict=True):
        if theme in reported_set:
            bar.set_hatch(REPORTED_HATCH)
            bar.set_edgecolor("0.1")
            bar.set_linewidth(1.5)
        else:
            bar.set_edgecolor("none")

    handles: list[Any] = []
    if major_set is not None:
        handles += [
            Patch(facecolor=colours["major"], label="Major theme"),
            Patch(facecolor=colours["minor"], label="Minor theme"),
        ]
    handles.append(
        Patch(
            facecolor="white",
            edgecolor="0.1",
            hatch=REPORTED_HATCH,
            linewidth=1.5,
            label="Reported (50% rule)",
        )
    )
    if errorbar_values is not None:
        if errorbar_values not in rows.columns:
            raise ValueError(f"data lacks the error-bar column {errorbar_values!r}")
        half = rows[errorbar_values].to_numpy(dtype="float64")
        finite = np.isfinite(half)
        if finite.any():
            x = np.arange(len(themes), dtype="float64")[finite]
            ax.errorbar(
                x,
                heights[finite],
                yerr=half[finite],
                fmt="none",
                ecolor="0.15",
                elinewidth=1.0,
                capsize=3.0,
                label="_errorbars",
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color="0.15",
                    marker="_",
                    markersize=8,
                    label="±1 SD across focus groups",
                )
            )

    ax.set_xticks(range(len(themes)))
    ax.set_xticklabels(
        [textwrap.fill(t, _TICK_WIDTH) for t in themes],
        rotation=45,
        ha="right",
        rotation_mode="anchor",
        fontsize=8,
    )
    ax.set_xlabel("Theme")
    ax.set_ylabel("Percentage of codes")
    if title is None:
        title = _title(question, None)
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    return ax


def save_figure(
    fig: Figure,
    folder: str | os.PathLike[str],
    stem: str,
    *,
    formats: Sequence[str] = FORMATS,
    dpi: int = _DPI,
) -> list[Path]:
    """Save a figure as ``stem.png`` (300 dpi), ``stem.svg`` and ``stem.pdf``, reproducibly.

    The same figure gives the same bytes on every run: the SVG ids use a fixed hash salt, the PNG
    carries no software tag, and the SVG and PDF carry no date, unless ``SOURCE_DATE_EPOCH`` is
    set, in which case matplotlib stamps that date. The figure is not closed.

    Parameters
    ----------
    fig
        The figure.
    folder
        Where to write (created if missing).
    stem
        File name without suffix, e.g. ``"fig1"``.
    formats
        A subset of :data:`FORMATS`.
    dpi
        Resolution of the PNG.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ValueError
        A format is not one of :data:`FORMATS`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> [p.name for p in save_figure(Figure(), tmp, "fig1")]
    ['fig1.png', 'fig1.svg', 'fig1.pdf']
    """
    import matplotlib as mpl

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"format(s) {', '.join(unknown)} not one of {', '.join(FORMATS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dated = bool(os.environ.get("SOURCE_DATE_EPOCH"))
    metadata: dict[str, dict[str, Any]] = {
        "png": {"Software": None},
        "svg": {} if dated else {"Date": None},
        "pdf": {} if dated else {"CreationDate": None},
    }
    written = []
    with mpl.rc_context({"svg.hashsalt": _SVG_SALT}):
        for fmt in formats:
            path = folder / f"{stem}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata[fmt])
            written.append(path)
    return written


def caption(
    question: int,
    table: pd.DataFrame,
    *,
    reconstructed: bool,
    unit: str = "paragraph",
    question_text: str = "",
) -> str:
    """A figure's caption, saying which values the paper pins and which come from the data.

    Parameters
    ----------
    question
        The question number (Figure N shows Question N).
    table
        The question's :func:`figure_table`.
    reconstructed
        True for the shipped reconstruction: then the reported themes' means are the paper's
        published values and everything else (the SDs, the other bars) comes from one dataset among
        many consistent with the published aggregates. False for real coded data: every value is
        computed from the data.
    unit
        The counting unit the figure was drawn with.
    question_text
        The question's wording in the study, quoted after "Question N" when given.

    Returns
    -------
    str
        One paragraph.

    Examples
    --------
    >>> table = pd.DataFrame({"theme": ["A", "B"], "mean_pct": [70.0, 30.0],
    ...                       "sd_pct": [5.0, 5.0], "n_groups": [3, 3],
    ...                       "reported": [True, False]})
    >>> caption(1, table, reconstructed=False).split(". ")[0]
    'Figure 1'
    """
    n = int(table["n_groups"].max()) if len(table) else 0
    noun = _UNIT_NOUN.get(unit, unit)
    picked = table[table["reported"].astype(bool)].sort_values(
        "mean_pct", ascending=False, kind="mergesort"
    )
    listed = "; ".join(
        f"{t} ({v:.2f}%)" for t, v in zip(picked["theme"], picked["mean_pct"], strict=True)
    )
    groups = "focus group" if n == 1 else "focus groups"
    asked = f" (“{question_text.strip()}”)" if question_text.strip() else ""
    bars = (
        f"Figure {question}. Question {question}{asked}: themes and percentage of codes. Each bar is the "
        f"mean, over the {n} {groups} that answered Question {question}, of the percentage of a "
        f"group's {noun} that fall in the theme; "
        + (
            "error bars are omitted because one group answered. "
            if n == 1
            else "error bars show ±1 SD (sample SD) across those groups. "
        )
        + f"Hatched: the themes reported under the 50% rule ({listed}). "
        "Colours tell major themes (more codes than the mean over the themes) from minor ones."
    )
    if not reconstructed:
        return bars + " Every value is computed from the coded data supplied."
    if unit != "paragraph":
        return bars + (
            " The data are the shipped reconstruction, which pins the paper's published "
            "percentages under the paragraph reading only; under this reading every value "
            "comes from the reconstructed data, not from the study."
        )
    return bars + (
        " Pinned by the paper: the reported themes' means, as published to two decimals. From "
        "the reconstructed data: the error bars, the number of groups and every other bar. The "
        "study's coded data were never published; the shipped dataset is one of many consistent "
        "with the published aggregates, not the study's data."
    )


@dataclass(frozen=True)
class FigureLayout:
    """How :func:`draw_figure` lays a question's figure out: one drawing, several page sizes.

    Attributes
    ----------
    size
        Width and height in inches.
    title
        Whether the figure carries the question as its title (a manuscript's caption carries it
        instead).
    rc
        matplotlib settings in force while the figure is drawn and saved (fonts, font embedding).
    tick_wrap, tick_rotation, tick_fontsize
        Theme names on the x axis: wrapped at this many characters, rotated by this many degrees,
        at this size in points.
    legend
        ``"right"`` (beside the axes) or ``"above"`` (over the axes, two columns).
    xlabel
        Whether the x axis is labelled "Theme".
    """

    size: tuple[float, float] = FIGSIZE
    title: bool = True
    rc: Mapping[str, Any] = field(default_factory=dict)
    tick_wrap: int = _TICK_WIDTH
    tick_rotation: float = 45.0
    tick_fontsize: float = 8.0
    legend: str = "right"
    xlabel: bool = True


#: The layout of ``figN.png`` in ``figures/`` and in the report, whichever command draws it.
REPORT_LAYOUT = FigureLayout()


def draw_figure(
    analysis: Analysis,
    question: int,
    *,
    layout: FigureLayout = REPORT_LAYOUT,
    questions_text: Mapping[int, str] | None = None,
) -> Figure:
    """Draw Figure *question*: the one function behind every Figure 1-8 synth writes.

    ``synth figures``, the report's notebooks and the manuscript all call this, so a figure
    depends only on the data and the layout, never on which command drew it.

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    question
        The question (Figure N shows Question N).
    layout
        Size, fonts and placement (default :data:`REPORT_LAYOUT`).
    questions_text
        Question number to wording, for the title (the study's own,
        :meth:`synth.study.Study.question_texts`); a question without wording, or no mapping at
        all, is titled "Question N".

    Returns
    -------
    matplotlib.figure.Figure
        A figure built without pyplot (nothing is left open); save it with :func:`save_figure`
        inside ``matplotlib.rc_context(layout.rc)``.

    Raises
    ------
    DataError
        ``question`` has no codings.

    Examples
    --------
    >>> from synth.io import load_coded_data
    >>> from synth.analysis import analyse
    >>> from synth.paths import raw_dir
    >>> fig = draw_figure(analyse(load_coded_data(raw_dir())), 1)
    >>> [round(float(b.get_height()), 2) for b in fig.axes[0].patches][:2]
    [25.68, 7.3]
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    table = figure_table(analysis, question)
    majors = set(analysis.themes.loc[analysis.themes["major"].astype(bool), "theme"])
    if layout.title:
        texts = dict(questions_text) if questions_text is not None else {}
        title = _title(question, texts.get(question))
    else:
        title = ""
    with mpl.rc_context(dict(layout.rc)):  # type: ignore[arg-type]
        fig = Figure(figsize=layout.size, layout="constrained")
        ax = fig.subplots()
        plot_question(table, question=question, ax=ax, major=majors, title=title)
        if (layout.tick_wrap, layout.tick_rotation, layout.tick_fontsize) != (
            _TICK_WIDTH, 45.0, 8.0
        ):
            upright = layout.tick_rotation == 90
            ax.set_xticks(range(len(table)))
            ax.set_xticklabels(
                [textwrap.fill(str(t), layout.tick_wrap) for t in table["theme"]],
                rotation=layout.tick_rotation,
                ha="center" if upright else "right",
                rotation_mode="default" if upright else "anchor",
                fontsize=layout.tick_fontsize,
                linespacing=1.0,
            )
        if not layout.xlabel:
            ax.set_xlabel("")
        legend = ax.get_legend()
        if layout.legend == "above" and legend is not None:
            # over the axes, where no bar or error bar can be under it
            handles: list[Any] = list(legend.legend_handles)
            labels = [t.get_text() for t in legend.get_texts()]
            legend.remove()
            ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=2,
                      frameon=False, fontsize=layout.tick_fontsize, handlelength=1.2,
                      borderaxespad=0.0, columnspacing=1.0)
    return fig


def write_figure(
    analysis: Analysis,
    question: int,
    folder: str | os.PathLike[str],
    *,
    reconstructed: bool = False,
    questions_text: Mapping[int, str] | None = None,
) -> tuple[Figure, list[Path]]:
    """Draw Figure *question* and write ``figN.png``, ``.svg``, ``.pdf``, ``.csv`` and ``.txt``.

    The CSV holds exactly what the figure plots (:func:`figure_table`) and the text file its
    caption (:func:`caption`).

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    question
        The question.
    folder
        Where to write (created if missing).
    reconstructed
        Whether the data are the shipped reconstruction (decides the caption's wording).
    questions_text
        As for :func:`draw_figure`.

    Returns
    -------
    tuple
        The figure (to show it in a notebook) and the five files written.

    Examples
    --------
    >>> import tempfile
    >>> from synth.io import load_coded_data
    >>> from synth.analysis import analyse
    >>> from synth.paths import raw_dir
    >>> fig, files = write_figure(analyse(load_coded_data(raw_dir())), 2, tempfile.mkdtemp())
    >>> [f.name for f in files]
    ['fig2.png', 'fig2.svg', 'fig2.pdf', 'fig2.csv', 'fig2.txt']
    """
    from .io import write_table

    folder = Path(folder)
    fig = draw_figure(analysis, question, questions_text=questions_text)
    stem = f"fig{question}"
    written = save_figure(fig, folder, stem)
    table = figure_table(analysis, question)
    written.append(write_table(table[list(FIGURE_COLUMNS)], folder / f"{stem}.csv"))
    text = folder / f"{stem}.txt"
    wording = (questions_text or {}).get(question, "")
    text.write_text(
        caption(question, table, reconstructed=reconstructed, unit=analysis.unit,
                question_text=wording) + "\n",
        encoding="utf-8",
        newline="\n",
    )
    written.append(text)
    return fig, written


def write_figures(
    analysis: Analysis,
    folder: str | os.PathLike[str],
    questions_text: Mapping[int, str] | None = None,
    *,
    reconstructed: bool = False,
    say: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write :func:`write_figure`'s five files for every question with codings.

    Parameters
    ----------
    analysis
        The output of :func:`synth.analysis.analyse`.
    folder
        Where to write (created if missing).
    questions_text
        Question number to question text for the titles (see :func:`draw_figure`).
    reconstructed
        Whether the data are the shipped reconstruction (see :func:`caption`).
    say
        Progress callback, one line per figure.

    Returns
    -------
    list of Path
        Every file written, figure by figure.

    Examples
    --------
    >>> [p.name for p in write_figures(analysis, tmp)][:5]
    ['fig1.png', 'fig1.svg', 'fig1.pdf', 'fig1.csv', 'fig1.txt']
    """
    say = say or _quiet
    written: list[Path] = []
    for question in analysis.questions:
        _, files = write_figure(
            analysis, question, folder, reconstructed=reconstructed, questions_text=questions_text
        )
        written += files
        say(f"  Figure {question}: fig{question}.png, .svg, .pdf, .csv, .txt")
    return written


def write_figures_manifest(folder: str | os.PathLike[str], files: Iterable[Path]) -> Path:
    """Record in ``folder/.synth-figures`` the figure files synth wrote, with their SHA-256.

    A later :func:`stale_figures` removes only files listed here whose bytes are unchanged, so
    a figure an analyst edited or put there by hand is never deleted.

    Parameters
    ----------
    folder
        Where the manifest goes (a temporary folder merged into the figures folder).
    files
        The figure files written (their names are recorded; the files are read for the sums).

    Returns
    -------
    Path
        The manifest.

    Examples
    --------
    >>> _ = (tmp / "fig3.csv").write_text("theme\\n")
    >>> write_figures_manifest(tmp, [tmp / "fig3.csv"]).read_text().split()[1]
    'fig3.csv'
    """
    from .checksums import sha256_file

    lines = [f"{sha256_file(Path(f))}  {Path(f).name}\n" for f in sorted(files, key=str)
             if _FIGURE_FILE.fullmatch(Path(f).name)]
    path = Path(folder) / FIGURES_MANIFEST
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path


def stale_figures(folder: str | os.PathLike[str], keep: Iterable[str]) -> list[Path]:
    """Figure files of an earlier run that a new run does not write again (questions now gone).

    Only ``fig<N>.png/.svg/.pdf/.csv/.txt`` files listed in ``folder/.synth-figures`` (what synth
    wrote there before) and still holding the bytes it wrote are returned; nothing else in the
    folder is ever touched.

    Parameters
    ----------
    folder
        The figures folder (it may not exist yet).
    keep
        Names of the files the new run writes.

    Returns
    -------
    list of Path
        The files to remove once the new figures are in place, in name order.

    Examples
    --------
    >>> old = tmp / "figs"; old.mkdir()
    >>> for name in ("fig1.csv", "fig9.csv", "fig9.txt", "notes.txt"):
    ...     _ = (old / name).write_text(name)
    >>> _ = write_figures_manifest(old, [old / "fig1.csv", old / "fig9.csv"])
    >>> [p.name for p in stale_figures(old, ["fig1.csv"])]
    ['fig9.csv']
    """
    from .checksums import sha256_file

    base = Path(folder)
    manifest = base / FIGURES_MANIFEST
    if not manifest.is_file():
        return []
    kept = set(keep)
    stale = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = base / name
        if (_FIGURE_FILE.fullmatch(name) and name not in kept and path.is_file()
                and not path.is_symlink() and sha256_file(path) == digest):
            stale.append(path)
    return sorted(stale)
