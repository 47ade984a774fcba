"""The papermill report: every notebook executed, one self-contained ``report.html``.

:func:`render_report` (the ``synth report`` command):

1. loads the data, runs the privacy check (:func:`synth.privacy.check`), checks ``data/raw``
   against its ``SHA256SUMS`` (``--accept-changed-data`` renders anyway and says so) and hashes
   every input file for the front page;
2. executes the numbered notebooks of ``notebooks/`` (``00``-``89``; ``20_question.ipynb`` once
   per question) with papermill, ``jobs`` at a time, in a kernel running the *current*
   interpreter (a private kernelspec in a temporary ``JUPYTER_PATH``). Each worker keeps its
   kernel for the notebooks it runs and resets it between them, so pandas, matplotlib and seaborn
   are imported once per worker, not once per notebook (:mod:`synth._report_exec`);
3. writes the executed notebooks, stripped of timings, into ``OUT/notebooks/``, and the tables
   and figures the notebooks save into ``OUT/tables/`` and ``OUT/figures/`` (copied to
   ``--figures`` too);
4. assembles ``OUT/report.html`` with one call of nbconvert's HTML exporter: a front page (what
   the report is, the paper, where the data come from, versions, commit, SHA-256 of every input
   file), a table of contents, Figures 1-8 (static and interactive), Tables 1-9, Appendix 1, the
   audit and the statistics; input cells hidden, images and plotly.js embedded, nothing fetched;
5. describes the folder in ``OUT/ro-crate-metadata.json`` (RO-Crate: every output with its
   format and SHA-256, the inputs, the software, the paper; :mod:`synth.crate`) and lists every
   file's SHA-256 in ``OUT/SHA256SUMS``.

Everything is written through :func:`synth._atomic.atomic_dir`. The same inputs give the same
bytes, whatever the number of jobs; the HTML holds no date unless ``SOURCE_DATE_EPOCH`` is set.

A notebook that raises, writes to stderr (a warning, for instance) or is given a parameter its
``parameters`` cell does not declare stops the command with :class:`~synth.ReportError` naming the
notebook and the cell: a report never silently contains an error.

The notebooks show tables and headings through :func:`show_table`, :func:`show_heading` and
:func:`figure_caption`, which escape every string that comes from data.
"""

from __future__ import annotations

import hashlib
import html
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ._exceptions import ChecksumError, ReportError

__all__ = [
    "PAPER_CITATION",
    "PAPER_DOI",
    "HTMLBlock",
    "show_table",
    "show_heading",
    "figure_caption",
    "render_report",
    "run_report_command",
]

#: The paper this compendium reproduces, cited in full.
PAPER_CITATION = (
    "Thomson LJM, Waterson H, Chatterjee HJ. Successes and challenges of partnership working to "
    "tackle health inequalities using collaborative approaches to community-based research: "
    "mixed methods analysis of focus group evidence. International Journal for Equity in Health "
    "2024; 23:135."
)
#: Its DOI.
PAPER_DOI = "10.1186/s12939-024-02216-1"

#: The notebook run once per question (parameter ``question``).
QUESTION_NOTEBOOK = "20_question.ipynb"
#: Notebooks numbered from this on (``90_explorer.ipynb``) are interactive tools, not report parts.
FIRST_TOOL_NUMBER = 90

_VERSIONED = ("pandas", "seaborn", "statsmodels", "papermill", "matplotlib", "nbconvert")

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


# --- display helpers for the notebooks ---------------------------------------------------------


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


# --- planning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    data: Path
    files: list[tuple[str, str]]  # (shown path, sha256)
    shipped: bool
    changed: list[str]
    paths: list[tuple[str, Path]] = field(default_factory=list)  # (name in the RO-Crate, file)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _root() -> Path | None:
    from .paths import project_root

    try:
        return project_root()
    except FileNotFoundError:
        return None


