"""One reproducible zip writer for every archive synth writes (``.qdpx``, ``.docx``).

Equal members give equal bytes: members keep the given order, every member gets the same
timestamp, permissions ``0644`` and a Unix "made by" field. The timestamp is
``SOURCE_DATE_EPOCH`` when that is set (the reproducible-builds convention), else 1980-01-01, the
earliest date a zip can hold.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Iterable

__all__ = ["zip_timestamp", "zip_bytes", "rezip"]

_EARLIEST = 315532800  # 1980-01-01T00:00:00Z, the zip format's first representable second
_TIMESTAMP = tuple[int, int, int, int, int, int]


def zip_timestamp() -> _TIMESTAMP:
    """The member timestamp: ``SOURCE_DATE_EPOCH`` in UTC when set, else 1980-01-01 00:00:00.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("SOURCE_DATE_EPOCH", None) and None
    >>> zip_timestamp()
    (1980, 1, 1, 0, 0, 0)
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    seconds = int(epoch) if epoch.isdigit() else _EARLIEST
    t = time.gmtime(max(seconds, _EARLIEST))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def zip_bytes(members: Iterable[tuple[str, bytes]], *, compresslevel: int = 9) -> bytes:
    """A deflated zip archive of ``(name, bytes)`` members, byte-reproducible.

    Examples
    --------
    >>> zip_bytes([("a.txt", b"x")]) == zip_bytes([("a.txt", b"x")])
    True
    >>> import zipfile, io
    >>> zipfile.ZipFile(io.BytesIO(zip_bytes([("a.txt", b"x")]))).read("a.txt")
    b'x'
    """
    stamp = zip_timestamp()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload, compresslevel=compresslevel)
    return buffer.getvalue()


def rezip(raw: bytes) -> bytes:
    """Rewrite a zip archive (a ``.docx`` a library wrote, say) with :func:`zip_bytes`'s fixed
    metadata, keeping the members and their order.

    Examples
    --------
    >>> rezip(zip_bytes([("a", b"1")])) == zip_bytes([("a", b"1")])
    True
    """
    with zipfile.ZipFile(io.BytesIO(raw)) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    return zip_bytes(members)
