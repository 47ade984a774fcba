"""Output folders and files that lose nothing.

Every command writes through :func:`atomic_dir` (a folder) or :func:`atomic_file` (one file):
everything goes into a temporary folder or file beside the target and is moved into place only
when the whole command succeeded, so a failure, a full disk or Ctrl-C leaves the previous outputs
exactly as they were. Before any work is kept, the target is checked:

- it may not be, contain or sit inside ``data/raw/`` or the data folder the command reads, and
  may not be (or contain) the repository's top folder;
- an existing folder is replaced (or merged into) only when it is empty or was written by synth:
  every output folder carries a marker file, :data:`MARKER`, naming the command that wrote it; a
  folder without one is refused, naming a few of the files synth did not write;
- an existing file is replaced only when the caller's ``owner`` test says synth wrote it;
- one command at a time writes a target: a lock file beside it makes a second one refuse, and the
  holder of the lock removes what a killed run left beside the target (``.NAME.tmp-*``,
  ``.NAME.old-*``);
- an operating-system failure (read-only location, full disk, a path under ``/proc``) becomes one
  :class:`~synth.OutputError` line.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ._exceptions import OutputError

__all__ = [
    "MARKER",
    "marker_text",
    "atomic_dir",
    "atomic_file",
    "refuse_raw",
    "refuse_overlap",
    "hold_for_tests",
]

#: The file synth writes into every output folder; a folder holding it is synth's to replace.
MARKER = ".synth-output"

#: The environment variable that names a point where :func:`hold_for_tests` pauses.
HOLD_VARIABLE = "SYNTH_TEST_HOLD"

_SHOWN = 3


def hold_for_tests(point: str, until: threading.Event | None = None) -> None:
    """A pause the interrupt tests can rely on, instead of sleeping and hoping.

    When ``$SYNTH_TEST_HOLD`` equals ``point``, print ``synth-test-hold: <point>`` to stderr and
    wait: until Ctrl-C (in the main thread), or until ``until`` is set (in a worker thread, whose
    main thread sets it when interrupted). Otherwise return at once. The points are
    ``"atomic-dir"`` (every output written into the temporary folder, nothing moved into place
    yet) and ``"report-notebook-done"`` (a notebook of the report finished, others running).
    """
    if os.environ.get(HOLD_VARIABLE) != point:
        return
    print(f"synth-test-hold: {point}", file=sys.stderr, flush=True)
    while until is None or not until.is_set():
        time.sleep(0.02)


def refuse_raw(target: str | os.PathLike[str], *, allow: bool = False) -> None:
    """Raise :class:`~synth.OutputError` if ``target`` lies inside a ``data/raw`` folder.

    ``allow=True`` is for the one deliberate writer, ``synth reconstruct --update-raw``, which
    regenerates the shipped dataset and its checksums.
    """
    if allow:
        return
    resolved = Path(target).resolve()
    parts = resolved.parts
    for i in range(len(parts) - 1):
        if parts[i] == "data" and parts[i + 1] == "raw":
            raise OutputError(f"refusing to write into {target}: data/raw/ is read-only input")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _project_root() -> Path | None:
    from .paths import project_root

    try:
        return project_root()
    except FileNotFoundError:
        return None


def refuse_overlap(
    target: str | os.PathLike[str], protected: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Refuse an output that is, contains or sits inside an input folder.

    ``protected`` are the folders the command reads (its data folder); the compendium's
    ``data/raw/`` is always protected, and the repository's top folder may not be the target or
    lie inside it.

    Raises
    ------
    OutputError
        One line naming the target and the folder it would overwrite.

    Examples
    --------
    >>> refuse_overlap("reports", ["data/raw"])
    >>> refuse_overlap("data", ["data/raw"])
    Traceback (most recent call last):
    ...
    synth._exceptions.OutputError: refusing to write into data: it holds data/raw, which is input; choose a folder of its own for the outputs
    """
    out = Path(target).resolve()
    root = _project_root()
    inputs = [Path(p) for p in protected]
    if root is not None:
        inputs.append(root / "data" / "raw")
        if out == root.resolve() or root.resolve().is_relative_to(out):
            raise OutputError(
                f"refusing to write into {target}: it holds the compendium itself "
                f"({root}); choose a folder of its own for the outputs"
            )
    for folder in inputs:
        held = folder.resolve()
        if out == held:
            raise OutputError(f"refusing to write into {target}: it is the input folder {folder}")
        if held.is_relative_to(out):
            raise OutputError(
                f"refusing to write into {target}: it holds {folder}, which is input; choose a "
                "folder of its own for the outputs"
            )
        if out.is_relative_to(held):
            raise OutputError(
                f"refusing to write into {target}: it is inside the input folder {folder}"
            )


def _foreign(target: Path) -> list[str] | None:
    """None when synth may replace ``target`` (absent, empty, or carrying the marker); else the
    names of some files in it that synth did not write."""
    if not target.exists():
        return None
    if not target.is_dir():
        return [f"{target.name} is not a folder"]
    if (target / MARKER).is_file():
        return None
    names = sorted(p.name for p in target.iterdir())
    return names or None


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``target`` for the whole write; a second writer refuses."""
    lock_path = target.parent / f".{target.name}.lock"
    handle = open(lock_path, "a+")  # noqa: SIM115 (held for the context's duration)
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another synth command is writing {target} right now; wait for it to finish "
                "or choose another folder"
            ) from None
        # what a killed run of a command writing here left behind
        for leftover in target.parent.glob(f".{target.name}.tmp-*"):
            _remove(leftover)
        for leftover in target.parent.glob(f".{target.name}.old-*"):
            _remove(leftover)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()
        handle.close()


@contextlib.contextmanager
def _claimed(target: Path) -> Iterator[None]:
    """Create the target's parent and hold its lock (:func:`_locked`) for the write; an
    operating-system failure on the way is one :class:`~synth.OutputError`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = _locked(target)
        lock.__enter__()
    except OSError as exc:
        raise _failed(target, exc) from exc
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _keep_others(target: Path, tmp: Path) -> None:
    """Merge mode: bring the files of ``target`` that the new outputs do not replace into
    ``tmp`` (hard links where the file system allows, else copies), so the merged folder can
    then replace ``target`` in one step, like any other."""
    for item in sorted(target.rglob("*")):
        rel = item.relative_to(target)
        dest = tmp / rel
        if item.is_dir() and not item.is_symlink():
            dest.mkdir(parents=True, exist_ok=True)
        elif not dest.exists() and not dest.is_symlink():
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(item, dest, follow_symlinks=False)
            except OSError:
                shutil.copy2(item, dest, follow_symlinks=False)


def _failed(target: Path, exc: OSError) -> OutputError:
    where = f" ({exc.filename})" if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    return OutputError(
        f"cannot write {target}: {reason}{where}; what was there before is left as it was"
    )


def marker_text(command: str) -> str:
    """The text of :data:`MARKER` in a folder ``synth <command>`` wrote."""
    from . import __version__

    return (
        f"written by `synth {command}` (synth {__version__}). synth replaces or updates this "
        "folder when a command writes here again; delete this file to keep synth out of it.\n"
    )


@contextlib.contextmanager
def atomic_dir(
    target: str | os.PathLike[str],
    *,
    merge: bool = False,
    allow_raw: bool = False,
    protect: Iterable[str | os.PathLike[str]] = (),
    command: str = "",
) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces (or, with ``merge``, is merged into)
    ``target``, which then carries :data:`MARKER`.

    Parameters
    ----------
    target
        The output folder. Its parent is created if needed.
    merge
        When True, files of the temporary folder replace same-named files in ``target`` and other
        files of ``target`` are kept (for output folders shared by several commands, such as
        ``figures/``); the merged folder still replaces ``target`` in one step. When False the
        whole folder is replaced.
    allow_raw
        Permit a target inside ``data/raw`` (only ``synth reconstruct --update-raw`` does), which
        is not an output folder and carries no marker.
    protect
        Input folders the target may not be, contain or sit inside (:func:`refuse_overlap`).
    command
        The command writing, recorded in the marker.

    Raises
    ------
    OutputError
        The target is refused (an input folder, a folder synth did not write, another command
        writing it) or cannot be written; nothing was changed.
    """
    target = Path(target)
    refuse_raw(target, allow=allow_raw)
    if not allow_raw:
        refuse_overlap(target, protect)
    with _claimed(target):
        foreign = None if allow_raw else _foreign(target)
        if foreign:
            more = ", ..." if len(foreign) > _SHOWN else ""
            raise OutputError(
                f"{target}/ holds files synth did not write ({', '.join(foreign[:_SHOWN])}{more}); "
                "choose an empty or new folder"
            )
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; outputs get the usual modes
            if not allow_raw:
                (tmp / MARKER).write_text(marker_text(command or "..."), encoding="utf-8")
        except OSError as exc:
            raise _failed(target, exc) from exc
        try:
            yield tmp
            hold_for_tests("atomic-dir")
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise _failed(target, exc) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            if merge and target.is_dir():
                _keep_others(target, tmp)
            old = None
            if target.exists():
                old = target.parent / f".{target.name}.old-{os.getpid()}"
                os.replace(target, old)
            try:
                os.replace(tmp, target)
            except OSError:
                if old is not None:
                    os.replace(old, target)  # put the previous outputs back
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise _failed(target, exc) from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(
    target: str | os.PathLike[str],
    *,
    owner: Callable[[Path], bool] | None = None,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only on success.

    Parameters
    ----------
    target
        The file to write.
    owner
        Tells whether an existing ``target`` was written by synth (for instance, an earlier
        export); an existing file it does not recognise is refused. None: any existing regular
        file may be replaced.
    protect
        Input folders the file may not sit inside (:func:`refuse_overlap`).

    Raises
    ------
    OutputError
        The target is a folder, an input, a file synth did not write, being written by another
        command, or cannot be written; nothing was changed.
    """
    target = Path(target)
    refuse_raw(target)
    refuse_overlap(target, protect)
    if target.exists() or target.is_symlink():
        if not target.is_file():
            raise OutputError(f"{target} exists and is not a regular file; choose a file name")
        if owner is not None and not owner(target):
            raise OutputError(
                f"{target} exists and synth did not write it; choose another file name or move "
                "that file away"
            )
    with _claimed(target):
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
            os.close(fd)
            os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600
        except OSError as exc:
            raise _failed(target, exc) from exc
        tmp = Path(name)
        try:
            yield tmp
            os.replace(tmp, target)
        except OSError as exc:
            raise _failed(target, exc) from exc
        finally:
            if tmp.exists():
                tmp.unlink()