def _inspect_inputs(data: Path, accept_changed_data: bool) -> _Inputs:
    """Checksums of every input file; verify data/raw against SHA256SUMS."""
    changed: list[str] = []
    if (data / "SHA256SUMS").is_file():
        from .checksums import verify_sums

        try:
            verify_sums(data)
        except ChecksumError as exc:
            if not accept_changed_data:
                raise
            changed.append(str(exc))
    files: list[tuple[str, str]] = []
    paths: list[tuple[str, Path]] = []
    # identifiers.txt lists real names kept out of version control: not shown, not even hashed
    listed = (
        p
        for p in data.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "identifiers.txt"
    )
    for path in sorted(listed):
        files.append((path.relative_to(data).as_posix(), _sha256(path)))
        paths.append((f"data/{path.relative_to(data).as_posix()}", path))
    root = _root()
    published = root / "data" / "raw" / "published" if root else None
    if (
        published is not None
        and published.is_dir()
        and not published.resolve().is_relative_to(data.resolve())
    ):
        for path in sorted(p for p in published.rglob("*") if p.is_file()):
            files.append(
                (f"(published record) {path.relative_to(published).as_posix()}", _sha256(path))
            )
            paths.append((f"published/{path.relative_to(published).as_posix()}", path))
    from .plots import is_shipped_reconstruction

    shipped = not changed and is_shipped_reconstruction(data)
    return _Inputs(data, files, shipped, changed, paths)


def _plan(notebooks: Path, data: Path, unit: str, questions: Sequence[int]) -> list[Any]:
    from ._report_exec import Run

    sources = sorted(
        p for p in notebooks.glob("[0-9][0-9]_*.ipynb") if int(p.name[:2]) < FIRST_TOOL_NUMBER
    )
    if not sources:
        raise ReportError(f"no notebooks found in {notebooks}")
    base = {"data_dir": str(data), "out_dir": ".", "unit": unit}
    runs: list[Run] = []
    for src in sources:
        if src.name == QUESTION_NOTEBOOK:
            for i, q in enumerate(questions):
                runs.append(
                    Run(
                        src,
                        f"{src.stem}_q{q}",
                        f"Question {q}: Figure {q} and Table {q + 1}",
                        {**base, "question": int(q)},
                        first_of_source=i == 0,
                    )
                )
        else:
            runs.append(Run(src, src.stem, _title_of(src), dict(base)))
    return runs


def _title_of(source: Path) -> str:
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return source.stem.replace("_", " ")


# --- running -----------------------------------------------------------------------------------


