"""The report pipeline, :func:`render_report`: check what is already up to date, execute the
notebooks that are not, draw the manuscript's figures in the same kernels, assemble
``report.html``, write it all atomically (private machinery of :mod:`synth.report`).

What an output depends on and when it is stale is :mod:`synth.build`; the outputs of the last
render, checked against the manifest there, are the cache: a render reuses every notebook whose
components are unchanged (its executed notebook and the files it wrote), re-executes the others,
and re-assembles the page. Reused and re-executed outputs are the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._atomic import hold_for_tests
from .._exceptions import ChecksumError, ReportError, UsageError
from ..build import (
    FIRST_TOOL_NUMBER,
    QUESTION_NOTEBOOK,
    Manifest,
    ReportBuild,
    Run,
    Target,
    is_environment_file,
    plan_runs,
    report_status,
)
from ..checksums import is_shipped_reconstruction, sha256_file
from ._page import Inputs, assemble, front_page

if TYPE_CHECKING:  # pragma: no cover
    from ..io import CodedData

__all__ = ["render_report", "QUESTION_NOTEBOOK", "FIRST_TOOL_NUMBER"]

#: The manuscript's figures are drawn by one run per question in the report's kernels.
MANUSCRIPT_FIGURE_CODE = """\
from synth.analysis import analyse
from synth.io import load_coded_data
from synth.manuscript import save_manuscript_figure

_analysis = analyse(load_coded_data(data_dir), unit=unit)
for _width in widths:
    save_manuscript_figure(_analysis, question, "manuscript/figures", _width)
"""
#: The column widths the manuscript draws.
WIDTHS = ("single", "double")


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
    from ..study import load_study

    root = _root()
    published = root / "data" / "raw" / "published" if root else None
    if not load_study(data).compare_to_paper:
        published = None  # another study: the paper's record is not an input of its report
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


# --- running -----------------------------------------------------------------------------------


def _order(runs: Sequence[Run]) -> list[Run]:
    """Longest first, so the last run does not go alone: the one-off notebooks from the highest
    number down (the statistics notebook is the slowest), the manuscript's figures, then the
    questions."""
    single = [r for r in runs if r.code is None and "question" not in r.parameters]
    drawn = [r for r in runs if r.code is not None]
    rest = [r for r in runs if r.code is None and "question" in r.parameters]
    return sorted(single, key=lambda r: r.name, reverse=True) + drawn + rest


def _move_outputs(workdir: Path, tmp: Path, run: Run, owner: dict[str, str]) -> list[str]:
    """Move what a run wrote in its own folder into the report folder; refuse a file two runs
    wrote."""
    moved = []
    for path in sorted(workdir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(workdir).as_posix()
        if rel in owner:
            raise ReportError(f"notebooks {owner[rel]} and {run.name} both wrote {rel}")
        owner[rel] = run.name
        dest = tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
        moved.append(rel)
    return moved


def _execute_all(
    runs: Sequence[Run], tmp: Path, jobs: int, say: Callable[[str], None],
    total: int | None = None,
) -> dict[str, tuple[Any, list[str], list[str]]]:
    """Execute every run, ``jobs`` at a time; return name -> (executed notebook, files read,
    files written relative to ``tmp``).

    Each of the ``jobs`` workers keeps one kernel for all the runs it takes from a shared queue
    (see :class:`synth.report._exec.Worker`); each run works in a folder of its own beside
    ``tmp`` (same depth, so relative paths resolve the same) and its files are then moved into
    ``tmp``. The first failure stops the workers from taking new runs and is raised once they
    have finished.
    """
    import queue
    import threading

    from . import _exec as rx

    order = _order(runs)
    todo: queue.Queue[Run] = queue.Queue()
    for run in order:
        todo.put(run)
    done: dict[str, tuple[Any, list[str], list[str]]] = {}
    owner: dict[str, str] = {}
    failures: list[BaseException] = []
    stop = threading.Event()
    lock = threading.Lock()
    started = time.perf_counter()
    count = total if total is not None else len(runs)

    def work(worker: rx.Worker) -> None:
        try:
            while not stop.is_set():
                try:
                    run = todo.get_nowait()
                except queue.Empty:
                    return
                workdir = Path(tempfile.mkdtemp(prefix=f"{tmp.name}.run-", dir=tmp.parent)).resolve()
                result, reads = worker.execute(run, workdir)
                hold_for_tests("report-notebook-done", until=stop)
                with lock:
                    written = _move_outputs(workdir, tmp, run, owner)
                    done[run.name] = (result, reads, written)
                    say(
                        f"  [{len(done) + count - len(runs)}/{count}] {run.name} done "
                        f"({time.perf_counter() - started:.1f} s)"
                    )
                shutil.rmtree(workdir, ignore_errors=True)
        except BaseException as exc:
            with lock:
                failures.append(exc)
            stop.set()
        finally:
            worker.close()

    if not order:
        return done
    with rx.private_kernel() as (kernel, logs):
        n = max(1, min(jobs, len(order)))
        pool = ThreadPoolExecutor(max_workers=n)
        try:
            for i in range(n):
                pool.submit(work, rx.Worker(kernel, tmp, logs / f"kernel-{i}.log"))
            pool.shutdown(wait=True)
        except BaseException:  # Ctrl-C: take no new notebook; the running ones finish
            stop.set()
            pool.shutdown(wait=True)
            raise
        finally:
            # every kernel is shut down: the folders of runs that failed or were interrupted
            for leftover in tmp.parent.glob(f"{tmp.name}.run-*"):
                shutil.rmtree(leftover, ignore_errors=True)
    if failures:
        raise failures[0]
    return done


def _reuse(out: Path, tmp: Path, rels: Sequence[str]) -> None:
    """Bring outputs of the previous render into the new folder: a hard link where the file
    system allows (the previous folder is removed once the new one is in place), else a copy.
    Files reused this way are never written to: a rewritten output is a new file."""
    for rel in rels:
        src, dest = out / rel, tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copy2(src, dest)


def _write_new(path: Path, text: str) -> None:
    """Write ``text`` into a new file at ``path`` (a reused, hard-linked file is replaced, never
    written through)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    path.write_text(text, encoding="utf-8", newline="\n")


