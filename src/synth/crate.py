"""RO-Crate metadata of a report folder: ``ro-crate-metadata.json`` (RO-Crate 1.1).

:func:`write_crate` describes a folder of outputs as an RO-Crate (https://w3id.org/ro/crate/1.1),
built with the ``rocrate`` library:

- every output file as a data entity with its format (``encodingFormat``), size and SHA-256,
  and, for the figures and tables, which one it is;
- the input files, which live outside the folder, as ``File`` entities with local identifiers
  (``#input/...``), their size and SHA-256;
- the software as a ``SoftwareApplication`` (synth and its version) with the lock file of exact
  package versions, the ``instrument`` of a ``CreateAction`` whose ``object`` is the inputs and
  whose ``result`` is the outputs;
- the paper reproduced as a ``ScholarlyArticle`` whose ``@id`` is its DOI, named by the root
  dataset's ``citation`` (the way RO-Crate 1.1 associates a publication with a dataset).

The bytes depend only on the files described: entities in a fixed order, keys sorted, and no
wall-clock date. The one date, ``datePublished`` (and the action's ``endTime``), comes from
``SOURCE_DATE_EPOCH`` when it is set, else from the commit time of the checkout
(:func:`source_date`), else it is left out.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from ._exceptions import ReportError

__all__ = ["CRATE_NAME", "RO_CRATE_VERSION", "encoding_format", "source_date", "write_crate"]

#: The file written into the folder.
CRATE_NAME = "ro-crate-metadata.json"
#: The RO-Crate specification the metadata conforms to.
RO_CRATE_VERSION = "1.1"

_FORMATS = {
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".ipynb": "application/x-ipynb+json",
    ".json": "application/json",
    ".md": "text/markdown",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".sav": "application/x-spss-sav",
    ".svg": "image/svg+xml",
    ".tex": "application/x-tex",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_PLAIN_NAMES = {"SHA256SUMS", "requirements.lock", "README", "LICENSE"}
_MIT = "https://spdx.org/licenses/MIT"
_SHA256_TERM = "http://schema.org/sha256"


def encoding_format(name: str) -> str:
    """The media type of a file, from its name.

    Parameters
    ----------
    name
        A file name or path.

    Returns
    -------
    str
        A media type; ``application/octet-stream`` when the suffix is unknown.

    Examples
    --------
    >>> encoding_format("figures/fig1.png"), encoding_format("notebooks/00_data.ipynb")
    ('image/png', 'application/x-ipynb+json')
    >>> encoding_format("SHA256SUMS")
    'text/plain'
    """
    path = Path(name)
    if path.name in _PLAIN_NAMES:
        return "text/plain"
    known = _FORMATS.get(path.suffix.lower())
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(path.name, strict=False)
    return guessed or "application/octet-stream"


def source_date(root: str | os.PathLike[str] | None = None) -> str | None:
    """The date to record instead of the wall clock, as ISO 8601 in UTC.

    ``SOURCE_DATE_EPOCH`` (seconds since 1970, as the Reproducible Builds specification
    defines it) when set; else the commit time of the git checkout at ``root``; else None.

    Parameters
    ----------
    root
        The checkout whose ``HEAD`` commit time is the fallback.

    Returns
    -------
    str or None
        For example ``2024-08-01T00:00:00+00:00``.

    Examples
    --------
    >>> import os
    >>> saved = os.environ.get("SOURCE_DATE_EPOCH")
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1722470400"
    >>> source_date()
    '2024-08-01T00:00:00+00:00'
    >>> _ = os.environ.pop("SOURCE_DATE_EPOCH") if saved is None else os.environ.update(
    ...     SOURCE_DATE_EPOCH=saved)
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit() and root is not None and Path(root, ".git").exists():
        try:
            run = subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%ct"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            epoch = run.stdout.strip() if run.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            epoch = ""
    if not epoch.isdigit():
        return None
    return datetime.fromtimestamp(int(epoch), tz=UTC).isoformat()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_FIGURE = re.compile(r"(?:^|/)fig(\d+)(?:_[a-z0-9_]+)?\.([a-z]+)$")
_TABLE = re.compile(r"(?:^|/)table(\d+)\.[a-z]+$")
_APPENDIX = re.compile(r"(?:^|/)appendix(\d+)\.[a-z]+$")


def _about(rel: str) -> str | None:
    """What an output is, from the compendium's file names (None when the name says nothing)."""
    if rel == "report.html":
        return "The report: every notebook's output in one self-contained page"
    if m := _FIGURE.search(rel):
        what = {"csv": "The numbers plotted in ", "txt": "The caption of "}.get(m.group(2), "")
        return f"{what}Figure {m.group(1)}"
    if m := _TABLE.search(rel):
        return f"Table {m.group(1)}"
    if m := _APPENDIX.search(rel):
        return f"Appendix {m.group(1)}"
    if rel.startswith("notebooks/") and rel.endswith(".ipynb"):
        return "An executed notebook of the report"
    if rel.startswith("stats/"):
        return "Statistics beyond the paper"
    return None


def _file_properties(path: Path, name: str) -> dict[str, str]:
    return {
        "name": name,
        "encodingFormat": encoding_format(name),
        "contentSize": str(path.stat().st_size),
        "sha256": _sha256(path),
    }


