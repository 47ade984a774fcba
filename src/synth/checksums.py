"""SHA-256 checksums: one digest function, one ``SHA256SUMS`` reader and writer, and the test of
whether a data folder is the shipped reconstruction.

``SHA256SUMS`` files are in ``sha256sum`` format (``<hex digest>  <path relative to the folder>``,
one line per file, sorted by path), so ``cd data/raw && sha256sum -c SHA256SUMS`` checks them
without Python. Every file under the folder is listed except ``SHA256SUMS`` itself, hidden files
and ``identifiers.txt``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ._exceptions import ChecksumError

__all__ = [
    "SUMS_NAME",
    "EXCLUDED",
    "sha256_file",
    "sha256_bytes",
    "parse_sums",
    "compute_sums",
    "write_sums",
    "read_sums",
    "verify_sums",
    "verify_if_listed",
    "is_shipped_reconstruction",
]

#: Name of the checksum file inside the folder.
SUMS_NAME = "SHA256SUMS"
#: Files never listed.
EXCLUDED = frozenset({SUMS_NAME, "identifiers.txt"})


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, as lower-case hex, read in blocks of 1 MiB.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.csv"; _ = f.write_bytes(b"x\\n")
    >>> sha256_file(f)[:12]
    '73cb3858a687'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """The SHA-256 of ``data``, as lower-case hex.

    Examples
    --------
    >>> sha256_bytes(b"x\\n")[:12]
    '73cb3858a687'
    """
    return hashlib.sha256(data).hexdigest()


def parse_sums(text: str, *, path: str | os.PathLike[str] = SUMS_NAME) -> dict[str, str]:
    """Parse the text of a ``SHA256SUMS`` file into ``{relative path: hex digest}``.

    Both of ``sha256sum``'s forms are read: ``<digest>  <path>`` (text mode) and
    ``<digest> *<path>`` (binary mode). Blank lines are skipped.

    Raises
    ------
    ChecksumError
        A line is not a 64-digit hex digest, a separator and a path (the error names the line).

    Examples
    --------
    >>> parse_sums("%s  a.csv\\n%s *b/c.csv\\n" % ("0" * 64, "f" * 64))
    {'a.csv': '0000000000000000000000000000000000000000000000000000000000000000', \
'b/c.csv': 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'}
    """
    sums: dict[str, str] = {}
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition(" ")
        rel = rel[1:] if rel[:1] in (" ", "*") else ""
        if not sep or len(digest) != 64 or not rel or any(
            c not in "0123456789abcdefABCDEF" for c in digest
        ):
            raise ChecksumError("not a sha256sum line", path=path, rows=[i])
        sums[rel] = digest.lower()
    return sums


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
        sums[rel.as_posix()] = sha256_file(path)
    return dict(sorted(sums.items()))


def write_sums(folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/SHA256SUMS`` for the files of ``folder`` (see :func:`compute_sums`).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> _ = (tmp / "a.csv").write_text("x\\n")
    >>> write_sums(tmp).name
    'SHA256SUMS'
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
    >>> sorted(read_sums("data/raw"))[:3]
    ['README.md', 'codebook.csv', 'coded_segments.csv']
    """
    path = Path(folder) / SUMS_NAME
    if not path.is_file():
        raise ChecksumError("checksum file not found", path=path)
    return parse_sums(path.read_text(encoding="utf-8"), path=path)


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
    >>> verify_sums("data/raw")  # silent: every file matches
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


def is_shipped_reconstruction(
    folder: str | os.PathLike[str], sums: str | os.PathLike[str] | None = None
) -> bool:
    """Whether a coded-data folder holds the shipped reconstruction, byte for byte.

    True when ``coded_segments.csv`` and ``codebook.csv`` in ``folder`` have the checksums that
    ``data/raw/SHA256SUMS`` records for them (so a fresh ``synth reconstruct`` output counts too).
    The reconstruction notices of the report and the captions depend on this, never on the
    folder's name.

    Parameters
    ----------
    folder
        The coded-data folder.
    sums
        The checksum file; default ``data/raw/SHA256SUMS`` of the compendium.

    Returns
    -------
    bool
        False when the checksum file or a data file is missing, or any checksum differs.

    Examples
    --------
    >>> from synth.paths import raw_dir
    >>> is_shipped_reconstruction(raw_dir())
    True
    >>> is_shipped_reconstruction(raw_dir() / "published")
    False
    """
    folder = Path(folder)
    if sums is None:
        try:
            from .paths import raw_dir

            sums = raw_dir() / SUMS_NAME
        except FileNotFoundError:
            return False
    sums = Path(sums)
    if not sums.is_file():
        return False
    try:
        listed = parse_sums(sums.read_text(encoding="utf-8"), path=sums)
    except ChecksumError:
        return False
    recorded: dict[str, str] = {}
    for rel, digest in listed.items():
        recorded[rel] = digest
        recorded.setdefault(Path(rel).name, digest)  # "data/raw/codebook.csv" too
    for name in ("coded_segments.csv", "codebook.csv"):
        path = folder / name
        if name not in recorded or not path.is_file() or sha256_file(path) != recorded[name]:
            return False
    return True
