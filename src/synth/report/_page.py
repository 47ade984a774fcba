"""Assembling ``report.html`` (private machinery of :mod:`synth.report`).

The page reads from top to bottom as a reviewer needs it:

1. the summary (:func:`front_page`): the study and the paper it is compared with, what data these
   are, the audit's verdict in one line with what it does and does not show, and one row per
   figure with the published values next to the reproduced ones; all computed here from the data
   (the analysis and the audit take a fraction of a second), never parsed from notebook output;
2. the contents, kept in view in a side bar while the page scrolls (:func:`contents`);
3. every notebook's outputs (:func:`assemble`): each notebook is a section; its parts under a
   second-level heading are folded (``<details>``) when they show an image or much text, so the
   page opens short and nothing is lost; long tables fold themselves
   (:func:`synth.display.show_table`); images without a description get one from their section;
4. an appendix, folded: software versions, the commit, and the SHA-256 of every input and output.

One small script (no network, no kernel) opens folded parts when a link leads into them, filters
the audit's claims, and fills the figures' evidence panels (:func:`synth.interactive.evidence_script`).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._provenance import git_state, software_versions

__all__: list[str] = []  # private module

_CSS = """
:root{--accent:#0b5cad;--muted:#555;--line:#d5d5d5;--note:#fff8e1;--note-edge:#f0b400}
html{scroll-behavior:auto}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;line-height:1.45;
color:#222;background:#fff}
.synth-layout{display:grid;grid-template-columns:15.5rem minmax(0,1fr);
grid-template-rows:auto 1fr;gap:0 2rem;max-width:90rem;margin:0 auto;padding:0 1.2rem}
.synth-layout>.synth-summary{grid-column:2;grid-row:1;min-width:0;max-width:72rem}
.synth-main{grid-column:2;grid-row:2;min-width:0;max-width:72rem;padding-bottom:4rem}
#contents{grid-column:1;grid-row:1/span 2;position:sticky;top:0;align-self:start;
max-height:100vh;overflow:auto;padding:1rem .2rem 1rem 0;font-size:.9em;
border-right:1px solid var(--line)}
#contents h2{font-size:1em;margin:.2em 0 .5em;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted)}
#contents ol{list-style:none;margin:0;padding:0}
#contents li{margin:.25em 0}
#contents li li{margin:.1em 0 .1em .9em}
#contents a{text-decoration:none;color:var(--accent)}
#contents a:hover{text-decoration:underline}
h1,h2,h3,h4{line-height:1.2}
[id]{scroll-margin-top:.6rem}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
img{max-width:100%;height:auto}
pre{white-space:pre-wrap}
code{font-size:.95em}
.synth-summary{padding:.8rem 0 .4rem;border-bottom:2px solid #444}
.synth-summary h1{font-size:1.45em;margin:.15em 0 .35em}
.synth-summary p{margin:.35em 0}
.synth-kicker{color:var(--muted);font-size:.9em;margin:0}
.synth-verdict{font-size:1.02em;border-left:4px solid #2e7d32;background:#f1f8f1;
padding:.4em .8em}
.synth-verdict.synth-bad{border-left-color:#c62828;background:#fdf1f1}
.synth-note{background:var(--note);border-left:4px solid var(--note-edge);padding:.5em 1em}
.synth-figures td,.synth-figures th{padding:.2em .5em}
.synth-figures td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.synth-figures .ok{color:#2e7d32;font-weight:600}
.synth-figures .bad{color:#c62828;font-weight:600}
.synth-caption{font-size:.95em;color:#333;margin:.3em 0 1.5em}
.synth-section{border-top:1px solid #999;margin-top:2.2em;padding-top:.3em}
.synth-section>h1{font-size:1.5em}
.synth-top{text-align:right;font-size:.85em;margin:.5em 0 0}
.synth-top a{color:var(--muted)}
details.synth-fold{border:1px solid var(--line);border-radius:4px;margin:.6em 0;padding:0 .8em}
details.synth-fold[open]{padding-bottom:.6em}
details.synth-fold>summary{cursor:pointer;padding:.45em 0;font-weight:600}
details.synth-fold>summary h2,details.synth-fold>summary h3{display:inline;font-size:1.05em;
margin:0}
.synth-muted{color:var(--muted);font-size:.92em}
.synth-figure{margin:.5em 0 1.5em}
.synth-figure-row{display:grid;grid-template-columns:minmax(0,1fr) 19rem;gap:1rem;
align-items:start}
.synth-figure-chart{min-width:0}
.synth-evidence{max-height:34rem;overflow:auto;border:1px solid var(--line);
border-radius:4px;padding:.5em .8em;font-size:.88em;background:#fafafa}
.synth-evidence label{font-weight:600}
.synth-evidence select{max-width:100%;margin-top:.2em}
.synth-evidence h4{margin:.5em 0 .2em;font-size:1.05em}
.synth-evidence h5{margin:.9em 0 .3em;font-size:.95em}
.synth-evidence table{font-size:.95em;margin:.2em 0}
.synth-evidence blockquote{margin:.3em 0 .6em;padding:.2em .6em;border-left:3px solid #999;
background:#fff}
.synth-evidence blockquote p{margin:.1em 0}
.synth-evidence footer{color:var(--muted);font-size:.9em}
.synth-downloads{font-size:.9em;margin:.2em 0}
.synth-filter{font-size:1em;padding:.3em .5em;width:min(28rem,100%);margin:.3em 0 .6em}
.synth-audit .MISMATCH{color:#c62828;font-weight:600}
.synth-audit .explained{color:#8a5a00;font-weight:600}
.jp-OutputPrompt,.jp-InputPrompt,.prompt{display:none}
.anchor-link{visibility:hidden;text-decoration:none;margin-left:.3em}
h1:hover .anchor-link,h2:hover .anchor-link,h3:hover .anchor-link{visibility:visible}
@media (max-width:70rem){.synth-figure-row{grid-template-columns:minmax(0,1fr)}}
@media (max-width:60rem){.synth-layout{display:block}
#contents{position:static;max-height:none;border-right:0;border-bottom:1px solid var(--line)}}
@media print{#contents{display:none}.synth-layout{display:block}}
"""

#: The page's own behaviour: open folded parts that a link (or the address's #fragment) leads
#: into, and filter tables that carry a filter box.
_PAGE_JS = r"""
(function () {
  "use strict";
  function reveal(id, scroll) {
    var target = id && document.getElementById(id);
    if (!target) { return; }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) { node.open = true; }
    }
    if (target.tagName === "DETAILS") { target.open = true; }
    if (scroll) { target.scrollIntoView({block: "start"}); }
  }
  function fromHash() {
    try { return decodeURIComponent(location.hash.slice(1)); } catch (e) { return ""; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (!link) { return; }
    var id = link.getAttribute("href").slice(1);
    if (id && document.getElementById(id)) { reveal(id, false); }
  });
  window.addEventListener("hashchange", function () { reveal(fromHash(), true); });
  function filterBox(box) {
    var scope = document.getElementById(box.getAttribute("data-filter"));
    if (!scope) { return; }
    var count = scope.querySelector(".synth-filter-count");
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      Array.prototype.forEach.call(scope.querySelectorAll("tr[data-row]"), function (row) {
        var text = row.textContent.toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      Array.prototype.forEach.call(scope.querySelectorAll("details.synth-fold"), function (d) {
        var any = d.querySelector("tr[data-row]:not([hidden])");
        if (words.length) { d.open = Boolean(any); d.hidden = !any; } else { d.hidden = false; }
      });
      if (count) {
        count.textContent = words.length ? shown + " claims match the filter" : "";
      }
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input.synth-filter"), filterBox);
    if (location.hash) { reveal(fromHash(), true); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""


@dataclass(frozen=True)
class Inputs:
    """What the report was rendered from: the data folder, every input file's SHA-256, whether
    the data are the shipped reconstruction, and checksum differences accepted on purpose."""

    data: Path
    files: list[tuple[str, str]]  # (shown path, sha256)
    shipped: bool
    changed: list[str]
    paths: list[tuple[str, Path]] = field(default_factory=list)  # (name in the RO-Crate, file)


@dataclass(frozen=True)
class Front:
    """The report's own parts: the summary at the top and the appendix at the end (HTML)."""

    summary: str
    appendix: str
    title: str = ""

    def __str__(self) -> str:
        return self.summary + "\n" + self.appendix


def html_cell(markup: str) -> Any:
    """A code cell with no source whose one output is ``markup``."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    return cell


# --- the summary -------------------------------------------------------------------------------


def _verdict(table: Any, shipped: bool) -> str:
    """The audit in one line, and what it shows."""
    e = html.escape
    counts = table["verdict"].value_counts()
    n = len(table)
    match, explained, bad = (int(counts.get(v, 0)) for v in ("match", "explained", "MISMATCH"))
    if bad == 0:
        head = f"Audit: all {n} numbers the paper publishes are reproduced"
    else:
        head = f"Audit: {match + explained} of the {n} numbers the paper publishes are reproduced"
    line = (f"<b>{e(head)}</b> ({match} match, {explained} explained by inconsistencies inside "
            f"the paper, {bad} mismatch{'es' if bad != 1 else ''}).")
    if shipped:
        line += (" On the shipped reconstruction this holds <b>by construction</b>: the data were "
                 "built to reproduce these numbers, so the audit checks the transcription of the "
                 "paper and the counting rules, not the study.")
    line += ' <a href="#audit">The audit</a>.'
    cls = "synth-verdict" + (" synth-bad" if bad else "")
    return f'<p class="{cls}" id="summary-audit">{line}</p>'


def _figures_table(analysis: Any, published: Any) -> str:
    """One row per figure: the published values next to the reproduced ones (or, for data not
    compared with the paper, the themes the 50% rule reports)."""
    e = html.escape
    shares = analysis.shares.set_index(["question", "theme"])["mean_pct"]
    selected = analysis.selected
    rows = []
    if published is None:
        head = "<tr><th>figure</th><th>themes reported (50% rule)</th><th>mean %</th></tr>"
        for q in analysis.questions:
            picked = selected[selected["question"] == q]
            themes = "<br>".join(e(str(t)) for t in picked["theme"])
            values = "<br>".join(f"{v:.2f}" for v in picked["mean_pct"])
            rows.append(f'<tr><td><a href="#figure-{q}">Figure {q}</a></td><td>{themes}</td>'
                        f'<td class="num">{values}</td></tr>')
        caption = "The figures at a glance: the themes each question reports under the 50% rule."
    else:
        head = ("<tr><th>figure</th><th>themes the paper reports</th><th>published %</th>"
                "<th>reproduced %</th><th></th><th>50% rule on these data</th></tr>")
        questions = sorted(set(published["question"].astype(int)) | set(analysis.questions))
        for q in questions:
            pub = published[published["question"] == q]
            got = [shares.get((q, t)) for t in pub["theme"]]
            same = [g is not None and f"{g:.2f}" == f"{v:.2f}"
                    for g, v in zip(got, pub["published_pct"], strict=True)]
            mark = ('<span class="ok">✓ same</span>' if all(same) and same else
                    f'<span class="bad">✗ {len(same) - sum(same)} differ</span>' if same else "")
            picked = set(selected.loc[selected["question"] == q, "theme"])
            paper = set(pub["theme"])
            if picked == paper:
                rule = "the same themes"
            else:
                extra = sorted(picked - paper)
                lost = sorted(paper - picked)
                rule = "; ".join(
                    ([f"also {', '.join(map(str, extra))}"] if extra else [])
                    + ([f"not {', '.join(map(str, lost))}"] if lost else [])
                )
            rows.append(
                f'<tr><td><a href="#figure-{q}">Figure {q}</a></td>'
                f"<td>{'<br>'.join(e(str(t)) for t in pub['theme'])}</td>"
                f"<td class=\"num\">{'<br>'.join(f'{v:.2f}' for v in pub['published_pct'])}</td>"
                f"<td class=\"num\">{'<br>'.join('–' if g is None else f'{g:.2f}' for g in got)}"
                f"</td><td>{mark}</td><td>{e(rule)}</td></tr>"
            )
        caption = ("The figures at a glance: each question's reported themes, the percentage the "
                   "paper publishes and the one reproduced from these data.")
    return (f'<table class="synth-figures" id="summary-figures"><caption class="synth-muted" '
            f'style="caption-side:top;text-align:left">{caption}</caption>{head}'
            f"{''.join(rows)}</table>")


def _data_note(inputs: Inputs, shown_data: str, study: Any, n_published: int, n_bars: int,
               n_seeds: int | None) -> str:
    e = html.escape
    if inputs.shipped:
        ensemble = (f" {n_seeds} reconstructions that reproduce the paper equally well put them "
                    "anywhere in the range each bar's tooltip gives." if n_seeds else "")
        note = (
            f"<b>Data: the shipped reconstruction</b> (<code>{e(shown_data)}</code>), "
            "<b>not the study's data</b>. The study's coded data were never published; these "
            "were rebuilt by a seeded program from the paper's published aggregates. "
            f"<b>The paper pins only {n_published} of the {n_bars} bars</b> of the figures (the "
            "reported themes' means): every other bar and every error bar (SD) comes from the "
            f"reconstruction.{ensemble} The only participants' words in the data are the "
            "quotations the paper published."
        )
    elif study.compare_to_paper:
        note = (f"<b>Data: <code>{e(shown_data)}</code></b>, not the shipped reconstruction: "
                "every value is computed from these data and compared with the numbers the "
                "paper publishes.")
    else:
        described = (" (described by its <code>study.toml</code>)" if study.described
                     else " (no <code>study.toml</code>)")
        note = (f"<b>Data: <code>{e(shown_data)}</code></b>{described}, not compared with the "
                "paper: the report shows no published values and no audit, only what these data "
                "give under the paper's counting rules.")
    if inputs.changed:
        note += (" <b>The data differ from the checksums recorded in SHA256SUMS</b> and were "
                 "rendered with <code>--accept-changed-data</code>: " + e(" ".join(inputs.changed))
                 + " The appendix gives the checksums of the data actually used.")
    return f'<p class="synth-note" id="summary-data">{note}</p>'


def _summary(inputs: Inputs, unit: str, shown_data: str, root: Path | None) -> tuple[str, str]:
    from ..analysis import analyse, check_unit
    from ..interactive import FigureContext
    from ..io import load_coded_data
    from ..study import load_study

    e = html.escape
    if root is not None and Path(shown_data).is_absolute():
        try:  # the compendium's own folders by their names in it: data/raw
            shown_data = Path(shown_data).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    study = load_study(inputs.data)
    data = load_coded_data(inputs.data)
    analysis = analyse(data, unit=check_unit(unit))
    n_bars = len(analysis.shares)
    parts = ['<header class="synth-summary" id="top">',
             '<p class="synth-kicker">synth report: a reproducible rerun of a mixed-methods '
             "focus-group analysis</p>",
             f"<h1>{e(study.title)}</h1>"]
    published = None
    n_seeds = None
    if study.compare_to_paper:
        from ..published import load_paper, load_published, reported_themes

        paper = load_paper()
        record = load_published()
        published = reported_themes(record)
        parts.append(f'<p id="summary-paper"><b>Compared with the paper:</b> {e(paper.citation)} '
                     f'<a href="https://doi.org/{e(paper.doi)}">doi:{e(paper.doi)}</a></p>')
    elif study.citation or study.doi:
        doi = (f' <a href="https://doi.org/{e(study.doi)}">doi:{e(study.doi)}</a>'
               if study.doi else "")
        parts.append(f"<p><b>Study:</b> {e(study.citation)}{doi}</p>")
    if inputs.shipped and unit == "paragraph":
        context = FigureContext.from_folder(inputs.data, unit=unit)
        if context.ranges is not None and len(context.ranges):
            n_seeds = int(context.ranges["n_seeds"].max())
    parts.append(_data_note(inputs, shown_data, study,
                            0 if published is None else len(published), n_bars, n_seeds))
    if published is not None:
        from ..audit import audit

        parts.append(_verdict(audit(data, record), inputs.shipped))
    parts.append(_figures_table(analysis, published))
    unit_note = {
        "paragraph": "coded paragraphs (the paper's reading)" if study.compare_to_paper
        else "coded paragraphs (the default reading)",
        "code": "code occurrences (the alternative reading)",
    }.get(unit, unit)
    state = git_state(root)
    commit = (state.commit[:12] + (" with uncommitted changes" if state.dirty else
                                   ", clean checkout" if state.dirty is False else "")
              if state.commit else state.describe())
    stamp = ""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        when = datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        stamp = f" Rendered {e(when)} (SOURCE_DATE_EPOCH)."
    parts.append(
        f'<p class="synth-muted">Percentages per question count {e(unit_note)}. Commit '
        f"<code>{e(commit)}</code>.{stamp} Software versions, the full commit and the checksums "
        'of every input and output are in the <a href="#appendix">appendix</a>. Each figure is '
        "interactive: hover over a bar for its values, click it for the evidence behind it.</p>"
    )
    parts.append("</header>")
    return "\n".join(parts), study.title


# --- the appendix ------------------------------------------------------------------------------


def _appendix(inputs: Inputs, outputs: Sequence[tuple[str, str]], root: Path | None) -> str:
    e = html.escape
    versions = "".join(f"<tr><td>{e(n)}</td><td>{e(v)}</td></tr>" for n, v in software_versions())
    sums = "".join(
        f"<tr><td><code>{e(p)}</code></td><td><code>{e(h)}</code></td></tr>"
        for p, h in inputs.files
    )
    out_sums = "".join(
        f"<tr><td><code>{e(p)}</code></td><td><code>{e(h)}</code></td></tr>" for p, h in outputs
    )
    stamp = ""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        when = datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        stamp = f"<p>Rendered: {e(when)} (SOURCE_DATE_EPOCH).</p>"
    return f"""<section class="synth-section" id="appendix">
<h1>Appendix: software, commit and checksums</h1>
<p>This report was produced by <b>synth</b>, a research compendium that executes parameterised
notebooks with papermill and assembles their outputs into this one file.</p>
<p><b>Commit:</b> <code>{e(git_state(root).describe())}</code></p>
{stamp}
<details class="synth-fold" id="software"><summary><h2>Software versions</h2></summary>
<table><tr><th>package</th><th>version</th></tr>{versions}</table></details>
<details class="synth-fold" id="input-checksums"><summary><h2>Input data (SHA-256,
{len(inputs.files)} files)</h2></summary>
<table><tr><th>file</th><th>sha256</th></tr>{sums}</table></details>
<details class="synth-fold" id="output-checksums"><summary><h2>Outputs (SHA-256,
{len(outputs)} files)</h2></summary>
<p>Every file written beside this report. <code>SHA256SUMS</code> in the report folder lists
them and <code>report.html</code> itself, so a copy can be checked with
<code>sha256sum -c SHA256SUMS</code>.</p>
<table><tr><th>file</th><th>sha256</th></tr>{out_sums}</table></details>
<p class="synth-top"><a href="#top">↑ Back to top</a></p>
</section>"""


def front_page(
    inputs: Inputs,
    unit: str,
    shown_data: str,
    outputs: Sequence[tuple[str, str]] = (),
    *,
    root: Path | None = None,
) -> Front:
    """The report's summary (the first screen) and its appendix (software, commit, checksums).

    Parameters
    ----------
    inputs
        What the report is rendered from.
    unit
        The counting unit of the per-question percentages.
    shown_data
        The data folder as the reader should see it named.
    outputs
        ``(path, sha256)`` of every file written beside the report.
    root
        The compendium's checkout, for the commit (None: not known).
    """
    summary, title = _summary(inputs, unit, shown_data, root)
    return Front(summary, _appendix(inputs, outputs, root), title)


# --- contents and sections ---------------------------------------------------------------------


def contents(runs: Sequence[Any]) -> str:
    """The table of contents: the summary, one entry per notebook run (a question's run links
    its figure and table), and the appendix."""
    e = html.escape
    items = ['<li><a href="#top">Summary</a></li>']
    for run in runs:
        q = run.parameters.get("question")
        if q is not None:
            items.append(
                f'<li><a href="#sec-{e(run.name)}">Question {int(q)}</a>: '
                f'<a href="#figure-{int(q)}">Figure {int(q)}</a> &middot; '
                f'<a href="#table-{int(q) + 1}">Table {int(q) + 1}</a></li>'
            )
            continue
        sub = ""
        if run.source.stem.startswith("00"):
            sub = '<ol><li><a href="#table-1">Table 1</a></li></ol>'
        elif run.source.stem.startswith("10"):
            sub = '<ol><li><a href="#appendix-1">Appendix 1</a></li></ol>'
        items.append(f'<li><a href="#sec-{e(run.name)}">{e(run.title)}</a>{sub}</li>')
    items.append('<li><a href="#appendix">Appendix: software and checksums</a></li>')
    return ('<nav id="contents" aria-label="Contents"><h2>Contents</h2><ol>' + "".join(items)
            + "</ol></nav>")


_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


def _plain(markdown: str) -> str:
    """A markdown heading's words without inline markup."""
    return re.sub(r"[`*_]", "", markdown).strip()


def _parts(run: Any, nb: Any) -> list[tuple[str | None, list[Any]]]:
    """The notebook's cells to show, split at second-level headings: ``(heading, cells)``; the
    first part (heading None) is the notebook's introduction."""
    import nbformat

    parts: list[tuple[str | None, list[Any]]] = [(None, [])]
    titled = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            source = cell.source
            if not titled and source.startswith("# "):
                # the section heading replaces the notebook's own title
                source = source.split("\n", 1)[1] if "\n" in source else ""
                titled = True
            if not run.first_of_source or not source.strip():
                continue
            first, _, rest = source.lstrip("\n").partition("\n")
            match = _HEADING.match(first)
            if match:
                parts.append((_plain(match.group(1)), []))
                source = rest
            if source.strip():
                parts[-1][1].append(nbformat.v4.new_markdown_cell(source))
        elif cell.cell_type == "code" and cell.get("outputs"):
            new = nbformat.v4.new_code_cell(source="")
            new.outputs = cell.outputs
            parts[-1][1].append(new)
    return [p for p in parts if p[1] or p[0] is not None]


#: A part of a notebook is folded when it shows an image or more text than this (characters, not
#: counting what is folded already).
FOLD_PART_CHARACTERS = 3000


def _long(cells: Sequence[Any]) -> bool:
    """Whether a part is long enough to fold: it shows an image, or more than
    :data:`FOLD_PART_CHARACTERS` characters of text outside parts that fold themselves."""
    text = 0
    for cell in cells:
        if cell.cell_type == "markdown":
            text += len(cell.source)
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            markup = str(data.get("text/html", ""))
            if "image/png" in data or "<img" in markup or "Plotly.newPlot(" in markup:
                return True
            markup = re.sub(r"<details\b.*?</details>", "", markup, flags=re.S)
            text += len(re.sub(r"<[^>]+>", "", markup)) + len(str(out.get("text", "")))
            if "text/html" not in data:
                text += len(str(data.get("text/markdown", data.get("text/plain", ""))))
    return text > FOLD_PART_CHARACTERS


def _describe_images(cells: Sequence[Any], where: str) -> None:
    """Give every PNG output without an HTML version an ``<img>`` with alt text (in place).

    A notebook that shows a figure through :func:`synth.display.show_figure` gives its own
    description; a bare image output gets one from its place: the section, the part and the
    paragraph before it."""
    import nbformat

    lead = ""
    images = [o for c in cells for o in c.get("outputs", [])
              if "image/png" in o.get("data", {}) and "text/html" not in o.get("data", {})]
    count = 0
    for cell in cells:
        if cell.cell_type == "markdown":
            text = " ".join(cell.source.split())
            lead = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0] if text else ""
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data and "text/html" not in data:
                count += 1
                alt = f"{where}, image {count} of {len(images)}" + (f": {lead}" if lead else "")
                payload = "".join(str(data["image/png"]).split())
                out = nbformat.v4.new_output(
                    "display_data",
                    data={"text/html": f'<img src="data:image/png;base64,{payload}" '
                                       f'alt="{html.escape(alt, quote=True)}">'},
                )
            outputs.append(out)
        if cell.cell_type == "code":
            cell.outputs = outputs


def assemble(runs: Sequence[Any], executed: dict[str, Any], front: Front | str) -> str:
    """``report.html``: the summary, the contents, every run's outputs as a section with its
    parts folded, then the appendix."""
    import nbformat
    from nbconvert import HTMLExporter

    from ..interactive import evidence_script

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )

    def render(cells: Sequence[Any]) -> str:
        for i, cell in enumerate(cells):
            cell["id"] = f"c{i:04d}"  # fixed ids: the same report gives the same bytes
        nb = nbformat.v4.new_notebook(cells=list(cells))
        nb.metadata["language_info"] = {"name": "python"}
        body, _ = exporter.from_notebook_node(nb)
        return str(body)

    if not isinstance(front, Front):
        front = Front(str(front), "")
    e = html.escape
    sections = []
    plotly = False
    for run in runs:
        nb = executed[run.name]
        out = [f'<section class="synth-section" id="sec-{e(run.name)}">',
               f"<h1>{e(run.title)}</h1>"]
        for heading, cells in _parts(run, nb):
            where = run.title + (f" — {heading}" if heading else "")
            _describe_images(cells, where)
            plotly = plotly or any(
                "Plotly.newPlot(" in str(o.get("data", {}).get("text/html", ""))
                for c in cells for o in c.get("outputs", []))
            body = render(cells) if cells else ""
            if heading is None:
                out.append(body)
            elif _long(cells):
                out.append(f'<details class="synth-fold"><summary><h2>{e(heading)}</h2>'
                           f"</summary>{body}</details>")
            else:
                out.append(f'<div class="synth-part"><h2>{e(heading)}</h2>{body}</div>')
        out.append('<p class="synth-top"><a href="#top">↑ Back to top</a></p></section>')
        sections.append("\n".join(out))
    # plotly.js goes into the page once, as a data URI: the report works offline, from a file
    head = f"<style>{_CSS}</style>\n<script>{_PAGE_JS}</script>\n{evidence_script()}\n"
    if plotly:
        from ..interactive import plotly_script

        head += plotly_script() + "\n"
    title = "synth report" + (f": {front.title}" if front.title else "")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n{head}</head>\n<body>\n"
        # the summary comes first, then the contents (beside it on a wide screen), then the parts
        f'<div class="synth-layout">\n{front.summary}\n{contents(runs)}\n<main class="synth-main">\n'
        + "\n".join(sections)
        + f"\n{front.appendix}\n</main>\n</div>\n</body>\n</html>\n"
    )

