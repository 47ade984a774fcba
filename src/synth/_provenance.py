"""Where an output came from: the git commit of the compendium and the software versions.

One git probe for every command that records provenance (the report's front page, the
manuscript's ``provenance.json``).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitState", "git_state", "software_versions"]

#: Packages whose versions the report and the manuscript record, besides Python and synth.
VERSIONED = ("pandas", "seaborn", "statsmodels", "papermill", "matplotlib", "nbconvert")


@dataclass(frozen=True)
class GitState:
    """The compendium's git checkout, as far as it can be seen.

    Attributes
    ----------
    commit
        The full hash of ``HEAD``, or None.
    dirty
        Whether tracked files differ from ``HEAD`` (untracked files do not count: rendering writes
        ignored outputs only); None when unknown.
    note
        Why ``commit`` is None ("not a git checkout", "git not found", ...), else "".
    """

    commit: str | None
    dirty: bool | None
    note: str = ""

    def describe(self) -> str:
        """One line for a reader: the hash, and whether the checkout had uncommitted changes.

        Examples
        --------
        >>> GitState("abc", False).describe()
        'abc (clean checkout)'
        >>> GitState(None, None, "git not found").describe()
        'not available (git not found)'
        """
        if self.commit is None:
            return f"not available ({self.note})"
        return self.commit + (
            " (with uncommitted changes)" if self.dirty else " (clean checkout)"
        )


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
    )


def git_state(root: Path | None) -> GitState:
    """Probe the git checkout at ``root`` (the compendium's top folder).

    Tracked files only decide ``dirty``: outputs are ignored by ``.gitignore`` and must not make a
    fresh clone look changed.

    Examples
    --------
    >>> git_state(None).note
    'not inside the synth repository'
    """
    if root is None:
        return GitState(None, None, "not inside the synth repository")
    if not (root / ".git").exists():
        return GitState(None, None, "not a git checkout")
    try:
        head = _git(root, "rev-parse", "HEAD")
        if head.returncode != 0:
            return GitState(None, None, "no commit yet")
        status = _git(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return GitState(None, None, "git not found")
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return GitState(head.stdout.strip(), dirty)


def software_versions(packages: tuple[str, ...] = VERSIONED) -> list[tuple[str, str]]:
    """``(name, version)`` of Python, synth and ``packages``, in that order.

    Examples
    --------
    >>> software_versions(("no-such-package-xyz",))[-1]
    ('no-such-package-xyz', 'not installed')
    """
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    rows = [("python", sys.version.split()[0]), ("synth", __version__)]
    for name in packages:
        try:
            rows.append((name, version(name)))
        except PackageNotFoundError:
            rows.append((name, "not installed"))
    return rows
