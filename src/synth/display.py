"""What the notebooks show: escaped HTML tables, headings and captions.

The report's notebooks display every table, heading and caption through these helpers, which
escape every string that comes from data, so a theme named ``<script>`` is shown, never run. They
return :class:`HTMLBlock` objects that Jupyter renders as HTML and ``print`` shows as text.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "RECONSTRUCTION_NOTICE",
    "HTMLBlock",
    "show_heading",
    "show_table",
    "figure_caption",
    "show_figure",
    "reconstruction_notice",
]

#: What every page that shows the shipped data says about them, written once. Shown only for the
#: shipped reconstruction (:func:`synth.checksums.is_shipped_reconstruction`), never for other data.
RECONSTRUCTION_NOTICE = (
    "The data are the compendium's reconstructed dataset, not the study's data. The study's "
    "transcripts and coding were never published; this dataset was rebuilt by a seeded program "
    "from the paper's published aggregates. It reproduces every number the paper publishes, but "
    "it is one of many datasets that do: who said what, the spread between groups and every "
    "value the paper does not print are artefacts of the reconstruction. The only participants' "
    "words in it are the quotations the paper published."
)


class HTMLBlock:
    """A piece of HTML that Jupyter displays (``_repr_html_``) and that prints as text.

    Parameters
    ----------
    markup
        The HTML, already escaped where it holds data.
    text
        Plain-text rendering (for ``print`` and text-only front ends).

    Examples
    --------
    >>> HTMLBlock("<b>x</b>", "x")._repr_html_()
    '<b>x</b>'
    """

    def __init__(self, markup: str, text: str = "") -> None:
        self.markup = markup
        self.text = text

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return self.text or self.markup

    def __str__(self) -> str:
        return self.markup


def _anchor(anchor: str | None) -> str:
    return f' id="{html.escape(anchor, quote=True)}"' if anchor else ""


def show_heading(text: str, anchor: str | None = None, level: int = 2) -> HTMLBlock:
    """A heading (escaped) with an optional anchor id for the table of contents.

    Parameters
    ----------
    text
        The heading's words.
    anchor
        The ``id`` the table of contents links to.
    level
        1 to 6.

    Returns
    -------
    HTMLBlock

    Raises
    ------
    ValueError
        When ``level`` is not 1 to 6.

    Examples
    --------
    >>> show_heading("Figure <1>", "figure-1").markup
    '<h2 id="figure-1">Figure &lt;1&gt;</h2>'
    """
    if not 1 <= level <= 6:
        raise ValueError(f"heading level must be 1 to 6, got {level}")
    return HTMLBlock(f"<h{level}{_anchor(anchor)}>{html.escape(text)}</h{level}>", text)


def show_table(
    frame: pd.DataFrame,
    title: str | None = None,
    anchor: str | None = None,
    decimals: int = 2,
    note: str | None = None,
    blank_repeats: Sequence[str] = (),
) -> HTMLBlock:
    """A table as escaped HTML, floats at fixed decimals, no index, nothing truncated.

    Parameters
    ----------
    frame
        The table.
    title
        Shown above the table as a heading (escaped).
    anchor
        The heading's ``id`` for the table of contents.
    decimals
        Decimals of float columns (the paper prints two).
    note
        A sentence under the table (escaped).
    blank_repeats
        Columns whose value is shown only where it changes from the row above (the paper's
        layout: a theme and its percentage once, then its subthemes).

    Returns
    -------
    HTMLBlock

    Examples
    --------
    >>> block = show_table(pd.DataFrame({"q": ["<script>"], "v": [1.234]}), "T")
    >>> "&lt;script&gt;" in block.markup and "1.23" in block.markup
    True
    """
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}")
    shown = shown.astype(object).where(shown.notna(), "")  # no "<NA>" or "nan" in a table
    if blank_repeats:
        keys = shown[list(blank_repeats)].astype(str).agg("\x1f".join, axis=1)
        repeated = keys.eq(keys.shift())
        for col in blank_repeats:
            shown[col] = shown[col].astype(object).where(~repeated, "")
    shown.columns = [str(c).replace("_", " ") for c in shown.columns]
    body = shown.to_html(index=False, escape=True, na_rep="", border=0, justify="left")
    parts = []
    if title:
        parts.append(f"<h3{_anchor(anchor)}>{html.escape(title)}</h3>")
    parts.append(body)
    if note:
        parts.append(f'<p class="synth-caption">{html.escape(note)}</p>')
    return HTMLBlock(
        "\n".join(parts), (title + "\n" if title else "") + shown.to_string(index=False)
    )


def figure_caption(question: int, text: str) -> HTMLBlock:
    """The caption under Figure *question* (escaped), anchored as ``figure-<question>``.

    Parameters
    ----------
    question
        The question number: Figure N shows Question N, as in the paper.
    text
        The caption (:func:`synth.plots.caption`); when it does not start with "Figure N" the
        label is added.

    Returns
    -------
    HTMLBlock

    Examples
    --------
    >>> figure_caption(3, "Question 3: themes.").markup
    '<p class="synth-caption" id="figure-3-caption"><b>Figure 3.</b> Question 3: themes.</p>'
    """
    label = f"Figure {question}."
    rest = text[len(label) :].lstrip() if text.startswith(label) else text
    markup = (
        f'<p class="synth-caption" id="figure-{int(question)}-caption"><b>{label}</b> '
        f"{html.escape(rest)}</p>"
    )
    return HTMLBlock(markup, f"{label} {rest}")


def reconstruction_notice(data_dir: str | os.PathLike[str]) -> HTMLBlock | None:
    """:data:`RECONSTRUCTION_NOTICE` as a highlighted paragraph when ``data_dir`` holds the shipped
    reconstruction; None (nothing shown) for any other data.

    Examples
    --------
    >>> from synth.paths import raw_dir
    >>> reconstruction_notice(raw_dir()).text.startswith("The data are the compendium's")
    True
    >>> reconstruction_notice(raw_dir() / "published") is None
    True
    """
    from .checksums import is_shipped_reconstruction

    if not is_shipped_reconstruction(data_dir):
        return None
    return HTMLBlock(
        f'<p class="synth-note">{html.escape(RECONSTRUCTION_NOTICE)}</p>', RECONSTRUCTION_NOTICE
    )


def show_figure(fig: Figure, alt: str, *, dpi: int = 100) -> HTMLBlock:
    """A matplotlib figure as an embedded PNG with alt text, the same bytes on every run.

    The PNG is drawn here, not by the notebook's inline backend, so what the report shows does not
    depend on the state of the kernel that ran the notebook.

    Parameters
    ----------
    fig
        The figure (it is not closed).
    alt
        What the figure shows, for screen readers and when the image cannot load (escaped).
    dpi
        Resolution of the embedded PNG.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> block = show_figure(Figure(figsize=(1, 1)), "An empty <figure>")
    >>> block.markup.startswith('<img src="data:image/png;base64,') and 'alt="An empty &lt;figure&gt;"' in block.markup
    True
    """
    import base64
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    payload = base64.b64encode(buffer.getvalue()).decode("ascii")
    markup = (
        f'<img src="data:image/png;base64,{payload}" alt="{html.escape(alt, quote=True)}" '
        'style="max-width:100%;height:auto">'
    )
    return HTMLBlock(markup, alt)
