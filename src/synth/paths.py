"""One place for the compendium's paths.

Nothing here touches the file system on import. Functions elsewhere take paths as arguments; these
are only the defaults the command line and the notebooks start from.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "project_root",
    "raw_dir",
    "published_dir",
    "processed_dir",
    "figures_dir",
    "reports_dir",
    "notebooks_dir",
    "CODED_FILES",
]

#: The three files of the coded-data schema, in the order they are validated.
CODED_FILES = ("coded_segments.csv", "codebook.csv", "participants.csv")


def project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the compendium's top folder.

    ``$SYNTH_ROOT`` wins when set; otherwise the nearest folder holding both ``pyproject.toml``
    and ``data/raw``, searched upwards from ``start`` when given, else from this file's location
    (synth installed from its repository, as ``make env`` does) and then from the working
    directory. Defaults therefore never depend on where a command is run from.

    Raises
    ------
    FileNotFoundError
        When no such folder exists (synth installed outside its repository, for example).
    """
    env = os.environ.get("SYNTH_ROOT")
    if env:
        return Path(env).resolve()
    candidates = [Path(start)] if start else [Path(__file__).resolve().parent, Path.cwd()]
    for begin in candidates:
        for folder in [begin.resolve(), *begin.resolve().parents]:
            if (folder / "pyproject.toml").is_file() and (folder / "data" / "raw").is_dir():
                return folder
    raise FileNotFoundError(
        "cannot find the synth compendium (a folder with pyproject.toml and data/raw/); "
        "run from inside it or set SYNTH_ROOT"
    )


def raw_dir(root: Path | None = None) -> Path:
    """``data/raw/``: read-only input, checked against ``data/raw/SHA256SUMS``."""
    return (root or project_root()) / "data" / "raw"


def published_dir(root: Path | None = None) -> Path:
    """``data/raw/published/``: the paper's published record, transcribed."""
    return raw_dir(root) / "published"


def processed_dir(root: Path | None = None) -> Path:
    """``data/processed/``: rebuilt by commands, never edited by hand."""
    return (root or project_root()) / "data" / "processed"


def figures_dir(root: Path | None = None) -> Path:
    """``figures/``: Figures 1-8 with the CSV of the numbers each one plots."""
    return (root or project_root()) / "figures"


def reports_dir(root: Path | None = None) -> Path:
    """``reports/``: the rendered notebooks and ``report.html``."""
    return (root or project_root()) / "reports"


def notebooks_dir(root: Path | None = None) -> Path:
    """``notebooks/``: the parameterised notebooks, committed with outputs cleared."""
    return (root or project_root()) / "notebooks"
