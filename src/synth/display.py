"""What the notebooks show: escaped HTML tables, headings and captions, and the audit.

The report's notebooks display every table, heading and caption through these helpers, which
escape every string that comes from data, so a theme named ``<script>`` is shown, never run. They
return :class:`HTMLBlock` objects that Jupyter renders as HTML and ``print`` shows as text.

Long tables are folded (``<details>``) under their title, so a page opens short and nothing is
lost; :func:`show_audit` lays the audit out for a reader (counts first, the claims that are not
plain matches listed, the matches folded by section of the paper, a filter box, a link from each
claim to the figure or table it concerns) and :func:`show_inconsistencies` lists the paper's
internal inconsistencies with what is printed and what Appendix 1 says.
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
    "FOLD_ROWS",
    "FOLD_CHARACTERS",
    "HTMLBlock",
    "show_heading",
    "show_table",
    "claim_target",
    "show_audit",
    "show_inconsistencies",
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

#: A table with more rows than this is folded under its title (unless told otherwise).
FOLD_ROWS = 10
#: ... and so is a table holding more text than this (quotations, for instance).
FOLD_CHARACTERS = 2000


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
    fold: bool | None = None,
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
    fold
        Fold the table under its title (a ``<details>`` element a reader opens). None (the
        default): fold when it has more than :data:`FOLD_ROWS` rows or more than
        :data:`FOLD_CHARACTERS` characters of text. A table without a title is never folded.

    Returns
    -------
    HTMLBlock

    Examples
    --------
    >>> block = show_table(pd.DataFrame({"q": ["<script>"], "v": [1.234]}), "T")
    >>> "&lt;script&gt;" in block.markup and "1.23" in block.markup
    True
    >>> show_table(pd.DataFrame({"n": range(11)}), "Eleven rows").markup.startswith("<details")
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
    if fold is None:
        characters = int(shown.astype(str).map(len).to_numpy().sum()) if len(shown) else 0
        fold = len(shown) > FOLD_ROWS or characters > FOLD_CHARACTERS
    parts = []
    if title and fold:
        rows = f"{len(shown)} row{'s' if len(shown) != 1 else ''}"
        parts.append(f'<details class="synth-fold"><summary><h3{_anchor(anchor)}>'
                     f'{html.escape(title)}</h3> <span class="synth-muted">({rows})</span>'
                     "</summary>")
    elif title:
        parts.append(f"<h3{_anchor(anchor)}>{html.escape(title)}</h3>")
    parts.append(body)
    if note:
        parts.append(f'<p class="synth-caption">{html.escape(note)}</p>')
    if title and fold:
        parts.append("</details>")
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


# --- the audit ---------------------------------------------------------------------------------

_SECTION_KINDS = {
    "appendix-1": ("theme_codes", "theme_percent", "theme_class", "stat_mean", "stat_median",
                   "stat_sd", "stat_range", "n_codes", "n_major_themes", "n_minor_themes",
                   "n_themes", "n_subthemes"),
    "participants": ("role_count", "group_size_min", "group_size_max", "group_size_mean",
                     "group_size_median", "n_participants", "n_focus_groups"),
    "table-1": ("n_questions", "n_questions_topic"),
}
_TARGET_LABEL = {"appendix-1": "Appendix 1", "participants": "Participants", "table-1": "Table 1"}


def claim_target(kind: str, question: object) -> tuple[str, str] | None:
    """The anchor and the name of the figure or table a claim of the audit concerns.

    A claim about a question's reported themes concerns its figure; one about the subthemes a
    question's table lists concerns that table (Table N + 1); claims about themes, codes and their
    statistics concern Appendix 1, about groups and roles the participants, about the questions
    Table 1. None when the report has no part for it.

    Examples
    --------
    >>> claim_target("question_pct", 3)
    ('figure-3', 'Figure 3')
    >>> claim_target("table_n_subthemes", 3)
    ('table-4', 'Table 4')
    >>> claim_target("stat_sd", None)
    ('appendix-1', 'Appendix 1')
    """
    try:
        q = int(question)  # type: ignore[call-overload]
    except (TypeError, ValueError):  # None, pandas' NA or NaN: the claim names no question
        q = None
    if q is not None:
        if kind == "table_n_subthemes":
            return f"table-{q + 1}", f"Table {q + 1}"
        return f"figure-{q}", f"Figure {q}"
    for anchor, kinds in _SECTION_KINDS.items():
        if kind in kinds:
            return anchor, _TARGET_LABEL[anchor]
    return None


def _section_of(source: str) -> str:
    """The paper's section a claim's source names: "Results > Question 2" -> "Results"."""
    head = str(source).split(">")[0].split("\u00b6")[0].strip()
    return head or "elsewhere"


def _claim_rows(rows: pd.DataFrame) -> str:
    e = html.escape
    out = []
    for row in rows.itertuples(index=False):
        target = claim_target(str(row.kind), row.question)
        link = f'<a href="#{target[0]}">{e(target[1])}</a>' if target else ""
        verdict = str(row.verdict)
        reason = f"<br><span class=\"synth-muted\">{e(str(row.reason))}</span>" if row.reason \
            else ""
        out.append(
            f'<tr data-row=""><td>{e(str(row.claim_id))}</td><td>{e(str(row.statement))}</td>'
            f"<td>{e(str(row.published))}</td><td>{e(str(row.reproduced))}</td>"
            f'<td><span class="{e(verdict)}">{e(verdict)}</span>{reason}</td>'
            f"<td>{link}</td><td>{e(str(row.source))}</td></tr>"
        )
    head = ("<tr><th>claim</th><th>what the paper says</th><th>published</th>"
            "<th>reproduced</th><th>verdict</th><th>concerns</th><th>source</th></tr>")
    return f"<table>{head}{''.join(out)}</table>"


def show_audit(result: pd.DataFrame, anchor: str = "audit") -> HTMLBlock:
    """The audit of :func:`synth.audit.audit`, laid out for a reader.

    Counts first; then every claim that is not a plain match (mismatches first, then claims
    explained by an inconsistency of the paper), open; then the matches, folded by the section of
    the paper they come from. A filter box (it needs the report's script) hides the claims that do
    not contain the words typed, and each claim links to the figure or table it concerns
    (:func:`claim_target`).

    Parameters
    ----------
    result
        The audit table: ``claim_id, kind, question, published, reproduced, verdict, reason,
        statement, source``.
    anchor
        The ``id`` of the block's heading.

    Returns
    -------
    HTMLBlock

    Examples
    --------
    >>> t = pd.DataFrame({"claim_id": ["C1", "C2"], "kind": ["question_pct", "stat_sd"],
    ...                   "question": [1, None], "published": ["28.70", "<b>"],
    ...                   "reproduced": ["28.70", "11.74"], "verdict": ["match", "MISMATCH"],
    ...                   "reason": ["", ""], "statement": ["a", "b"], "source": ["Results", "x"]})
    >>> markup = show_audit(t).markup
    >>> markup.index(">C2<") < markup.index(">C1<") and "&lt;b&gt;" in markup
    True
    """
    from .audit import VERDICTS

    e = html.escape
    counts = result["verdict"].value_counts()
    numbers = " · ".join(f"{int(counts.get(v, 0))} {v}" for v in VERDICTS)
    order = {"MISMATCH": 0, "explained": 1}
    others = result[result["verdict"] != "match"].copy()
    others = others.assign(_o=others["verdict"].map(order).fillna(2)).sort_values(
        "_o", kind="mergesort").drop(columns="_o")
    matches = result[result["verdict"] == "match"]
    scope = f"{anchor}-claims"
    parts = [
        f'<div class="synth-audit" id="{e(scope, quote=True)}">',
        f"<h3{_anchor(anchor)}>Audit: {len(result)} published numbers checked</h3>",
        f'<p class="synth-audit-counts"><b>{e(numbers)}</b></p>',
        f'<input type="search" class="synth-filter" data-filter="{e(scope, quote=True)}" '
        'placeholder="Filter the claims: a theme, a number, a question…" '
        'aria-label="Filter the claims">',
        '<p class="synth-filter-count synth-muted" aria-live="polite"></p>',
        f"<h4>Mismatches and explained claims ({len(others)})</h4>",
    ]
    if len(others):
        parts.append(_claim_rows(others))
    else:
        parts.append("<p>None: every claim matches.</p>")
    parts.append(f"<h4>Matches, by section of the paper ({len(matches)})</h4>")
    sections = matches.assign(_s=matches["source"].map(_section_of))
    for name in dict.fromkeys(sections["_s"]):
        rows = sections[sections["_s"] == name]
        parts.append(
            f'<details class="synth-fold"><summary>{e(name)}: {len(rows)} '
            f'claim{"s" if len(rows) != 1 else ""}, all match</summary>'
            f"{_claim_rows(rows)}</details>"
        )
    parts.append("</div>")
    text = f"{len(result)} claims: {numbers}"
    return HTMLBlock("\n".join(parts), text)


def show_inconsistencies(
    frame: pd.DataFrame, anchor: str = "inconsistencies", fold: bool = True
) -> HTMLBlock:
    """The paper's internal inconsistencies as a list: where, what is printed, what Appendix 1
    says, and the resolution the compendium takes.

    Parameters
    ----------
    frame
        ``inconsistency_id, source, printed, appendix, resolution`` (``inconsistencies.csv``).
    anchor
        The ``id`` of the list.
    fold
        Fold the list under a one-line summary.

    Returns
    -------
    HTMLBlock

    Examples
    --------
    >>> t = pd.DataFrame({"inconsistency_id": ["I01"], "source": ["Table 9"],
    ...                   "printed": ["the <b>"], "appendix": ["the"], "resolution": ["mapped"]})
    >>> "Appendix 1 says: the" in show_inconsistencies(t).text
    True
    """
    e = html.escape
    items = []
    lines = []
    for row in frame.itertuples(index=False):
        items.append(
            f"<li><b>{e(str(row.inconsistency_id))}</b> ({e(str(row.source))})<br>"
            f"Printed: {e(str(row.printed))}<br>Appendix 1 says: {e(str(row.appendix))}<br>"
            f'<span class="synth-muted">Resolution: {e(str(row.resolution))}</span></li>'
        )
        lines.append(f"{row.inconsistency_id} ({row.source}): printed: {row.printed}; "
                     f"Appendix 1 says: {row.appendix}; resolution: {row.resolution}")
    title = (f"The paper's internal inconsistencies ({len(frame)}): what is printed and what "
             "Appendix 1 says")
    body = f"<ol>{''.join(items)}</ol>"
    if fold:
        markup = (f'<details class="synth-fold"{_anchor(anchor)}><summary>{e(title)}</summary>'
                  f"{body}</details>")
    else:
        markup = f"<h3{_anchor(anchor)}>{e(title)}</h3>{body}"
    return HTMLBlock(markup, "\n".join([title, *lines]))
