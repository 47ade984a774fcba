"""Atomic output folders: write everything into a temporary folder beside the target, and move it
into place only when the whole command succeeded. A failure or Ctrl-C leaves the previous outputs
exactly as they were."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ._exceptions import SynthError

__all__ = ["atomic_dir", "atomic_file", "refuse_raw", "hold_for_tests"]

#: The environment variable that names a point where :func:`hold_for_tests` pauses.
HOLD_VARIABLE = "SYNTH_TEST_HOLD"


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
    """Raise :class:`SynthError` if ``target`` lies inside a ``data/raw`` folder.

    ``allow=True`` is for the one deliberate writer, ``synth reconstruct --update-raw``, which
    regenerates the shipped dataset and its checksums.
    """
    if allow:
        return
    resolved = Path(target).resolve()
    parts = resolved.parts
    for i in range(len(parts) - 1):
        if parts[i] == "data" and parts[i + 1] == "raw":
            raise SynthError(f"refusing to write into {target}: data/raw/ is read-only input")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_dir(
    target: str | os.PathLike[str], *, merge: bool = False, allow_raw: bool = False
) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces (or, with ``merge``, is merged into)
    ``target``.

    Parameters
    ----------
    target
        The output folder. Its parent is created if needed.
    merge
        When True, files of the temporary folder replace same-named files in ``target`` and other
        files of ``target`` are kept (for output folders shared by several commands, such as
        ``figures/``). When False the whole folder is replaced.
    allow_raw
        Permit a target inside ``data/raw`` (only ``synth reconstruct --update-raw`` does).
    """
    target = Path(target)
    refuse_raw(target, allow=allow_raw)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; outputs get the usual permissions
    try:
        yield tmp
        hold_for_tests("atomic-dir")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        if merge and target.exists():
            for item in sorted(tmp.rglob("*")):
                rel = item.relative_to(tmp)
                dest = target / rel
                if item.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(item, dest)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            old = None
            if target.exists():
                old = target.parent / f".{target.name}.old-{os.getpid()}"
                os.replace(target, old)
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only on success."""
    target = Path(target)
    refuse_raw(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
