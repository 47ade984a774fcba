"""The report pipeline, :func:`render_report`: load and check the data, plan the notebook runs,
execute them, assemble ``report.html``, write it all atomically (private machinery of
:mod:`synth.report`)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._atomic import hold_for_tests
from .._exceptions import ChecksumError, ReportError, UsageError
from ..checksums import is_shipped_reconstruction, sha256_file
from ._page import Inputs, assemble, front_page

if TYPE_CHECKING:  # pragma: no cover
    from ..io import CodedData

__all__ = ["render_report", "QUESTION_NOTEBOOK", "FIRST_TOOL_NUMBER"]

#: The notebook run once per question (parameter ``question``).
QUESTION_NOTEBOOK = "20_question.ipynb"
#: Notebooks numbered from this on (``90_explorer.ipynb``) are interactive tools, not report parts.
FIRST_TOOL_NUMBER = 90


def _root() -> Path | None:
    from ..paths import project_root

    try:
        return project_root()
    except FileNotFoundError:
        return None


def _inspect_inputs(data: Path, accept_changed_data: bool) -> Inputs:
    """Checksums of every input file; verify data/raw against SHA256SUMS."""
    changed: list[str] = []
    if (data / "SHA256SUMS").is_file():
        from ..checksums import verify_sums

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
        files.append((path.relative_to(data).as_posix(), sha256_file(path)))
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
                (f"(published record) {path.relative_to(published).as_posix()}", sha256_file(path))
            )
            paths.append((f"published/{path.relative_to(published).as_posix()}", path))
    shipped = not changed and is_shipped_reconstruction(data)
    return Inputs(data, files, shipped, changed, paths)


def _plan(notebooks: Path, data: Path, unit: str, questions: Sequence[int]) -> list[Any]:
    from ._exec import Run

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
                    return str(line[2:]).strip()
    return source.stem.replace("_", " ")


# --- running -----------------------------------------------------------------------------------


def _execute_all(
    runs: Sequence[Any], cwd: Path, jobs: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """Execute every run, ``jobs`` at a time; return name -> executed notebook.

    Each of the ``jobs`` workers keeps one kernel for all the notebooks it takes from a shared
    queue (see :class:`synth.report._exec.Worker`). The first failure stops the workers from
    taking new notebooks and is raised once they have finished.
    """
    import queue
    import threading

    from . import _exec as rx

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
                hold_for_tests("report-notebook-done", until=stop)
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


def _write_crate(folder: Path, inputs: Inputs) -> Path:
    """``ro-crate-metadata.json`` for every file in ``folder`` (:func:`synth.crate.write_crate`),
    citing the study's paper (its ``study.toml``: the shipped data cite Thomson et al. 2024)."""
    from .. import __version__
    from ..crate import CRATE_NAME, source_date, write_crate
    from ..study import load_study

    root = _root()
    lock = root / "requirements.lock" if root is not None else None
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name not in (CRATE_NAME, "SHA256SUMS")
    )
    study = load_study(inputs.data)
    data_note = (
        "the compendium's reconstructed dataset (not the study's data)"
        if inputs.shipped
        else "coded data other than the shipped reconstruction"
    )
    return write_crate(
        folder,
        files,
        inputs.paths,
        paper_doi=study.doi or None,
        paper_citation=study.citation or study.title,
        version=__version__,
        lock_file=lock if lock is not None and lock.is_file() else None,
        date=source_date(root),
        title=f"synth report: {study.title}",
        description=(
            "The report, figures, tables, executed notebooks and statistics of the synth research "
            f"compendium's analysis of {study.title}, on {data_note}."
        ),
    )


def render_report(
    data: CodedData,
    out: str | os.PathLike[str],
    *,
    figures: str | os.PathLike[str] | None = None,
    unit: str = "paragraph",
    jobs: int = 2,
    accept_changed_data: bool = False,
    notebooks: str | os.PathLike[str] | None = None,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Execute every notebook on ``data`` and assemble ``report.html`` in ``out`` (atomically).

    Parameters
    ----------
    data
        The coded data, loaded from a folder (:func:`synth.io.load_coded_data`): the notebooks
        read that folder themselves.
    out
        The report folder; it receives ``report.html``, ``SHA256SUMS``, ``notebooks/`` (executed
        notebooks), ``tables/`` and ``figures/``. Replaced only when everything succeeded.
    figures
        A folder that also receives the figures' ``.png/.svg/.pdf/.csv/.txt`` (merged into it).
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
    UsageError
        ``data`` was not loaded from a folder, or ``unit`` is unknown.
    ChecksumError
        The data differ from their ``SHA256SUMS`` and ``accept_changed_data`` is False.

    Examples
    --------
    >>> render_report(load_coded_data("data/raw"), "reports", say=print)  # doctest: +SKIP
    """
    import nbformat

    from .._atomic import atomic_dir, refuse_raw
    from ..analysis import check_unit
    from ..checksums import compute_sums, write_sums
    from ._exec import clean

    note = say or (lambda _msg: None)
    check_unit(unit)
    if data.folder is None:
        raise UsageError("the report needs coded data loaded from a folder (the notebooks read it)")
    data_path = data.folder.resolve()
    inputs = _inspect_inputs(data_path, accept_changed_data)
    if figures is not None:
        refuse_raw(figures)
    if notebooks is None:
        from ..paths import notebooks_dir

        notebooks = notebooks_dir()
    runs = _plan(Path(notebooks), data_path, unit, data.questions)
    started = time.perf_counter()
    note(f"running {len(runs)} notebooks from {notebooks} ({max(1, jobs)} at a time)")
    with atomic_dir(out) as tmp:
        executed = _execute_all(runs, tmp, jobs, note)
        (tmp / "notebooks").mkdir(exist_ok=True)
        for run in runs:
            nbformat.write(clean(executed[run.name]), str(tmp / "notebooks" / f"{run.name}.ipynb"))
        note("assembling report.html")
        outputs = sorted(compute_sums(tmp).items())  # everything but report.html, not yet written
        front = front_page(inputs, unit, str(data.folder), outputs, root=_root())
        (tmp / "report.html").write_text(assemble(runs, executed, front), encoding="utf-8",
                                         newline="\n")
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
