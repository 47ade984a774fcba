"""Incremental builds: what every output depends on, by content, and why an output is stale.

A render (``synth report``) is a set of *targets*: one per executed notebook, the manuscript,
the page (``report.html`` and ``SHA256SUMS``) and the copy of the figures into ``figures/``.
Each target has *components*, a flat mapping from a name to a digest or a value, that together
cover everything its outputs depend on:

==============================  ====================================================================
component                       what it covers
==============================  ====================================================================
``code:<notebook>``             the notebook's code cells (source and tags); markdown excluded
``text:<notebook>``             its markdown and raw cells (the page only: re-assembled, not rerun)
``param:<name>``                each parameter the notebook is run with
``input:<path>``                the bytes of every file the notebook read while it ran (traced),
                                or ``absent``
``listing:<folder>``            the names of the files in the data folder and the published record
                                (a file added, removed or renamed there)
``optional:<path>``             an input read only when present (the ensemble cache)
``package:<file>``              each source file of the ``synth`` package
``requirements.lock``           the lock file, ``python`` the interpreter's version
``git``, ``versions``, ...      what the front page and ``provenance.json`` record
``output:<file>``               (checked, not stored) every output still has the recorded bytes
==============================  ====================================================================

The manifest (``OUT/.cache/manifest.json``) records, for every target, its components and the
SHA-256 of every file it wrote. Nothing else is cached: the outputs themselves, checked against
the manifest, are what a later render reuses, so the cache goes wherever the output folder goes
(a hidden file, so it is not listed in ``SHA256SUMS``; ``make clean`` removes it with the
outputs). Everything here uses the standard library only: deciding that nothing changed costs
file hashing and two ``git`` calls, no pandas, matplotlib or kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checksums import sha256_bytes, sha256_file

__all__ = [
    "CACHE_DIR",
    "MANIFEST_NAME",
    "ABSENT",
    "Target",
    "Manifest",
    "TargetStatus",
    "package_digests",
    "environment",
    "notebook_digests",
    "file_digest",
    "listing",
    "outputs_intact",
    "explain",
    "shown",
    "is_environment_file",
    "digest_of",
    "Run",
    "ReportBuild",
    "identifiers_stamp",
    "plan_runs",
    "compares_to_paper",
    "report_status",
    "report_build",
    "runs_from_manifest",
    "title_of",
    "report_notebooks",
    "QUESTION_NOTEBOOK",
    "FIRST_TOOL_NUMBER",
]

#: The cache folder inside an output folder (hidden: not listed in ``SHA256SUMS``).
CACHE_DIR = ".cache"
#: The manifest's file name inside :data:`CACHE_DIR`.
MANIFEST_NAME = "manifest.json"
#: The digest recorded for an input that does not exist.
ABSENT = "absent"
_FORMAT = 1

_PACKAGE = Path(__file__).resolve().parent


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, or :data:`ABSENT` when it is not a regular file.

    Examples
    --------
    >>> file_digest(tmp / "nothing-here")
    'absent'
    >>> _ = (tmp / "a.csv").write_bytes(b"x\\n"); file_digest(tmp / "a.csv")[:12]
    '73cb3858a687'
    """
    p = Path(path)
    try:
        return sha256_file(p) if p.is_file() else ABSENT
    except OSError:
        return ABSENT