def _execute_all(
    runs: Sequence[Any], cwd: Path, jobs: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """Execute every run, ``jobs`` at a time; return name -> executed notebook.

    Each of the ``jobs`` workers keeps one kernel for all the notebooks it takes from a shared
    queue (see :class:`synth._report_exec.Worker`). The first failure stops the workers from
    taking new notebooks and is raised once they have finished.
    """
    import queue
    import threading

    from . import _report_exec as rx

    # Longest first, so the last notebook does not run alone: the one-off notebooks from the
    # highest number down (the statistics notebook is the slowest), then the questions.
    single = [r for r in runs if "question" not in r.parameters]
    order = sorted(single, key=lambda r: r.name, reverse=True) + [
        r for r in runs if "question" in r.parameters
    ]
    todo: queue.Queue[Any] = queue.Queue()
    for run in order:
        todo.put(run)
    done: dict[str, Any] = {}
    failures: list[BaseException] = []
    stop = threading.Event()
    lock = threading.Lock()
    started = time.perf_counter()

    def work(worker: rx.Worker) -> None:
        try:
            while not stop.is_set():
                try:
                    run = todo.get_nowait()
                except queue.Empty:
                    return
                result = worker.execute(run)
                with lock:
                    done[run.name] = result
                    say(
                        f"  [{len(done)}/{len(runs)}] {run.name} done "
                        f"({time.perf_counter() - started:.1f} s)"
                    )
        except BaseException as exc:
            with lock:
                failures.append(exc)
            stop.set()
        finally:
            worker.close()

    with rx.private_kernel() as (kernel, logs):
        n = max(1, min(jobs, len(order)))
        try:
            with ThreadPoolExecutor(max_workers=n) as pool:
                for i in range(n):
                    pool.submit(work, rx.Worker(kernel, cwd, logs / f"kernel-{i}.log"))
        except BaseException:  # Ctrl-C: take no new notebook; the running ones finish
            stop.set()
            raise
    if failures:
        raise failures[0]
    return done


# --- assembling --------------------------------------------------------------------------------


def _html_cell(markup: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    return cell


def _git_commit(root: Path | None) -> str:
    if root is None or not (root / ".git").exists():
        return "not available (not a git checkout)"
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if head.returncode != 0:
            return "not available (no commit yet)"
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        suffix = " (with uncommitted changes)" if dirty.stdout.strip() else ""
        return head.stdout.strip() + suffix
    except (OSError, subprocess.SubprocessError):
        return "not available (git not found)"


def _versions() -> list[tuple[str, str]]:
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    rows = [("python", sys.version.split()[0]), ("synth", __version__)]
    for name in _VERSIONED:
        try:
            rows.append((name, version(name)))
        except PackageNotFoundError:
            rows.append((name, "not installed"))
    return rows


def _front_page(
    inputs: _Inputs, unit: str, shown_data: str, outputs: Sequence[tuple[str, str]] = ()
) -> str:
    e = html.escape
    if inputs.shipped:
        data_note = (
            "The data are the compendium's <b>reconstructed</b> dataset: coded focus-group data "
            "rebuilt from the paper's published aggregates by <code>synth reconstruct</code>. The "
            "study's transcripts and coding were never published; this dataset is one of many "
            "that reproduce every published number, not the study's data. The only participants' "
            "words in it are the quotations the paper published."
        )
    else:
        data_note = (
            f"The data come from <code>{e(shown_data)}</code>, which is <b>not</b> the shipped "
            "reconstructed dataset: every number, figure and table below is computed from those "
            "data. Where the report compares them with the paper, differences are expected."
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
    versions = "".join(f"<tr><td>{e(n)}</td><td>{e(v)}</td></tr>" for n, v in _versions())
    sums = "".join(
        f"<tr><td><code>{e(p)}</code></td><td><code>{e(h)}</code></td></tr>"
        for p, h in inputs.files
    )
    out_sums = "".join(
        f"<tr><td><code>{e(p)}</code></td><td><code>{e(h)}</code></td></tr>" for p, h in outputs
    )
    unit_note = {
        "paragraph": "coded paragraphs (the paper's reading)",
        "code": "code occurrences (the alternative reading)",
    }.get(unit, unit)
    return f"""<div class="synth-front" id="front">
<h1>Successes and challenges of partnership working: a reproducible rerun</h1>
<p>This report is produced by <b>synth</b>, a research compendium that reruns the mixed-methods
focus-group analysis of the paper below from coded data, through parameterised notebooks executed
with papermill. It shows the paper's Table 1, Figures 1&#8211;8 and Tables 2&#8211;9 (one per
question), Appendix 1 and an audit of every number the paper publishes against the data.</p>
<p><b>Paper reproduced:</b> {e(PAPER_CITATION)}
<a href="https://doi.org/{PAPER_DOI}">doi:{PAPER_DOI}</a></p>
<p class="synth-note">{data_note}</p>
<p>Per-question percentages are counted in {e(unit_note)}.</p>
<p><b>Commit:</b> <code>{e(_git_commit(_root()))}</code></p>
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


def _toc(runs: Sequence[Any]) -> str:
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


def _assemble(runs: Sequence[Any], executed: dict[str, Any], front: str) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    cells = [_html_cell(front), _html_cell(_toc(runs))]
    for run in runs:
        nb = executed[run.name]
        cells.append(
            _html_cell(
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
        from .interactive import plotly_script

        head = plotly_script() + "\n"
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(combined)
    title = "synth report: Thomson, Waterson & Chatterjee (2024) rerun"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n{head}</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


# --- the RO-Crate -------------------------------------------------------------------------------


def _write_crate(folder: Path, inputs: _Inputs) -> Path:
    """``ro-crate-metadata.json`` for every file in ``folder`` (:func:`synth.crate.write_crate`)."""
    from . import __version__
    from .crate import CRATE_NAME, source_date, write_crate

    root = _root()
    lock = root / "requirements.lock" if root is not None else None
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name not in (CRATE_NAME, "SHA256SUMS")
    )
    data_note = (
        "the compendium's reconstructed dataset (not the study's data)"
        if inputs.shipped
        else "coded data other than the shipped reconstruction"
    )
    return write_crate(
        folder,
        files,
        inputs.paths,
        paper_doi=PAPER_DOI,
        paper_citation=PAPER_CITATION,
        version=__version__,
        lock_file=lock if lock is not None and lock.is_file() else None,
        date=source_date(root),
        title="synth report: Thomson, Waterson & Chatterjee (2024) rerun",
        description=(
            "The report, figures, tables, executed notebooks and statistics of a rerun of the "
            f"paper's analysis by the synth research compendium, on {data_note}."
        ),
    )


# --- the command -------------------------------------------------------------------------------


def render_report(
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    figures: str | os.PathLike[str] | None = None,
    unit: str = "paragraph",
    jobs: int = 2,
    accept_changed_data: bool = False,
    notebooks: str | os.PathLike[str] | None = None,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Execute every notebook and assemble ``report.html`` in ``out`` (atomically).

    Parameters
    ----------
    data
        The coded-data folder (default of the command: ``data/raw``).
    out
        The report folder; it receives ``report.html``, ``notebooks/`` (executed notebooks),
        ``tables/``, ``figures/``, ``ro-crate-metadata.json`` and ``SHA256SUMS``. Replaced only
        when everything succeeded.
    figures
        A folder that also receives ``fig1..8`` ``.png/.svg/.pdf/.csv/.txt`` (merged into it).
    unit
        ``paragraph`` or ``code``: the counting unit of the per-question percentages.
    jobs
        How many notebooks run at once (one kernel each, reused for the next notebook).
    accept_changed_data
        Render even when the data folder differs from its ``SHA256SUMS``; the front page then
        says so and records the checksums of the data used.
    notebooks
        The folder of numbered notebooks (default ``notebooks/`` of the compendium). Every
        ``NN_name.ipynb`` with NN below 90 runs, in name order; ``20_question.ipynb`` runs once
        per question of the data. Notebooks numbered 90 and above (the interactive explorer) are
        not part of the report.
    say
        Progress callback (one line per notebook finished).

    Returns
    -------
    Path
        The path of ``report.html``.

    Raises
    ------
    ReportError
        A notebook raised, wrote to stderr, or got an unknown parameter (the message names the
        notebook and the cell); or no notebooks were found.
    DataError
        The data cannot be loaded, hold text that may identify people (the privacy check), or
        (``ChecksumError``) differ from ``SHA256SUMS`` without ``accept_changed_data``.

    Examples
    --------
    >>> render_report("data/raw", "reports", figures="figures", say=print)  # doctest: +SKIP
    """
    from ._atomic import atomic_dir, refuse_raw
    from .io import load_coded_data

    note = say or (lambda _msg: None)
    if unit not in ("paragraph", "code"):
        raise ReportError(f"unit must be 'paragraph' or 'code', got {unit!r}")
    from .privacy import check as privacy_check

    data_path = Path(data).resolve()
    coded = load_coded_data(data_path)
    privacy_check(coded, data_path / "identifiers.txt")
    inputs = _inspect_inputs(data_path, accept_changed_data)
    if figures is not None:
        refuse_raw(figures)
    if notebooks is None:
        from .paths import notebooks_dir

        notebooks = notebooks_dir()
    runs = _plan(Path(notebooks), data_path, unit, coded.questions)
    started = time.perf_counter()
    note(f"running {len(runs)} notebooks from {notebooks} ({max(1, jobs)} at a time)")
    with atomic_dir(out) as tmp:
        executed = _execute_all(runs, tmp, jobs, note)
        import nbformat

        (tmp / "notebooks").mkdir(exist_ok=True)
        from ._report_exec import clean

        for run in runs:
            nb = clean(executed[run.name])
            nbformat.write(nb, str(tmp / "notebooks" / f"{run.name}.ipynb"))
        note("assembling report.html")
        from .checksums import compute_sums, write_sums

        outputs = sorted(compute_sums(tmp).items())  # everything but report.html, not yet written
        page = _assemble(runs, executed, _front_page(inputs, unit, str(data), outputs))
        (tmp / "report.html").write_text(page, encoding="utf-8", newline="\n")
        _write_crate(tmp, inputs)  # before SHA256SUMS, which then lists it
        write_sums(tmp)  # SHA256SUMS beside report.html lists every output, report.html included
        if figures is not None:
            made = sorted((tmp / "figures").glob("fig*.*")) if (tmp / "figures").is_dir() else []
            if not made:
                raise ReportError("the notebooks wrote no figures to copy to " + str(figures))
            with atomic_dir(figures, merge=True) as fig_tmp:
                for path in made:
                    shutil.copy2(path, fig_tmp / path.name)
    note(f"wrote {Path(out) / 'report.html'} in {time.perf_counter() - started:.1f} s")
    return Path(out) / "report.html"


def run_report_command(
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    figures: str | os.PathLike[str] | None = None,
    unit: str = "paragraph",
    jobs: int = 2,
    accept_changed_data: bool = False,
    say: Callable[[str], None] | None = None,
) -> int:
    """``synth report``: :func:`render_report` with the command's arguments; return 0.

    Parameters
    ----------
    data, out, figures, unit, jobs, accept_changed_data, say
        As for :func:`render_report`.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    SynthError
        As :func:`render_report` (the command line prints it as one line).

    Examples
    --------
    >>> run_report_command("data/raw", "reports", "figures")  # doctest: +SKIP
    0
    """
    render_report(
        data,
        out,
        figures=figures,
        unit=unit,
        jobs=jobs,
        accept_changed_data=accept_changed_data,
        say=say,
    )
    return 0
