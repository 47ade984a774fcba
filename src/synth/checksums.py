"""``data/raw/SHA256SUMS``: the checksums of the shipped raw data, written and verified.

The file is in ``sha256sum`` format (``<hex digest>  <path relative to the folder>``, one line
per file, sorted by path), so ``cd data/raw && sha256sum -c SHA256SUMS`` checks it without
Python. Every file under the folder is listed except ``SHA256SUMS`` itself and
``identifiers.txt``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ._exceptions import ChecksumError

__all__ = [
    "SUMS_NAME",
    "EXCLUDED",
    "compute_sums",
    "write_sums",
    "read_sums",
    "verify_sums",
    "verify_if_listed",
]

#: Name of the checksum file inside the folder.
SUMS_NAME = "SHA256SUMS"
#: Files never listed.
EXCLUDED = frozenset({SUMS_NAME, "identifiers.txt"})


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def compute_sums(folder: str | os.PathLike[str]) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (recursively), by relative POSIX path.

    Parameters
    ----------
    folder
        The folder, e.g. ``data/raw``.

    Returns
    -------
    dict
        ``{relative path: hex digest}``, sorted by path. Hidden files (names starting with
        ``.``) and :data:`EXCLUDED` names are left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.csv").write_bytes(b"x\\n")
    >>> compute_sums(d)["a.csv"][:12]
    '73cb3858a687'
    """
    base = Path(folder)
    sums = {}
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base)
        if not path.is_file() or rel.name in EXCLUDED:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        sums[rel.as_posix()] = _digest(path)
    return dict(sorted(sums.items()))


def write_sums(folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/SHA256SUMS`` for the files of ``folder`` (see :func:`compute_sums`).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> write_sums("data/raw")  # doctest: +SKIP
    PosixPath('data/raw/SHA256SUMS')
    """
    base = Path(folder)
    lines = [f"{digest}  {rel}\n" for rel, digest in compute_sums(base).items()]
    target = base / SUMS_NAME
    tmp = base / f".{SUMS_NAME}.tmp"
    tmp.write_bytes("".join(lines).encode("utf-8"))
    os.replace(tmp, target)
    return target


def read_sums(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Read ``folder/SHA256SUMS`` into ``{relative path: hex digest}``.

    Raises
    ------
    ChecksumError
        The file is missing or a line is not ``<64 hex>  <path>``.

    Examples
    --------
    >>> len(read_sums("data/raw"))  # doctest: +SKIP
    12
    """
    path = Path(folder) / SUMS_NAME
    if not path.is_file():
        raise ChecksumError("checksum file not found", path=path)
    sums = {}
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or not rel:
            raise ChecksumError("not a sha256sum line", path=path, rows=[i])
        sums[rel] = digest
    return sums


def verify_sums(folder: str | os.PathLike[str]) -> None:
    """Check the files of ``folder`` against ``folder/SHA256SUMS``.

    Parameters
    ----------
    folder
        The folder, e.g. ``data/raw``.

    Raises
    ------
    ChecksumError
        A listed file changed or is missing, or a file is not listed; the message names the
        first such file and how many there are.

    Examples
    --------
    >>> verify_sums("data/raw")  # doctest: +SKIP
    """
    base = Path(folder)
    recorded = read_sums(base)
    actual = compute_sums(base)
    changed = sorted(r for r in recorded if r in actual and actual[r] != recorded[r])
    missing = sorted(r for r in recorded if r not in actual)
    unlisted = sorted(r for r in actual if r not in recorded)
    problems = [(r, "changed") for r in changed] + [(r, "missing") for r in missing]
    problems += [(r, "not listed") for r in unlisted]
    if problems:
        first, what = problems[0]
        raise ChecksumError(
            f"{len(problems)} file(s) differ from {SUMS_NAME}; first: {first} ({what})",
            path=base / SUMS_NAME,
            rows=[r for r, _ in problems],
        )


def verify_if_listed(folder: str | os.PathLike[str]) -> bool:
    """Verify ``folder`` against its ``SHA256SUMS`` when it has one; return whether it had one.

    Every command that analyses a coded-data folder calls this first, so the shipped
    ``data/raw/`` is never analysed silently after a change. Folders without a ``SHA256SUMS`` (an
    analyst's own data) are not checked. ``synth report --accept-changed-data`` is the one way to
    render deliberately changed data; it records the new checksums on the report's front page.

    Raises
    ------
    ChecksumError
        The folder has a ``SHA256SUMS`` and its files differ from it.
    """
    base = Path(folder)
    if not (base / SUMS_NAME).is_file():
        return False
    verify_sums(base)
    return True