def _manuscript_runs(build: ReportBuild, questions: Sequence[int]) -> list[Run]:
    return [
        Run(Path("manuscript"), f"manuscript figure {q}", f"Figure {q} for the manuscript",
            {"data_dir": build.data_param, "unit": build.unit, "question": int(q),
             "widths": list(WIDTHS)}, code=MANUSCRIPT_FIGURE_CODE)
        for q in questions
    ]


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
    manuscript: bool = False,
    checked: bool = False,
    cache: bool = True,
) -> Path:
    """Execute every notebook on ``data`` and assemble ``report.html`` in ``out`` (atomically),
    re-executing only what changed since the last render into ``out``.

    Parameters
    ----------
    data
        The coded data, loaded from a folder (:func:`synth.io.load_coded_data`): the notebooks
        read that folder themselves.
    out
        The report folder; it receives ``report.html``, ``SHA256SUMS``, ``notebooks/`` (executed
        notebooks), ``tables/``, ``figures/``, ``stats/``, with ``manuscript`` also
        ``manuscript/``, and the hidden ``.cache/manifest.json``. Replaced only when everything
        succeeded.
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
    manuscript
        Also write the manuscript's files (:func:`synth.manuscript.write_manuscript`) into
        ``out/manuscript/``; its figures are drawn in the report's kernels.
    checked
        The data passed the command line's checks (checksums, schema, study files, privacy):
        recorded, so that a later ``synth report`` may skip them when nothing changed.
    cache
        Reuse the outputs of the previous render where they are up to date (False: execute
        everything, as ``synth verify`` does).

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
    from .._provenance import git_state, software_versions
    from ..analysis import check_unit
    from ..checksums import compute_sums, write_sums
    from ._exec import clean, refresh_text

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
    notebooks = Path(notebooks)
    out = Path(out)
    root = _root()
    build = ReportBuild(data_path, out, unit=unit, notebooks=notebooks,
                        shown_data=str(data.folder), manuscript=manuscript,
                        figures=Path(figures) if figures is not None else None, root=root)
    from ..study import load_study

    runs = plan_runs(notebooks, build.data_param, unit, data.questions,
                     compare_to_paper=load_study(data_path).compare_to_paper)
    if not runs:
        raise ReportError(f"no notebooks found in {notebooks}")
    previous = Manifest.load(out) if cache else None
    statuses = report_status(build, previous, runs=runs, accept_changed_data=accept_changed_data)
    fresh = {s.name for s in statuses if s.fresh}
    if previous is not None and len(fresh) == len(statuses) and (
            previous.options.get("checked") or not checked):
        note(f"up to date: {out / 'report.html'} ({len(statuses)} outputs checked)")
        return out / "report.html"
    assert previous is not None or not fresh
    stale = [r for r in runs if f"notebook {r.name}" not in fresh]
    reused = [r for r in runs if f"notebook {r.name}" in fresh]
    manuscript_fresh = manuscript and "manuscript" in fresh
    git = git_state(root).describe()
    # only the commit changed: the manuscript's files stay, provenance.json is re-pointed
    recommit = bool(
        manuscript and not manuscript_fresh and previous is not None
        and "manuscript" in previous.targets and _only_git_changed(
            previous.targets["manuscript"], build.manuscript_components(git), out))
    manuscript_fresh = manuscript_fresh or recommit
    drawn = [] if manuscript_fresh or not manuscript else _manuscript_runs(build, data.questions)
    started = time.perf_counter()
    note(f"running {len(stale)} notebooks from {notebooks} ({max(1, jobs)} at a time"
         + (f"; {len(reused)} up to date" if reused else "") + ")")
    versions = json.dumps(software_versions())
    with atomic_dir(out, protect=[data_path], command="report") as tmp:
        targets: dict[str, Target] = {}
        for run in reused:
            assert previous is not None
            old = previous.targets[f"notebook:{run.name}"]
            _reuse(out, tmp, sorted(old.outputs))
            targets[old.name] = old
        executed = _execute_all([*stale, *drawn], tmp, jobs, note, total=len(runs) + len(drawn))
        notebooks_out: dict[str, Any] = {}
        for run in runs:
            path = tmp / "notebooks" / f"{run.name}.ipynb"
            if run.name in executed:
                nb = clean(executed[run.name][0])
            else:
                nb = nbformat.read(str(path), as_version=4)
            nb = refresh_text(nb, run.source)
            _write_new(path, nbformat.writes(nb) + "\n")
            notebooks_out[run.name] = nb
        exclude = [str(tmp), str(out.resolve())]
        for run in stale:
            _nb, reads, written = executed[run.name]
            kept = sorted({r for r in reads if os.path.isfile(r)
                           and not is_environment_file(r, exclude)
                           and not Path(r).name.startswith(f"{tmp.name}.run-")
                           and f"{os.sep}{tmp.name}.run-" not in r})
            outputs = [*written, f"notebooks/{run.name}.ipynb"]
            targets[f"notebook:{run.name}"] = Target(
                f"notebook:{run.name}", build.run_components(run, kept),
                {rel: sha256_file(tmp / rel) for rel in sorted(set(outputs))}, kept, run.info())
        for run in reused:  # the markdown may have been refreshed: record the bytes written
            t = targets[f"notebook:{run.name}"]
            rel = f"notebooks/{run.name}.ipynb"
            t.outputs[rel] = sha256_file(tmp / rel)
            t.components = build.run_components(run, t.reads)
            t.info = run.info()
        ms_outputs: dict[str, str] | None = None
        if manuscript:
            if manuscript_fresh:
                assert previous is not None
                target = previous.targets["manuscript"]
                _reuse(out, tmp, sorted(target.outputs))
                if recommit:
                    rel = "manuscript/provenance.json"
                    _repoint_provenance(tmp / rel)
                    target.outputs[rel] = sha256_file(tmp / rel)
                    target.components = build.manuscript_components(git)
            else:
                target = _write_manuscript(data, tmp, build, executed, drawn, note)
                target.components = build.manuscript_components(git)
            targets["manuscript"] = target
            ms_outputs = target.outputs
        note("assembling report.html")
        listed = sorted(compute_sums(tmp).items())  # everything but report.html, not yet written
        front = front_page(inputs, unit, str(data.folder), listed, root=root)
        _write_new(tmp / "report.html", assemble(runs, notebooks_out, front))
        _write_crate(tmp, inputs)  # before SHA256SUMS, which then lists it
        write_sums(tmp)  # SHA256SUMS beside report.html lists every output, report.html included
        run_outputs = {r.name: targets[f"notebook:{r.name}"].outputs for r in runs}
        targets["page"] = Target(
            "page",
            build.page_components(git, run_outputs, ms_outputs, versions, accept_changed_data),
            {rel: sha256_file(tmp / rel)
             for rel in ("report.html", "SHA256SUMS", "ro-crate-metadata.json")})
        if figures is not None:
            made = sorted((tmp / "figures").glob("fig*.*")) if (tmp / "figures").is_dir() else []
            if not made:
                raise ReportError("the notebooks wrote no figures to copy to " + str(figures))
            from ..plots import stale_figures, write_figures_manifest

            gone = stale_figures(figures, [p.name for p in made])  # questions no longer there
            with atomic_dir(figures, merge=True, protect=[data_path], command="report") as fig_tmp:
                for path in made:
                    shutil.copy2(path, fig_tmp / path.name)
                write_figures_manifest(fig_tmp, made)
            for path in gone:
                path.unlink(missing_ok=True)
            targets["figures"] = Target(
                "figures", {}, {str(Path(figures).resolve() / p.name): sha256_file(p)
                                for p in made})
        Manifest(targets, {"checked": checked, "unit": unit, "manuscript": manuscript,
                           "data": str(data.folder), "accept_changed_data": accept_changed_data,
                           "figures": str(Path(figures).resolve()) if figures else ""}
                 ).write(tmp)
    note(f"wrote {out / 'report.html'} in {time.perf_counter() - started:.1f} s")
    return out / "report.html"


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


def _write_manuscript(data: CodedData, tmp: Path, build: ReportBuild,
                      executed: dict[str, tuple[Any, list[str], list[str]]],
                      drawn: Sequence[Run], say: Callable[[str], None]) -> Target:
    """The manuscript's files, with the figures the kernels drew."""
    from .._atomic import MARKER, marker_text
    from ..analysis import analyse, check_unit
    from ..manuscript import write_manuscript

    folder = tmp / "manuscript"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(marker_text("report"), encoding="utf-8")  # a folder of synth's
    made: dict[tuple[int, str], list[Path]] = {}
    for run in drawn:
        q = int(run.parameters["question"])
        for width in WIDTHS:
            made[(q, width)] = sorted(
                tmp / rel for rel in executed[run.name][2]
                if Path(rel).name.startswith(f"fig{q}_{width}"))
    files = write_manuscript(data, folder, analysis=analyse(data, unit=check_unit(build.unit)),
                             data_dir=build.shown_data, widths=WIDTHS, drawn=made, pdf=True,
                             say=say)
    return Target("manuscript", {}, {p.relative_to(tmp).as_posix(): sha256_file(p)
                                      for p in sorted(files)})


def _only_git_changed(old: Target, now: dict[str, str], out: Path) -> bool:
    """Whether the manuscript differs from its record only in the commit (and is intact)."""
    from ..build import outputs_intact

    changed = {k for k in set(old.components) | set(now) if old.components.get(k) != now.get(k)}
    return changed == {"git"} and not outputs_intact(out, old.outputs)


def _repoint_provenance(path: Path) -> None:
    """Rewrite the commit of ``provenance.json`` (a new file, the reused one is not written
    through), exactly as :func:`synth.manuscript.write_manuscript` writes it."""
    from ..manuscript import _commit

    document = json.loads(path.read_text(encoding="utf-8"))
    fields = _commit()
    updated: dict[str, Any] = {}
    for key, value in document.items():
        if key in ("commit", "uncommitted_changes", "note"):
            updated.update(fields)
        else:
            updated[key] = value
    _write_new(path, json.dumps(updated, indent=1, ensure_ascii=False) + "\n")
