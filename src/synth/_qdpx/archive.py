"""Reading REFI-QDA files safely: the ``.qdpx`` zip, the ``project.qde`` XML and its sources.

Project files come from other people's machines, so everything here assumes they may be hostile:

- the zip is opened with the standard library and never extracted to disk; a member whose name
  is absolute or climbs out of the archive (``..``) makes the whole archive refused;
- declared sizes are checked before anything is read (per member, in total, and the compression
  ratio), and members are then read in bounded chunks that stop as soon as a limit is passed, so a
  zip bomb that lies about its sizes is caught too;
- the XML is parsed with :mod:`defusedxml`, which refuses DTDs, entity declarations and external
  references (no XML external entity can read a local file, no entity bomb can exhaust memory);
- a source path that is not ``internal://`` (``relative://``, absolute paths) is never opened:
  only members of the archive are read.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .._exceptions import DataError, UnsafeInputError

__all__ = ["Limits", "ProjectFiles", "open_project", "parse_xml", "excerpt"]

_CHUNK = 1 << 20  # 1 MiB


def excerpt(value: object, limit: int = 60) -> str:
    """A short, escaped excerpt of user data for an error message.

    Examples
    --------
    >>> excerpt("a\\x0bb"), excerpt("x" * 100, limit=5)
    ("'a\\\\x0bb'", "'xxxxx'...")
    """
    text = str(value)
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


@dataclass(frozen=True)
class Limits:
    """Size limits for reading a project.

    Sizes are bytes, except ``max_quoted`` (characters) and ``max_depth`` (levels). The defaults
    are far above any real focus-group project (the NVivo fixtures are 1.5-2.4 MB, their codes
    nest 3 levels deep and their codings quote 0.2 million characters) and far below what would
    exhaust a laptop.
    """

    max_file: int = 512 * 1024**2
    max_member: int = 128 * 1024**2
    max_total: int = 512 * 1024**2
    max_members: int = 10_000
    max_ratio: float = 200.0
    ratio_floor: int = 1024**2  # ratios are only checked for members above this size
    max_depth: int = 64  # nesting of codes and of selections inside sources
    max_quoted: int = 64 * 1024**2  # characters of selected text over all codings


@dataclass
class ProjectFiles:
    """The XML of a project and a way to read its sources.

    Attributes
    ----------
    path
        The file given by the user.
    qde_name
        The member (or file) name of the project XML.
    xml
        The project XML, as bytes.
    members
        Archive members by lower-case name (empty for a bare ``.qde``).
    """

    path: Path
    qde_name: str
    xml: bytes
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    _zip: zipfile.ZipFile | None = None

    def close(self) -> None:
        """Close the underlying archive."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def source_member(self, reference: str | None) -> str | None:
        """Return the archive member a source path refers to, or None when it is not in the archive.

        ``internal://X`` is looked up as ``sources/X`` in any letter case (NVivo for Mac writes
        ``sources/``, NVivo for Windows and ATLAS.ti ``Sources/``). Any other scheme refers to a
        file outside the archive, which is never opened.
        """
        if not reference or not reference.startswith("internal://"):
            return None
        name = reference[len("internal://") :].lstrip("/")
        if not _safe_name(name):
            raise UnsafeInputError(
                f"{self.path}: source path {reference!r} leaves the archive; refusing to read it"
            )
        for candidate in (f"sources/{name}", name):
            if candidate.lower() in self.members:
                return self.members[candidate.lower()].filename
        return None

    def read_member(self, name: str) -> bytes:
        """Read one member in bounded chunks, refusing it when it grows past the limits."""
        if self._zip is None:
            raise DataError("no archive is open", path=self.path)
        info = self._zip.getinfo(name)
        return _read_bounded(self._zip, info, self.path, self.limits)


