"""Assembling ``report.html``: the front page, the contents and the executed notebooks' outputs,
through one call of nbconvert's HTML exporter (private machinery of :mod:`synth.report`)."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._provenance import git_state, software_versions
from ..display import RECONSTRUCTION_NOTICE

__all__: list[str] = []  # private module

#: The paper this compendium reproduces, cited in full.
PAPER_CITATION = (
    "Thomson LJM, Waterson H, Chatterjee HJ. Successes and challenges of partnership working to "
    "tackle health inequalities using collaborative approaches to community-based research: "
    "mixed methods analysis of focus group evidence. International Journal for Equity in Health "
    "2024; 23:135."
)
#: Its DOI.
PAPER_DOI = "10.1186/s12939-024-02216-1"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
h1,h2,h3{line-height:1.2}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
img{max-width:100%;height:auto}
.synth-front{border-bottom:2px solid #444;margin-bottom:1.5em}
.synth-note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em 1em}
.synth-caption{font-size:.95em;color:#333;margin:.3em 0 1.5em}
.synth-section{border-top:1px solid #999;margin-top:2.5em;padding-top:.5em}
.jp-OutputPrompt,.jp-InputPrompt,.prompt{display:none}
pre{white-space:pre-wrap}
.anchor-link{visibility:hidden;text-decoration:none;margin-left:.3em}
h1:hover .anchor-link,h2:hover .anchor-link,h3:hover .anchor-link{visibility:visible}
code{font-size:.95em}
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


def html_cell(markup: str) -> Any:
    """A code cell with no source whose one output is ``markup``."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    return cell


def front_page(
    inputs: Inputs,
    unit: str,
    shown_data: str,
    outputs: Sequence[tuple[str, str]] = (),
    *,
    root: Path | None = None,
) -> str:
    """The front page: what the report is, the study (and the paper, when the study is compared
    with it), the data, versions, commit, checksums."""
    from ..study import load_study

    e = html.escape
    study = load_study(inputs.data)
    if inputs.shipped:
        data_note = e(RECONSTRUCTION_NOTICE)
    else:
        data_note = (
            f"The data come from <code>{e(shown_data)}</code>, which is <b>not</b> the shipped "
            "reconstructed dataset: every number, figure and table below is computed from those "
            "data."
            + (" Where the report compares them with the paper, differences are expected."
               if study.compare_to_paper else "")
        )
    if inputs.changed:
        data_note += (
            " <b>The data differ from the checksums recorded in SHA256SUMS</b> and were rendered "
            "with <code>--accept-changed-data</code>: "
            + e(" ".join(inputs.changed))
            + " The checksums below are those of the data actually used."
        )
    stamp = ""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        when = datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        stamp = f"<p>Rendered: {e(when)} (SOURCE_DATE_EPOCH).</p>"
    versions = "".join(f"<tr><td>{e(n)}</td><td>{e(v)}</td></tr>" for n, v in software_versions())
    sums = "".join(
        f"<tr><td><code>{e(p)}</code></td><td><code>{e(h)}</code></td></tr>"
        for p, h in inputs.files
    )
    out_sums = "".join(
        f"<tr><td><code>{e(p)}</code></td><td><code>{e(h)}</code></td></tr>" for p, h in outputs
    )
    unit_note = {
        "paragraph": "coded paragraphs (the paper's reading)" if study.compare_to_paper
        else "coded paragraphs (the default reading)",
        "code": "code occurrences (the alternative reading)",
    }.get(unit, unit)
    return f"""<div class="synth-front" id="front">
<h1>{e(study.title)}</h1>
{_about(study)}
<p class="synth-note">{data_note}</p>
<p>Per-question percentages are counted in {e(unit_note)}.</p>
<p><b>Commit:</b> <code>{e(git_state(root).describe())}</code></p>
{stamp}
<h3>Software</h3>
<table><tr><th>package</th><th>version</th></tr>{versions}</table>
<h3>Input data (SHA-256)</h3>
<table><tr><th>file</th><th>sha256</th></tr>{sums}</table>
<h3 id="output-checksums">Outputs (SHA-256)</h3>
<p>Every file written beside this report. <code>SHA256SUMS</code> in the report folder lists
them and <code>report.html</code> itself, so a copy can be checked with
<code>sha256sum -c SHA256SUMS</code>.</p>
<table><tr><th>file</th><th>sha256</th></tr>{out_sums}</table>
</div>"""