def write_crate(
    folder: str | os.PathLike[str],
    files: Sequence[str],
    inputs: Sequence[tuple[str, str | os.PathLike[str]]],
    *,
    paper_doi: str | None,
    paper_citation: str,
    version: str,
    lock_file: str | os.PathLike[str] | None = None,
    date: str | None = None,
    title: str = "synth report",
    description: str = "Outputs of the synth research compendium.",
) -> Path:
    """Write ``folder/ro-crate-metadata.json`` describing ``files`` and the ``inputs`` they came from.

    Parameters
    ----------
    folder
        The crate's root: the report folder.
    files
        The outputs to describe, as POSIX paths relative to ``folder`` (each must be a file there).
    inputs
        ``(name, path)`` of every input file; ``name`` is a relative POSIX path, unique among the
        inputs, that identifies it in the crate (``#input/<name>``).
    paper_doi
        The DOI of the paper or study the outputs reproduce (``10.xxxx/...``), cited by the root;
        None or "" for a study without one (then nothing is cited).
    paper_citation
        Its full reference, as text.
    version
        synth's version.
    lock_file
        The file of exact package versions (``requirements.lock``), described with its SHA-256
        as the software's requirements; left out when None.
    date
        ISO 8601 date of the crate (``datePublished``, the action's ``endTime``); left out when
        None. :func:`source_date` gives one that is not the wall clock.
    title, description
        The root dataset's ``name`` and ``description``.

    Returns
    -------
    Path
        The metadata file written.

    Raises
    ------
    ReportError
        A file or input named does not exist, or an input name repeats.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / "table1.csv").write_text("a\\n1\\n")
    >>> path = write_crate(out, ["table1.csv"], [], paper_doi="10.1000/x", paper_citation="X.",
    ...                    version="0.1.0")
    >>> import json; graph = json.loads(path.read_text())["@graph"]
    >>> [e["encodingFormat"] for e in graph if e["@id"] == "table1.csv"]
    ['text/csv']
    """
    from rocrate.model.contextentity import ContextEntity
    from rocrate.rocrate import ROCrate

    root_dir = Path(folder)
    crate = ROCrate(version=RO_CRATE_VERSION)
    # schema.org's sha256 came after the RO-Crate 1.1 context was fixed: declared the way 1.1's
    # appendix on extending RO-Crate says
    crate.metadata.extra_terms["sha256"] = _SHA256_TERM
    root = crate.root_dataset
    root["name"] = title
    root["description"] = description
    if date is None:
        del root["datePublished"]  # the library fills in the wall clock
    else:
        root["datePublished"] = date

    paper: ContextEntity | None = None
    if paper_doi:
        doi_url = f"https://doi.org/{paper_doi}"
        paper = crate.add(
            ContextEntity(
                crate,
                doi_url,
                properties={
                    "@type": "ScholarlyArticle",
                    "name": paper_citation,
                    "identifier": doi_url,
                },
            )
        )
        root["citation"] = paper

    outputs = []
    for rel in sorted(files):
        path = root_dir / rel
        if rel == CRATE_NAME or not path.is_file():
            raise ReportError(f"{path}: not an output file to describe in {CRATE_NAME}")
        props = _file_properties(path, Path(rel).name)
        about = _about(rel)
        if about is not None:
            props["description"] = about
        outputs.append(crate.add_file(None, dest_path=rel, properties=props))

    sources = []
    seen: set[str] = set()
    for name, where in inputs:
        if name in seen:
            raise ReportError(f"input name {name!r} appears twice")
        seen.add(name)
        path = Path(where)
        if not path.is_file():
            raise ReportError(f"{path}: input file not found")
        props = {"@type": "File", **_file_properties(path, name), "description": "Input file"}
        sources.append(crate.add(ContextEntity(crate, f"#input/{quote(name)}", properties=props)))

    licence = crate.add(
        ContextEntity(crate, _MIT, properties={"@type": "CreativeWork", "name": "MIT License"})
    )
    software = crate.add(
        ContextEntity(
            crate,
            "#synth",
            properties={
                "@type": "SoftwareApplication",
                "name": "synth",
                "version": version,
                "description": "Research compendium that reruns a coded focus-group analysis",
                "license": licence,
            },
        )
    )
    if paper is not None:
        software["citation"] = paper
    if lock_file is not None:
        lock = Path(lock_file)
        if not lock.is_file():
            raise ReportError(f"{lock}: lock file not found")
        props = {
            "@type": "File",
            **_file_properties(lock, lock.name),
            "description": "The exact version of every Python package the software ran with",
        }
        software["softwareRequirements"] = crate.add(
            ContextEntity(crate, f"#software/{quote(lock.name)}", properties=props)
        )

    action_props: dict[str, object] = {"@type": "CreateAction", "name": f"{title}: rendered"}
    if date is not None:
        action_props["endTime"] = date
    action = crate.add_action(
        software, identifier="#render", object=sources, result=outputs, properties=action_props
    )
    root["mentions"] = action

    document = crate.metadata.generate()
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    target = root_dir / CRATE_NAME
    tmp = root_dir / f".{CRATE_NAME}.tmp"
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, target)
    return target