def package_digests() -> dict[str, str]:
    """``{"package:<file>": sha256}`` for every source file of the installed ``synth`` package.

    Examples
    --------
    >>> "package:synth/build.py" in package_digests()
    True
    """
    out = {}
    for path in sorted(_PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(_PACKAGE.parent).as_posix()
        out[f"package:{rel}"] = sha256_file(path)
    return out


def environment(root: Path | None) -> dict[str, str]:
    """The components every output shares: the Python version, ``requirements.lock`` (of the
    compendium at ``root``) and the package's source files.

    Examples
    --------
    >>> env = environment(None)
    >>> env["python"] == sys.version.split()[0], env["requirements.lock"]
    (True, 'absent')
    """
    env = {
        "python": sys.version.split()[0],
        "requirements.lock": file_digest(root / "requirements.lock") if root else ABSENT,
    }
    env.update(package_digests())
    return env


def _cells(path: Path) -> list[dict[str, Any]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells: list[dict[str, Any]] = nb.get("cells", [])
    return cells


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_digests(path: str | os.PathLike[str]) -> tuple[str, str]:
    """``(code, text)`` digests of a notebook: its code cells (source and tags, in order) and
    everything else a reader sees (markdown and raw cells, and where they sit among the code).

    A markdown edit changes only ``text``: the report is re-assembled, nothing re-executed.

    Examples
    --------
    >>> import json
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "# A", "metadata": {}},
    ...                 {"cell_type": "code", "source": "x = 1", "metadata": {}}]}
    >>> _ = (tmp / "a.ipynb").write_text(json.dumps(nb))
    >>> code, text = notebook_digests(tmp / "a.ipynb")
    >>> nb["cells"][0]["source"] = "# B"; _ = (tmp / "a.ipynb").write_text(json.dumps(nb))
    >>> notebook_digests(tmp / "a.ipynb")[0] == code, notebook_digests(tmp / "a.ipynb")[1] == text
    (True, False)
    """
    code: list[dict[str, Any]] = []
    text: list[Any] = []
    for cell in _cells(Path(path)):
        kind = cell.get("cell_type")
        if kind == "code":
            tags = cell.get("metadata", {}).get("tags", [])
            code.append({"source": _source(cell), "tags": list(tags)})
            text.append("<code>")
        else:
            text.append({"type": kind, "source": _source(cell),
                         "metadata": cell.get("metadata", {}), "id": cell.get("id")})
    return (
        sha256_bytes(json.dumps(code, sort_keys=True).encode()),
        sha256_bytes(json.dumps(text, sort_keys=True).encode()),
    )


def listing(folder: Path) -> str:
    """The names of the (non-hidden) files under ``folder``, one per line, sorted; an input
    added, removed or renamed there changes it.

    Examples
    --------
    >>> _ = (tmp / "b.csv").write_text("x"); _ = (tmp / ".hidden").write_text("x")
    >>> listing(tmp)
    'b.csv'
    """
    if not folder.is_dir():
        return ABSENT
    names = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    return "\n".join(names)


def shown(path: str | os.PathLike[str], root: Path | None = None) -> str:
    """A path for a person: relative to the working folder or the compendium when inside them.

    Examples
    --------
    >>> shown(Path.cwd() / "data" / "raw" / "codebook.csv")
    'data/raw/codebook.csv'
    """
    p = Path(path)
    for base in (Path.cwd(), root):
        if base is None:
            continue
        try:
            return p.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(p)


def _prefixes() -> list[str]:
    home = Path.home()
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(_PACKAGE)}
    prefixes |= {str(home / d) for d in (".cache", ".config", ".ipython", ".jupyter", ".local",
                                          ".matplotlib")}
    prefixes |= {"/proc", "/sys", "/dev", "/etc", "/usr", "/run", "/var"}
    return sorted(os.path.realpath(p) for p in prefixes)


def is_environment_file(path: str, exclude: Iterable[str] = ()) -> bool:
    """Whether a file a notebook read belongs to the environment (the interpreter, installed
    packages, the ``synth`` package's source, configuration and caches under the home folder,
    system files) rather than to the study. The environment is covered by the ``python``,
    ``requirements.lock`` and ``package:`` components, so these reads are not recorded.

    Examples
    --------
    >>> is_environment_file(os.path.join(sys.prefix, "lib", "x.py"))
    True
    >>> is_environment_file(str(Path.cwd() / "data" / "raw" / "codebook.csv"))
    False
    """
    real = os.path.realpath(path)
    for prefix in [*_prefixes(), *(os.path.realpath(e) for e in exclude)]:
        if real == prefix or real.startswith(prefix.rstrip(os.sep) + os.sep):
            return True
    return False


# --- targets and the manifest -------------------------------------------------------------------


@dataclass
class Target:
    """One thing a render makes: its components (what it depends on) and its outputs.

    Attributes
    ----------
    name
        ``notebook:<run>``, ``manuscript``, ``page`` or ``figures``.
    components
        Component name to digest or value (see the module docstring).
    outputs
        Output path (relative to the output folder, or absolute for ``figures``) to SHA-256.
    reads
        The input files the notebook read when it last ran (notebooks only).
    info
        What re-planning needs (a notebook's source and parameters).
    """

    name: str
    components: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"components": dict(sorted(self.components.items())),
                "outputs": dict(sorted(self.outputs.items())),
                "reads": sorted(self.reads), "info": self.info}