def _about(study: Any) -> str:
    """What the report is, the study's citation, and the paper's only for a compared study."""
    e = html.escape
    if study.compare_to_paper:
        about = (
            "<p>This report is produced by <b>synth</b>, a research compendium that reruns the "
            "mixed-methods focus-group analysis of the paper below from coded data, through "
            "parameterised notebooks executed with papermill. It shows the questions (Table 1), "
            "one figure and one table per question, Appendix 1 and an audit of every number the "
            "paper publishes against the data.</p>\n"
            f"<p><b>Paper reproduced:</b> {e(PAPER_CITATION)} "
            f'<a href="https://doi.org/{PAPER_DOI}">doi:{PAPER_DOI}</a></p>'
        )
    else:
        about = (
            "<p>This report is produced by <b>synth</b>, a research compendium for the analysis "
            "of coded focus-group data, through parameterised notebooks executed with papermill. "
            "It shows the questions (Table 1), one figure and one table per question, the themes "
            "with their codes and subthemes (Appendix 1) and statistics on them.</p>"
        )
    if study.citation and study.citation != PAPER_CITATION:
        doi = (f' <a href="https://doi.org/{e(study.doi, quote=True)}">doi:{e(study.doi)}</a>'
               if study.doi else "")
        about += f"\n<p><b>Study:</b> {e(study.citation)}{doi}</p>"
    return about


def contents(runs: Sequence[Any]) -> str:
    """The table of contents: one entry per notebook run, with its figures and tables."""
    e = html.escape
    items = []
    for run in runs:
        sub = ""
        q = run.parameters.get("question")
        if q is not None:
            sub = (
                f' &#8212; <a href="#figure-{q}">Figure {q}</a> &middot; '
                f'<a href="#table-{q + 1}">Table {q + 1}</a>'
            )
        elif run.source.stem.startswith("00"):
            sub = ' &#8212; <a href="#table-1">Table 1</a>'
        elif run.source.stem.startswith("10"):
            sub = ' &#8212; <a href="#appendix-1">Appendix 1</a>'
        items.append(f'<li><a href="#sec-{e(run.name)}">{e(run.title)}</a>{sub}</li>')
    return '<nav id="contents"><h2>Contents</h2><ol>' + "".join(items) + "</ol></nav>"


def assemble(runs: Sequence[Any], executed: dict[str, Any], front: str) -> str:
    """``report.html``: the front page, the contents, then every run's outputs in order."""
    import nbformat
    from nbconvert import HTMLExporter

    cells = [html_cell(front), html_cell(contents(runs))]
    for run in runs:
        nb = executed[run.name]
        cells.append(
            html_cell(
                f'<h1 class="synth-section" id="sec-{html.escape(run.name)}">'
                f"{html.escape(run.title)}</h1>"
            )
        )
        titled = False
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                source = cell.source
                if not titled and source.startswith("# "):
                    # the section heading above replaces the notebook's own title
                    source = source.split("\n", 1)[1] if "\n" in source else ""
                    titled = True
                if run.first_of_source and source.strip():
                    cells.append(nbformat.v4.new_markdown_cell(source))
            elif cell.cell_type == "code" and cell.get("outputs"):
                new = nbformat.v4.new_code_cell(source="")
                new.outputs = cell.outputs
                cells.append(new)
    for i, cell in enumerate(cells):
        cell["id"] = f"synth-{i:04d}"  # fixed ids: the same report gives the same bytes
    combined = nbformat.v4.new_notebook(cells=cells)
    combined.metadata["language_info"] = {"name": "python"}
    # Figures 1-8 also come as interactive charts (synth.interactive): plotly.js goes into the
    # page once, as a data URI, so the report works offline and from a file.
    head = ""
    if any(
        "Plotly.newPlot(" in str(out.get("data", {}).get("text/html", ""))
        for cell in cells
        for out in cell.get("outputs", [])
    ):
        from ..interactive import plotly_script

        head = plotly_script() + "\n"
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(combined)
    import re

    heading = re.search(r"<h1>(.*?)</h1>", front, flags=re.S)  # the study's title, escaped
    title = "synth report: " + (html.unescape(heading.group(1)) if heading else "coded study")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n{head}</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )
