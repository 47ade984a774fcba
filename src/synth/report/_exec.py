"""Executing the parameterised notebooks with papermill (private machinery of :mod:`synth.report`).

- :func:`private_kernel` writes a kernelspec whose ``argv`` is the *current* interpreter into a
  temporary ``JUPYTER_PATH`` folder, so the notebooks run in the project's environment whatever
  ``python`` is first on PATH.
- :func:`declared_parameters` reads the names a notebook's ``parameters`` cell assigns; papermill
  only logs a warning for an unknown parameter, so :func:`execute` refuses one itself.
- :func:`execute` runs one notebook and turns a raised exception, any output on stderr (warnings
  included) or an error output into :class:`~synth.ReportError` naming the notebook and the cell.
- :class:`Worker` keeps one kernel alive across the notebooks it runs: starting a kernel and
  importing pandas, matplotlib and seaborn costs more than most notebooks' own work. Before each
  notebook a prelude cell clears the namespace (``%reset -f``), closes figures and restores the
  matplotlib settings the kernel started with, so a notebook sees the same state whichever
  notebooks ran before it; the prelude is removed from the executed notebook and execution counts
  are renumbered from 1.
- Each run works in its own folder (the prelude changes into it), so the files a notebook writes
  are known to be its own; and the prelude traces, with an audit hook (:pep:`578`), every file the
  notebook opens for reading. A last cell reports them and is removed, like the prelude: they
  are the inputs :mod:`synth.build` keys the run on.
- :func:`clean` strips what varies from run to run (timings, papermill paths, kernel ids).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .._exceptions import ReportError
from ..build import Run

__all__: list[str] = []  # private module

KERNEL_NAME = "synth-report"

#: Tag of the prelude cell :func:`execute` puts first in every notebook (removed afterwards).
PRELUDE_TAG = "synth-prelude"
#: Tag of the last cell, which reports the files the notebook read (removed afterwards).
POSTLUDE_TAG = "synth-postlude"
#: What the last cell prints before the JSON list of files read.
READS_MARK = "synth-reads:"
PRELUDE = """\
import warnings as _w
import matplotlib as _m
import matplotlib.pyplot as _p
_p.close("all")
with _w.catch_warnings():
    _w.simplefilter("ignore")
    if hasattr(_m, "_synth_rc"):
        _m.rcParams.update(_m._synth_rc)
    else:
        _m._synth_rc = _m.rcParams.copy()
import os as _o, sys as _s
if "_synth_trace" not in _s.modules:
    import types as _ty
    _t = _ty.ModuleType("_synth_trace")
    _t.reads = set()
    def _hook(event, args, _t=_t, _o=_o):
        if event != "open":
            return
        path, mode, flags = args
        if isinstance(path, int) or path is None:
            return
        if mode is None:
            if flags & 3:
                return
        elif any(c in mode for c in "wax+"):
            return
        try:
            _t.reads.add(_o.path.abspath(_o.fsdecode(path)))
        except Exception:
            pass
    _s.addaudithook(_hook)
    _s.modules["_synth_trace"] = _t
_s.modules["_synth_trace"].reads.clear()
_o.chdir(WORKDIR)
get_ipython().run_line_magic("reset", "-f")
"""
POSTLUDE = """\
import json as _j, sys as _s
print("synth-reads:" + _j.dumps(sorted(_s.modules["_synth_trace"].reads)))
"""


def parameters_cell(nb: Any) -> tuple[int, Any] | None:
    """Index and cell of the first code cell tagged ``parameters``, or None."""
    for i, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code" and "parameters" in tags:
            return i, cell
    return None


def declared_parameters(nb: Any, name: str) -> list[str]:
    """The names assigned in the notebook's ``parameters`` cell, in order.

    Raises
    ------
    ReportError
        When the notebook has no ``parameters`` cell or it is not valid Python.
    """
    found = parameters_cell(nb)
    if found is None:
        raise ReportError(f"notebook {name}: no code cell is tagged 'parameters'")
    index, cell = found
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        raise ReportError(f"notebook {name}: cell {index + 1} (parameters): {exc.msg}") from None
    names: list[str] = []
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
    return names


def check_parameters(nb: Any, name: str, given: Mapping[str, Any]) -> None:
    """Raise :class:`ReportError` when ``given`` holds a name the parameters cell does not set."""
    declared = declared_parameters(nb, name)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        index = parameters_cell(nb)[0]  # type: ignore[index]
        raise ReportError(
            f"notebook {name}: cell {index + 1} (parameters): unknown parameter(s) "
            f"{', '.join(unknown)}; the notebook declares {', '.join(declared) or 'none'}"
        )


@contextlib.contextmanager
def private_kernel() -> Iterator[tuple[str, Path]]:
    """Install a kernelspec for ``sys.executable`` in a temporary ``JUPYTER_PATH``.

    Yields the kernel's name and the temporary folder (kernel logs go there). The environment
    variables are restored on exit.
    """
    with tempfile.TemporaryDirectory(prefix="synth-kernel-") as tmp:
        spec_dir = Path(tmp) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "synth (report)",
            "language": "python",
            "metadata": {"debugger": False},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        saved = {
            k: os.environ.get(k)
            for k in ("JUPYTER_PATH", "PYDEVD_DISABLE_FILE_VALIDATION", "MPLBACKEND")
        }
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [tmp] + ([saved["JUPYTER_PATH"]] if saved["JUPYTER_PATH"] else [])
        )
        # debugpy prints a warning about frozen modules on the kernel's own stderr otherwise
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        # figures are shown inline, whatever backend the calling process uses (tests use Agg)
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        try:
            yield KERNEL_NAME, Path(tmp)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _added(cell: Any) -> str | None:
    tags = cell.get("metadata", {}).get("tags", [])
    if "injected-parameters" in tags:
        return "injected parameters"
    if PRELUDE_TAG in tags:
        return "prelude"
    if POSTLUDE_TAG in tags:
        return "postlude"
    return None


def _position(nb: Any, index: int) -> str:
    """Cell ``index`` of an executed notebook as "cell N", N counted from 1 in the *source*
    notebook (the prelude and papermill's injected-parameters cell are not counted)."""
    added = _added(nb.cells[index])
    if added:
        return added
    shift = sum(1 for c in nb.cells[:index] if _added(c))
    return f"cell {index - shift + 1}"


def _cell_label(nb: Any, index: int) -> str:
    cell = nb.cells[index]
    first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
    return f"{_position(nb, index)} ({first[:60]})" if first else _position(nb, index)


def check_outputs(nb: Any, name: str) -> None:
    """Raise :class:`ReportError` on the first error output or stderr stream in ``nb``."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                raise ReportError(
                    f"notebook {name}: {_cell_label(nb, index)} raised "
                    f"{output.get('ename')}: {' '.join(str(output.get('evalue')).split())}"
                )
            if kind == "stream" and output.get("name") == "stderr":
                text = " ".join(str(output.get("text", "")).split())
                raise ReportError(
                    f"notebook {name}: {_cell_label(nb, index)} wrote to stderr: {text[:300]}"
                )


def _quiet_manager(log: Path) -> type:
    """A kernel manager class whose kernel writes its own log (stdout and stderr) to ``log``.

    The kernel process's own messages (ipykernel's start-up warnings, for instance) are not
    notebook output; keeping them in a file keeps the command's stderr for progress. What cells
    print on stderr still reaches the notebook through the messaging protocol and is checked by
    :func:`check_outputs`.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            handle = log.open("ab")
            try:
                kw.setdefault("stdout", handle)
                kw.setdefault("stderr", handle)
                await super().start_kernel(**kw)
            finally:
                handle.close()  # the child keeps its own descriptor

    return QuietKernelManager


def _log_tail(log: Path) -> str:
    try:
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return f"; kernel log: {' | '.join(lines[-3:])[:300]}" if lines else ""


class Worker:
    """One kernel, started on first use and kept for every notebook this worker runs.

    A worker must be used from one thread only (its kernel manager lives on that thread's event
    loop); :meth:`close` shuts the kernel down.

    Parameters
    ----------
    kernel
        The kernelspec name (:func:`private_kernel`).
    cwd
        The kernel's working folder.
    log
        Where the kernel process writes its own stdout and stderr.
    """

    def __init__(self, kernel: str, cwd: Path, log: Path) -> None:
        self.kernel = kernel
        self.cwd = cwd
        self.log = log
        self.km: Any = None

    def execute(self, run: Run, workdir: Path, timeout: int = 600) -> tuple[Any, list[str]]:
        """Execute ``run`` in this worker's kernel, in ``workdir``; return the executed notebook
        and the files it read."""
        if self.km is None:
            self.km = _quiet_manager(self.log)(kernel_name=self.kernel)
        return execute(run, self.kernel, self.cwd, timeout=timeout, km=self.km, log=self.log,
                       workdir=workdir)

    def close(self) -> None:
        """Shut the kernel down (at once: every notebook has finished)."""
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        km, self.km = self.km, None
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)
        finally:
            run_sync(km.cleanup_resources)()


def _with_prelude(nb: Any, workdir: Path) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(PRELUDE.replace("WORKDIR", repr(str(workdir))))
    cell.metadata["tags"] = [PRELUDE_TAG]
    cell["id"] = PRELUDE_TAG
    nb.cells.insert(0, cell)
    last = nbformat.v4.new_code_cell(POSTLUDE)
    last.metadata["tags"] = [POSTLUDE_TAG]
    last["id"] = POSTLUDE_TAG
    nb.cells.append(last)
    return nb


def code_notebook(run: Run) -> Any:
    """The notebook of a code run (:attr:`synth.build.Run.code`): a parameters cell declaring the
    run's parameters, then the code."""
    import nbformat

    params = nbformat.v4.new_code_cell("\n".join(f"{name} = None" for name in run.parameters))
    params.metadata["tags"] = ["parameters"]
    params["id"] = "parameters"
    body = nbformat.v4.new_code_cell(run.code or "")
    body["id"] = "code"
    return nbformat.v4.new_notebook(cells=[params, body])


def _reads(nb: Any) -> list[str]:
    for cell in nb.cells:
        if POSTLUDE_TAG in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                text = str(output.get("text", ""))
                if text.startswith(READS_MARK):
                    found: list[str] = json.loads(text[len(READS_MARK):])
                    return found
    return []


def execute(
    run: Run,
    kernel: str,
    cwd: Path,
    timeout: int = 600,
    km: Any = None,
    log: Path | None = None,
    workdir: Path | None = None,
) -> tuple[Any, list[str]]:
    """Execute ``run`` with papermill; return the executed notebook node and the files it read.

    With ``km`` (a :class:`Worker`'s kernel manager) the kernel is started if needed and left
    running; without, papermill starts a kernel for this notebook and shuts it down (in ``cwd``).
    A prelude cell (see the module docstring) runs first and changes into ``workdir`` (default
    ``cwd``); a last cell reports the files read. Both are removed from the result.

    Raises
    ------
    ReportError
        Unknown parameter, an exception in a cell, output on stderr, or a kernel that failed.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    if run.code is not None:
        nb = code_notebook(run)
    else:
        nb = nbformat.read(str(run.source), as_version=4)
    check_parameters(nb, run.name, run.parameters)
    params_at = parameters_cell(nb)[0]  # type: ignore[index]
    nb = _with_prelude(nb, workdir or cwd)
    log = log or Path(tempfile.gettempdir()) / f"{run.name}.kernel.log"
    engine: dict[str, Any] = (
        {"km": km}
        if km is not None
        else {
            "kernel_manager_class": _quiet_manager(log),
            "shutdown_kernel": "immediate",
        }
    )
    try:
        executed = pm.execute_notebook(
            nb,
            None,
            parameters=dict(run.parameters),
            kernel_name=kernel,
            language="python",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            resources={"metadata": {"path": str(cwd)}},
            **engine,
        )
    except PapermillExecutionError as exc:
        first = next((ln.strip() for ln in str(exc.source).splitlines() if ln.strip()), "")
        # executed layout: prelude, source cells up to the parameters cell, injected cell, rest
        added = [0] + ([params_at + 2] if run.parameters else [])
        if exc.cell_index in added:
            where = "prelude" if exc.cell_index == 0 else "injected parameters"
        else:
            where = f"cell {exc.cell_index - sum(a < exc.cell_index for a in added) + 1}"
        raise ReportError(
            f"notebook {run.name}: {where} ({first[:60]}) raised {exc.ename}: "
            f"{' '.join(str(exc.evalue).split())[:300]}"
        ) from None
    except ReportError:
        raise
    except Exception as exc:  # kernel died, timed out, could not start
        raise ReportError(
            f"notebook {run.name}: execution failed: {type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:300]}{_log_tail(log)}"
        ) from None
    check_outputs(executed, run.name)
    reads = _reads(executed)
    executed.cells = [c for c in executed.cells
                      if not {PRELUDE_TAG, POSTLUDE_TAG} & set(c.metadata.get("tags", []))]
    return executed, reads


def clean(nb: Any) -> Any:
    """Strip run-to-run variation from an executed notebook (in place); return it.

    Removes papermill's and nbclient's timing metadata, papermill's input/output paths and the
    environment it records; gives papermill's injected-parameters cell a fixed id; numbers the
    executed code cells 1, 2, 3 ... (a reused kernel would count on from the notebook before).
    """
    pm_meta = nb.metadata.get("papermill")
    if pm_meta is not None:
        nb.metadata["papermill"] = {
            k: v for k, v in pm_meta.items() if k in ("parameters", "version", "default_parameters")
        }
    nb.metadata.pop("widgets", None)
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1  # a reused kernel counts on from the previous notebook: start at 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
    return nb


def refresh_text(nb: Any, source: Path) -> Any:
    """Put the current markdown and raw cells of ``source`` into an executed notebook ``nb`` of
    the same code (in place); return it.

    A notebook whose code is unchanged is not re-executed when its prose changes: its executed
    code cells (and papermill's injected-parameters cell, after the parameters cell) are kept and
    every other cell is taken from the source, in the source's order, so the result is what
    executing the edited notebook gives.

    Raises
    ------
    ReportError
        The source's code cells do not match the executed notebook's (a stale cache).
    """
    import nbformat

    src = nbformat.read(str(source), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"
            and "injected-parameters" not in c.metadata.get("tags", [])]
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if len(code) != sum(1 for c in src.cells if c.cell_type == "code"):
        raise ReportError(f"notebook {source.name}: the cached run does not match its code cells")
    cells = []
    executed = iter(code)
    for cell in src.cells:
        if cell.cell_type == "code":
            cells.append(next(executed))
            if "parameters" in cell.metadata.get("tags", []) and injected:
                cells.append(injected.pop(0))
        else:
            cells.append(cell)
    nb.cells = cells
    return nb