@dataclass
class Manifest:
    """Every target of the last successful render into one output folder."""

    targets: dict[str, Target] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def path(out: str | os.PathLike[str]) -> Path:
        """Where the manifest of output folder ``out`` lives."""
        return Path(out) / CACHE_DIR / MANIFEST_NAME

    @classmethod
    def load(cls, out: str | os.PathLike[str]) -> Manifest | None:
        """The manifest of ``out``, or None when there is none or it cannot be read (then
        everything counts as stale: a damaged cache costs a render, never a wrong output).

        Examples
        --------
        >>> Manifest.load(tmp) is None
        True
        """
        path = cls.path(out)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != _FORMAT:
                return None
            targets = {
                name: Target(name, dict(t["components"]), dict(t["outputs"]),
                             list(t.get("reads", [])), dict(t.get("info", {})))
                for name, t in raw["targets"].items()
            }
            return cls(targets, dict(raw.get("options", {})))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, out: str | os.PathLike[str]) -> Path:
        """Write the manifest into ``out/.cache/`` (atomically, by rename).

        Examples
        --------
        >>> m = Manifest({"page": Target("page", {"git": "x"}, {"report.html": "0" * 64})})
        >>> _ = m.write(tmp); Manifest.load(tmp).targets["page"].components
        {'git': 'x'}
        """
        path = self.path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"format": _FORMAT, "options": self.options,
               "targets": {n: t.to_json() for n, t in sorted(self.targets.items())}}
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path


def outputs_intact(out: Path, outputs: Mapping[str, str]) -> list[str]:
    """The outputs that are missing or whose bytes differ from the recorded SHA-256.

    Examples
    --------
    >>> _ = (tmp / "a.txt").write_bytes(b"x\\n")
    >>> outputs_intact(tmp, {"a.txt": "0" * 64, "b.txt": "0" * 64})
    ['output a.txt was altered', 'output b.txt is missing']
    """
    problems = []
    for rel, digest in sorted(outputs.items()):
        path = out / rel
        actual = file_digest(path)
        if actual == ABSENT:
            problems.append(f"output {rel} is missing")
        elif actual != digest:
            problems.append(f"output {rel} was altered")
    return problems


def _short(value: str) -> str:
    """A git state for a person: the commit hash shortened to 12 digits."""
    import re

    return re.sub(r"\b([0-9a-f]{12})[0-9a-f]{28}\b", r"\1", value)


def explain(old: Mapping[str, str], new: Mapping[str, str], root: Path | None = None,
            *, limit: int = 6) -> list[str]:
    """Why a target is stale: one phrase per component that changed, appeared or went away.

    Examples
    --------
    >>> explain({"param:unit": "paragraph", "input:/d/a.csv": "1" * 64},
    ...         {"param:unit": "code", "input:/d/a.csv": "2" * 64})
    ['input /d/a.csv changed', "parameter unit changed: 'paragraph' -> 'code'"]
    >>> explain({"package:synth/plots.py": "1"}, {"package:synth/plots.py": "2"})
    ['synth package source changed: src/synth/plots.py']
    """
    reasons: list[str] = []
    package: list[str] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        kind, _, name = key.partition(":")
        if kind == "package":
            package.append("src/" + name)
            continue
        if kind == "input" or kind == "optional":
            what = "input" if kind == "input" else "optional input"
            if a in (None, ABSENT) and b not in (None, ABSENT):
                reasons.append(f"{what} {shown(name, root)} appeared")
            elif b in (None, ABSENT):
                reasons.append(f"{what} {shown(name, root)} was removed")
            else:
                reasons.append(f"{what} {shown(name, root)} changed")
        elif kind == "listing":
            before = set((a or "").splitlines()) - {ABSENT}
            after = set((b or "").splitlines()) - {ABSENT}
            parts = [f"+{n}" for n in sorted(after - before)] + [
                f"-{n}" for n in sorted(before - after)]
            reasons.append(f"files of {shown(name, root)} changed: {' '.join(parts[:5])}")
        elif kind == "code":
            reasons.append(f"code of {name} changed")
        elif kind == "text":
            reasons.append(f"markdown of {name} changed")
        elif kind == "param":
            reasons.append(f"parameter {name} changed: {a!r} -> {b!r}")
        elif kind == "option":
            reasons.append(f"option {name} changed: {a!r} -> {b!r}")
        elif kind == "run":
            reasons.append(f"notebook output {name} changed")
        elif key == "requirements.lock":
            reasons.append("requirements.lock changed")
        elif key == "python":
            reasons.append(f"Python version changed: {a} -> {b}")
        elif key == "git":
            reasons.append(f"git state changed: {_short(a or '-')} -> {_short(b or '-')} "
                           "(the output records it)")
        else:
            reasons.append(f"{key} changed")
    if package:
        shown_files = ", ".join(package[:3]) + (f" and {len(package) - 3} more"
                                                 if len(package) > 3 else "")
        reasons.append(f"synth package source changed: {shown_files}")
    if len(reasons) > limit:
        reasons = reasons[:limit] + [f"and {len(reasons) - limit} more"]
    return reasons