def _safe_name(name: str) -> bool:
    """True when a member name stays inside the archive once normalised."""
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return False
    norm = posixpath.normpath(name.replace("\\", "/"))
    return not (norm == ".." or norm.startswith("../") or norm.startswith("/"))


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, limits: Limits) -> bytes:
    cap = min(limits.max_member, max(info.file_size, 0))
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as handle:
            while True:
                chunk = handle.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise UnsafeInputError(
                        f"{path}: member {info.filename!r} expands past its declared size "
                        f"({info.file_size:,} bytes) or the limit ({limits.max_member:,} bytes); "
                        "refusing the archive"
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataError(f"member {info.filename!r} is corrupt ({exc})", path=path) from exc
    return b"".join(chunks)


def _check_archive(zf: zipfile.ZipFile, path: Path, limits: Limits) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeInputError(
            f"{path}: the archive holds {len(infos):,} members (limit {limits.max_members:,})"
        )
    bad = [i.filename for i in infos if not _safe_name(i.filename)]
    if bad:
        raise UnsafeInputError(
            f"{path}: {len(bad)} member path(s) leave the archive (first: {bad[0]!r}); "
            "refusing the archive"
        )
    total = 0
    for info in infos:
        if info.file_size > limits.max_member:
            raise UnsafeInputError(
                f"{path}: member {info.filename!r} declares {info.file_size:,} bytes uncompressed "
                f"(limit {limits.max_member:,})"
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise UnsafeInputError(
                f"{path}: member {info.filename!r} expands {info.file_size / max(info.compress_size, 1):,.0f}"
                f" times (limit {limits.max_ratio:,.0f}); refusing a likely zip bomb"
            )
        total += info.file_size
    if total > limits.max_total:
        raise UnsafeInputError(
            f"{path}: the archive declares {total:,} bytes uncompressed (limit {limits.max_total:,})"
        )
    return infos


def open_project(path: str | os.PathLike[str], limits: Limits | None = None) -> ProjectFiles:
    """Open a ``.qdpx`` archive or a bare ``.qde`` file and read its project XML.

    Parameters
    ----------
    path
        The ``.qdpx`` (zip) or ``.qde`` (XML) file.
    limits
        Size limits; the defaults suit any real project.

    Returns
    -------
    ProjectFiles
        Close it with :meth:`ProjectFiles.close` when done.

    Raises
    ------
    DataError
        The file is missing, empty, or an archive without a ``.qde``.
    UnsafeInputError
        The file or archive is too large, or the archive holds paths that leave it.
    """
    path = Path(path)
    limits = limits or Limits()
    if not path.is_file():
        raise DataError("file not found", path=path)
    size = path.stat().st_size
    if size == 0:
        raise DataError("the file is empty", path=path)
    if size > limits.max_file:
        raise UnsafeInputError(
            f"{path}: {size:,} bytes is larger than the limit ({limits.max_file:,})"
        )
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
        if not head.startswith(b"<"):
            raise DataError("neither a .qdpx archive (zip) nor a .qde file (XML)", path=path)
        if size > limits.max_member:
            raise UnsafeInputError(
                f"{path}: {size:,} bytes of XML is larger than the limit ({limits.max_member:,})"
            )
        return ProjectFiles(path=path, qde_name=path.name, xml=path.read_bytes(), limits=limits)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DataError(f"not a readable zip archive ({exc})", path=path) from exc
    try:
        infos = _check_archive(zf, path, limits)
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.is_dir():
                continue
            other = members.setdefault(info.filename.lower(), info)
            if other is not info:
                raise UnsafeInputError(
                    f"{path}: members {excerpt(other.filename)} and {excerpt(info.filename)} differ only by "
                    "letter case; refusing to pick one"
                )
        qdes = sorted(
            (
                i
                for i in members.values()
                if i.filename.lower().endswith(".qde") and "/" not in i.filename
            ),
            key=lambda i: (i.filename.lower() != "project.qde", i.filename),
        )
        if not qdes:
            raise DataError("the archive holds no project.qde at its top level", path=path)
        xml = _read_bounded(zf, qdes[0], path, limits)
    except BaseException:
        zf.close()
        raise
    return ProjectFiles(
        path=path, qde_name=qdes[0].filename, xml=xml, members=members, limits=limits, _zip=zf
    )


def parse_xml(xml: bytes, path: str | os.PathLike[str]) -> ET.Element:
    """Parse project XML with DTDs, entities and external references refused.

    Returns
    -------
    xml.etree.ElementTree.Element
        The root element.

    Raises
    ------
    UnsafeInputError
        The XML declares a DTD or entities or refers to external resources.
    DataError
        The XML is not well formed (the message gives line and column).
    """
    if xml.startswith(b"\xef\xbb\xbf"):
        xml = xml[3:]
    try:
        root: ET.Element = SafeET.fromstring(
            xml, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except DefusedXmlException as exc:
        raise UnsafeInputError(
            f"{path}: the XML declares a DTD, entities or external references ({type(exc).__name__}); "
            "refusing it"
        ) from exc
    except SafeET.ParseError as exc:
        raise DataError(f"the project XML is not well formed ({exc})", path=path) from exc
