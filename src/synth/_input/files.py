"""Open an input path that must be a regular file and read it with a size cap.

The path is opened once, without blocking (``O_NONBLOCK``: a named pipe with no writer would
otherwise hang the command), and what was opened is checked with ``fstat``: a folder, a named
pipe, a socket or a device is refused by name, never skipped or read. A symbolic link is followed
to the file it points to. The read is capped at ``max_bytes + 1`` whatever the file system says
its size is (files under ``/proc`` report 0), so nothing larger than the cap is ever held.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .._exceptions import DataError, UnsafeInputError

__all__ = ["read_regular_file", "kind_of"]


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words (``"folder"``, ``"named pipe (FIFO)"`` ...)."""
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "regular file" if stat.S_ISREG(mode) else "special file"


def _too_large(path: Path, size: str, max_bytes: int) -> UnsafeInputError:
    return UnsafeInputError(
        f"{path}: file is {size} bytes, over the limit of {max_bytes:,}; "
        "split it or raise synth.io.MAX_INPUT_BYTES deliberately"
    )


def read_regular_file(path: Path, max_bytes: int, expected: str = "a .csv or .xlsx table") -> bytes:
    """Return the bytes of ``path``, which must be (or link to) a regular file.

    ``expected`` says in a refusal what should have been there.

    Raises
    ------
    DataError
        The path does not exist, is a broken link, a folder, a pipe, a socket or a device, or
        cannot be read.
    UnsafeInputError
        The file holds more than ``max_bytes`` bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if os.path.islink(path):
            raise DataError(
                f"a symbolic link to a file that does not exist; expected {expected}", path=path
            ) from None
        raise DataError("file not found", path=path) from None
    except IsADirectoryError:  # pragma: no cover - Linux opens folders read-only
        raise DataError(f"is a folder, not a file; expected {expected}", path=path) from None
    except PermissionError:
        raise DataError("cannot read the file: permission denied", path=path) from None
    except OSError as exc:
        raise DataError(f"cannot open the file: {exc.strerror or type(exc).__name__}", path=path) from None
    try:
        info = os.fstat(fd)
    except OSError:  # pragma: no cover - fstat on an open descriptor does not fail in practice
        os.close(fd)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = kind_of(info.st_mode)
        raise DataError(f"is a {kind}, not a file; expected {expected}", path=path)
    with os.fdopen(fd, "rb", buffering=0) as fh:
        if info.st_size > max_bytes:
            raise _too_large(path, f"{info.st_size:,}", max_bytes)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            try:
                chunk = fh.read(min(left, 1 << 24))
            except OSError as exc:
                raise DataError(f"cannot read the file: {exc.strerror or type(exc).__name__}", path=path) from None
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise _too_large(path, f"over {max_bytes:,}", max_bytes)
    return b"".join(chunks)