@dataclass
class TargetStatus:
    """A target as it stands now: up to date or stale, and why."""

    name: str
    fresh: bool
    reasons: list[str]
    outputs: list[str]

    def line(self) -> str:
        """One line for ``synth status``.

        Examples
        --------
        >>> TargetStatus("page", False, ["markdown of a.ipynb changed"], ["report.html"]).line()
        'stale       page (report.html): markdown of a.ipynb changed'
        """
        files = ", ".join(self.outputs[:3]) + (
            f" and {len(self.outputs) - 3} more" if len(self.outputs) > 3 else "")
        head = f"{'up to date' if self.fresh else 'stale':<11} {self.name} ({files})"
        return head if self.fresh else f"{head}: {'; '.join(self.reasons)}"


def digest_of(values: Mapping[str, str]) -> str:
    """One digest of a mapping (sorted), for components that stand for many values.

    Examples
    --------
    >>> digest_of({"b": "2", "a": "1"}) == digest_of({"a": "1", "b": "2"})
    True
    """
    return hashlib.sha256(json.dumps(dict(sorted(values.items()))).encode()).hexdigest()


# --- the report's plan and components -------------------------------------------------------------

#: The notebook run once per question (parameter ``question``).
QUESTION_NOTEBOOK = "20_question.ipynb"
#: Notebooks numbered from this on (``90_explorer.ipynb``) are interactive tools, not report parts.
FIRST_TOOL_NUMBER = 90
#: The optional input the statistics notebook reads when it exists (``make ensemble``).
ENSEMBLE_FILE = ("data", "processed", "ensemble", "ensemble_bars.csv")


@dataclass(frozen=True)
class Run:
    """One execution of a notebook: its source, the name of its output and its parameters.

    ``code`` (instead of a notebook file) is a cell of Python run the same way: the manuscript's
    figures are drawn by such runs, in the report's warm kernels.
    """

    source: Path
    name: str
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    first_of_source: bool = True
    code: str | None = None

    def info(self) -> dict[str, Any]:
        """What the manifest keeps to re-plan this run without loading the data."""
        return {"source": self.source.name, "name": self.name, "title": self.title,
                "parameters": self.parameters, "first_of_source": self.first_of_source}


def title_of(source: Path) -> str:
    """The notebook's first ``# `` heading, else its name.

    Examples
    --------
    >>> title_of(Path("notebooks/30_audit.ipynb"))
    'Audit: every number the paper publishes, checked against the data'
    """
    for cell in _cells(source):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return source.stem.replace("_", " ")


def compares_to_paper(source: Path) -> bool:
    """Whether a notebook compares the data with the paper (metadata ``synth.compare_to_paper``),
    so that it runs only for a study whose ``study.toml`` asks for the comparison."""
    import nbformat

    nb = nbformat.read(str(source), as_version=4)
    return bool(nb.metadata.get("synth", {}).get("compare_to_paper", False))


def report_notebooks(notebooks: Path) -> list[Path]:
    """The numbered notebooks of the report (``00``-``89``), in name order."""
    return sorted(p for p in notebooks.glob("[0-9][0-9]_*.ipynb")
                  if int(p.name[:2]) < FIRST_TOOL_NUMBER)


def plan_runs(notebooks: Path, data_dir: str, unit: str, questions: Iterable[int], *,
              compare_to_paper: bool = True) -> list[Run]:
    """Every notebook run of the report: each numbered notebook once, the question notebook
    once per question. A notebook whose metadata says ``"synth": {"compare_to_paper": true}``
    (the audit) runs only for a study compared with the paper."""
    base: dict[str, Any] = {"data_dir": data_dir, "out_dir": ".", "unit": unit}
    runs: list[Run] = []
    for src in report_notebooks(notebooks):
        if not compare_to_paper and compares_to_paper(src):
            continue
        if src.name == QUESTION_NOTEBOOK:
            for i, q in enumerate(questions):
                runs.append(Run(src, f"{src.stem}_q{q}",
                                f"Question {q}: Figure {q} and Table {q + 1}",
                                {**base, "question": int(q)}, first_of_source=i == 0))
        else:
            runs.append(Run(src, src.stem, title_of(src), dict(base)))
    return runs


def identifiers_stamp(path: Path) -> str:
    """Size and modification time of ``identifiers.txt``: the one input never hashed, so that no
    digest of a list of real names is written anywhere.

    Examples
    --------
    >>> identifiers_stamp(tmp / "identifiers.txt")
    'absent'
    """
    try:
        st = path.stat()
    except OSError:
        return ABSENT
    return f"{st.st_size}:{st.st_mtime_ns}"


class ReportBuild:
    """The state of everything a report depends on, taken once at the start of a render or a
    status check (standard library only: no pandas, no matplotlib, no kernel).

    Parameters
    ----------
    data
        The coded-data folder.
    out
        The report folder.
    unit
        The counting unit.
    notebooks
        The notebooks folder.
    shown_data
        The data folder as the front page and ``provenance.json`` show it.
    manuscript
        Whether the render writes ``manuscript/`` into the report folder.
    figures
        The folder that receives a copy of the figures, or None.
    root
        The compendium's top folder (for ``requirements.lock``, the published record, the
        ensemble cache and the git commit), or None outside it.
    """

    def __init__(self, data: Path, out: Path, *, unit: str, notebooks: Path, shown_data: str,
                 manuscript: bool, figures: Path | None, root: Path | None) -> None:
        self.data = data.resolve()
        self.out = Path(out)
        self.unit = unit
        self.notebooks = notebooks
        self.shown_data = shown_data
        self.manuscript = manuscript
        self.figures = figures
        self.root = root
        # the notebooks' data_dir, relative to the output folder: the kernels run in folders
        # beside it (the same depth), and the executed notebooks carry no absolute path of this
        # machine (``../data/raw`` for the compendium's reports/)
        rel = os.path.relpath(self.data, self.out.resolve())
        self.data_param = rel if rel.startswith("..") else str(self.data)
        self.env = environment(root)
        self.data_files = {str(p): sha256_file(p) for p in sorted(self.data.rglob("*"))
                           if p.is_file() and p.name != "identifiers.txt"
                           and not any(part.startswith(".")
                                       for part in p.relative_to(self.data).parts)}
        published = root / "data" / "raw" / "published" if root else None
        self.published = published if published is not None and published.is_dir() else None
        self.published_files = (
            {str(p): sha256_file(p) for p in sorted(self.published.rglob("*")) if p.is_file()}
            if self.published is not None and not self.published.resolve().is_relative_to(
                self.data) else {})
        self.raw_sums = root / "data" / "raw" / "SHA256SUMS" if root else None
        self.ensemble = root.joinpath(*ENSEMBLE_FILE) if root else None
        self.shared = {f"listing:{self.data}": listing(self.data),
                       f"identifiers:{self.data / 'identifiers.txt'}":
                       identifiers_stamp(self.data / "identifiers.txt")}
        if self.published is not None:
            self.shared[f"listing:{self.published}"] = listing(self.published)
        if self.ensemble is not None:
            self.shared[f"optional:{self.ensemble}"] = file_digest(self.ensemble)
        self.notebook_digests = {p.name: notebook_digests(p) for p in report_notebooks(notebooks)}
        self._snapshot = {**self.data_files, **self.published_files}

    # components ---------------------------------------------------------------------------------

    def digest(self, path: str) -> str:
        """The digest of an input, from the snapshot taken at the start when it is there."""
        return self._snapshot.get(path) or file_digest(path)

    def run_components(self, run: Run, reads: Iterable[str]) -> dict[str, str]:
        """What a notebook run depends on, given the files it read when it last ran."""
        comps = {**self.env, **self.shared}
        if run.code is not None:
            comps["code:" + run.name] = sha256_bytes(run.code.encode())
        else:
            code = self.notebook_digests.get(run.source.name)
            comps[f"code:{run.source.name}"] = code[0] if code else ABSENT
        for key, value in run.parameters.items():
            comps[f"param:{key}"] = json.dumps(value)
        for path in reads:
            comps[f"input:{path}"] = self.digest(path)
        return comps

    def _inputs(self) -> dict[str, str]:
        comps = {f"input:{p}": d for p, d in {**self.data_files, **self.published_files}.items()}
        if self.raw_sums is not None:
            comps[f"input:{self.raw_sums}"] = self.digest(str(self.raw_sums))
        return comps

    def manuscript_components(self, git: str) -> dict[str, str]:
        """What ``manuscript/`` depends on: the data, the published record, the code, the
        unit, the data folder as recorded and the commit (``provenance.json`` records it)."""
        return {**self.env, **self.shared, **self._inputs(), "option:unit": self.unit,
                "option:data": self.shown_data, "git": git}

    def page_components(self, git: str, runs: Mapping[str, Mapping[str, str]],
                        manuscript: Mapping[str, str] | None, versions: str,
                        accept_changed_data: bool) -> dict[str, str]:
        """What ``report.html`` and ``SHA256SUMS`` depend on: every run's outputs, every
        notebook's markdown, the inputs the front page lists, the commit, the versions."""
        comps = {**self.env, **self.shared, **self._inputs(), "option:unit": self.unit,
                 "option:data": self.shown_data, "git": git, "versions": versions,
                 "option:accept_changed_data": str(accept_changed_data),
                 "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", ""),
                 "runs": " ".join(sorted(runs))}
        for name, (_code, text) in self.notebook_digests.items():
            comps[f"text:{name}"] = text
        for name, outputs in runs.items():
            comps[f"run:{name}"] = digest_of(outputs)
        if manuscript is not None:
            comps["run:manuscript"] = digest_of(manuscript)
        return comps

    def excluded(self) -> list[str]:
        """Folders whose reads are not inputs: the output folder and its temporary siblings."""
        return [str(self.out.resolve())]


def runs_from_manifest(build: ReportBuild, manifest: Manifest) -> list[Run]:
    """The notebook runs of the last render, re-planned with the current options (so that a
    changed ``--unit`` or data folder shows up as a changed parameter)."""
    runs = []
    for name, target in sorted(manifest.targets.items()):
        if not name.startswith("notebook:"):
            continue
        info = target.info
        params = dict(info.get("parameters", {}))
        params.update({"data_dir": build.data_param, "unit": build.unit})
        runs.append(Run(build.notebooks / str(info.get("source", "")), str(info.get("name")),
                        str(info.get("title", "")), params, bool(info.get("first_of_source"))))
    return runs


def report_status(build: ReportBuild, manifest: Manifest | None, *,
                  runs: list[Run] | None = None,
                  accept_changed_data: bool = False) -> list[TargetStatus]:
    """Every target of a report folder, up to date or stale and why.

    ``runs`` is the plan when the data have been loaded (a render); without it (``synth
    status``, the command line's quick check) the plan of the last render is used: the runs
    only change with the data, which makes them stale anyway.
    """
    from ._provenance import git_state, software_versions

    out, root = build.out, build.root
    if manifest is None:
        return [TargetStatus("report", False,
                             [f"no build record in {shown(out / CACHE_DIR, root)} "
                              "(never rendered there, or rendered before records were kept)"],
                             ["report.html"])]
    git = git_state(root).describe()
    if runs is None:
        runs = runs_from_manifest(build, manifest)
    statuses: list[TargetStatus] = []
    run_outputs: dict[str, dict[str, str]] = {}
    page_extra: list[str] = []
    for run in runs:
        old = manifest.targets.get(f"notebook:{run.name}")
        if old is None:
            statuses.append(TargetStatus(f"notebook {run.name}", False, ["not rendered before"],
                                         [f"notebooks/{run.name}.ipynb"]))
            page_extra.append(f"new notebook run {run.name}")
            continue
        now = build.run_components(run, old.reads)
        if not run.source.is_file():
            reasons = [f"notebook {run.source.name} was removed"]
        else:
            reasons = explain(old.components, now, root) + outputs_intact(out, old.outputs)
        statuses.append(TargetStatus(f"notebook {run.name}", not reasons, reasons,
                                     sorted(old.outputs)))
        run_outputs[run.name] = old.outputs
        if reasons:
            page_extra.append(f"notebook {run.name} is re-executed")
    planned = {f"notebook:{r.name}" for r in runs}
    for name in sorted(manifest.targets):
        if name.startswith("notebook:") and name not in planned:
            page_extra.append(f"{name.split(':', 1)[1]} is no longer run")
    known = {r.source.name for r in runs if r.code is None}
    from .study import load_study

    if not load_study(build.data).compare_to_paper:  # never run for this study: not new either
        known |= {n for n in build.notebook_digests if compares_to_paper(build.notebooks / n)}
    for name in sorted(set(build.notebook_digests) - known):
        page_extra.append(f"new notebook {name}")
    ms_outputs: dict[str, str] | None = None
    if build.manuscript:
        old = manifest.targets.get("manuscript")
        if old is None:
            statuses.append(TargetStatus("manuscript", False, ["not rendered before"],
                                         ["manuscript/"]))
            page_extra.append("the manuscript is written")
        else:
            reasons = (explain(old.components, build.manuscript_components(git), root)
                       + outputs_intact(out, old.outputs))
            statuses.append(TargetStatus("manuscript", not reasons, reasons,
                                         sorted(old.outputs)))
            ms_outputs = old.outputs
            if reasons:
                page_extra.append("the manuscript is rewritten")
    elif "manuscript" in manifest.targets:
        page_extra.append("the manuscript is no longer written")
    old = manifest.targets.get("page")
    if old is None:
        statuses.append(TargetStatus("page", False, ["not rendered before"], ["report.html"]))
    else:
        versions = json.dumps(software_versions())
        now = build.page_components(git, run_outputs, ms_outputs, versions, accept_changed_data)
        reasons = (explain({k: v for k, v in old.components.items() if k in now or
                            not k.startswith("run:")}, now, root)
                   if not page_extra else [])
        reasons = page_extra[:3] + (
            [f"and {len(page_extra) - 3} more"] if len(page_extra) > 3 else []) + reasons
        reasons += outputs_intact(out, old.outputs)
        statuses.append(TargetStatus("page", not reasons, reasons, sorted(old.outputs)))
    if build.figures is not None:
        fig_old = manifest.targets.get("figures")
        expected = {str(build.figures.resolve() / Path(rel).name): digest
                    for name, outputs in run_outputs.items() for rel, digest in outputs.items()
                    if rel.startswith("figures/fig")}
        if fig_old is None or not expected:
            reasons = ["not copied before"]
        else:
            reasons = [f"{shown(p, root)} is missing" if file_digest(p) == ABSENT else
                       f"{shown(p, root)} differs from the report's"
                       for p, d in sorted(expected.items()) if file_digest(p) != d]
        statuses.append(TargetStatus("figures copy", not reasons, reasons,
                                     [shown(build.figures, root)]))
    return statuses


def report_build(data: Path, out: Path, *, unit: str | None = None,
                 manuscript: bool | None = None, figures: Path | None = None,
                 notebooks: Path | None = None) -> tuple[ReportBuild, Manifest | None]:
    """The :class:`ReportBuild` of a report folder and its manifest; options not given are taken
    from the manifest (what the last render into ``out`` used), else the defaults."""
    from .paths import notebooks_dir, project_root

    try:
        root: Path | None = project_root()
    except FileNotFoundError:
        root = None
    manifest = Manifest.load(out)
    options = manifest.options if manifest is not None else {}
    if figures is None and options.get("figures"):
        figures = Path(str(options["figures"]))
    build = ReportBuild(
        Path(data), Path(out),
        unit=unit or str(options.get("unit", "paragraph")),
        notebooks=notebooks or (notebooks_dir(root) if root else Path("notebooks")),
        shown_data=str(data),
        manuscript=bool(options.get("manuscript", False)) if manuscript is None else manuscript,
        figures=figures, root=root)
    return build, manifest
