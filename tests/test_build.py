"""Incremental builds: what an output depends on (synth.build), when it is reused, and the two
commands that explain and verify (synth status, synth verify).

The kernel tests use two small notebooks on a tiny dataset: one reads the codebook, the other the
coded segments, each writes one table. Each render that executes a notebook starts a kernel (a few
seconds), so the scenarios are chained inside few tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from synth import build
from synth.build import ABSENT, Manifest, Target, explain, notebook_digests, outputs_intact

# --- the components, by hand ----------------------------------------------------------------------


def _nb(*cells: tuple[str, str], tags: dict[int, list[str]] | None = None) -> dict:
    out = []
    for i, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"c{i}", "metadata": {"tags": (tags or {}).get(i, [])},
                "source": source}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        out.append(cell)
    return {"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_code_digest_ignores_markdown_and_text_digest_ignores_code(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text(json.dumps(_nb(("markdown", "# T"), ("code", "x = 1"))))
    code, text = notebook_digests(path)
    path.write_text(json.dumps(_nb(("markdown", "# T, reworded"), ("code", "x = 1"))))
    assert notebook_digests(path) == (code, notebook_digests(path)[1])
    assert notebook_digests(path)[1] != text
    path.write_text(json.dumps(_nb(("markdown", "# T"), ("code", "x = 2"))))
    assert notebook_digests(path) == (notebook_digests(path)[0], text)
    assert notebook_digests(path)[0] != code
    # a tag on a code cell (the parameters cell) is part of the code
    path.write_text(json.dumps(_nb(("markdown", "# T"), ("code", "x = 1"), tags={1: ["parameters"]})))
    assert notebook_digests(path)[0] != code


def test_explain_names_each_kind_of_change() -> None:
    old = {"input:/d/coded_segments.csv": "1" * 64, "code:30_audit.ipynb": "a",
           "param:unit": '"paragraph"', "package:synth/plots.py": "p", "requirements.lock": "l",
           "python": "3.11.7", "listing:/d": "a.csv\nb.csv", "optional:/e.csv": ABSENT}
    new = {"input:/d/coded_segments.csv": "2" * 64, "code:30_audit.ipynb": "b",
           "param:unit": '"code"', "package:synth/plots.py": "q", "requirements.lock": "m",
           "python": "3.12.1", "listing:/d": "a.csv\nc.csv", "optional:/e.csv": "3" * 64}
    reasons = explain(old, new, limit=20)
    assert "input /d/coded_segments.csv changed" in reasons
    assert "code of 30_audit.ipynb changed" in reasons
    assert "parameter unit changed: '\"paragraph\"' -> '\"code\"'" in reasons
    assert "synth package source changed: src/synth/plots.py" in reasons
    assert "requirements.lock changed" in reasons
    assert "Python version changed: 3.11.7 -> 3.12.1" in reasons
    assert "files of /d changed: +c.csv -b.csv" in reasons
    assert "optional input /e.csv appeared" in reasons
    assert explain(old, old) == []


def test_a_damaged_manifest_counts_as_no_manifest(tmp_path: Path) -> None:
    Manifest({"page": Target("page", {"git": "x"}, {"report.html": "0" * 64})}).write(tmp_path)
    assert Manifest.load(tmp_path) is not None
    Manifest.path(tmp_path).write_text('{"format": 1, "targets": {"page": 3}}')
    assert Manifest.load(tmp_path) is None
    Manifest.path(tmp_path).write_text("not json")
    assert Manifest.load(tmp_path) is None


def test_outputs_intact_by_content(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes(b"a,b\n")
    digest = hashlib.sha256(b"a,b\n").hexdigest()
    assert outputs_intact(tmp_path, {"t.csv": digest}) == []
    os.utime(tmp_path / "t.csv", (1, 1))  # a timestamp is not a change
    assert outputs_intact(tmp_path, {"t.csv": digest}) == []
    (tmp_path / "t.csv").write_bytes(b"a,c\n")
    assert outputs_intact(tmp_path, {"t.csv": digest}) == ["output t.csv was altered"]


def test_environment_reads_are_not_inputs(tmp_path: Path) -> None:
    import sys

    assert build.is_environment_file(os.path.join(sys.prefix, "lib", "site.py"))
    assert build.is_environment_file(str(Path(build.__file__)))  # covered by package:
    assert not build.is_environment_file(str(tmp_path / "data.csv"))
    assert build.is_environment_file(str(tmp_path / "out" / "x"), exclude=[str(tmp_path / "out")])


def test_identifiers_are_never_hashed(tmp_path: Path) -> None:
    (tmp_path / "identifiers.txt").write_text("Jane Doe\n", encoding="utf-8")
    stamp = build.identifiers_stamp(tmp_path / "identifiers.txt")
    digest = hashlib.sha256(b"Jane Doe\n").hexdigest()
    assert stamp.startswith("9:") and digest not in stamp


# --- renders on small notebooks ------------------------------------------------------------------

PARAMS = 'data_dir = "."\nout_dir = "."\nunit = "paragraph"'


def _notebook(title: str, code: str) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nSome prose.")]
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    cells += [params, nbformat.v4.new_code_cell(code), nbformat.v4.new_markdown_cell("The end.")]
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i}"
    return nbformat.v4.new_notebook(cells=cells)


BOOK = """\
from pathlib import Path
rows = Path(data_dir, "codebook.csv").read_text(encoding="utf-8").splitlines()
Path(out_dir, "tables").mkdir(exist_ok=True)
Path(out_dir, "tables", "book.csv").write_text(f"codes\\n{len(rows) - 1}\\n", encoding="utf-8")
print(len(rows) - 1, "codes")
"""
SEGMENTS = """\
from pathlib import Path
rows = Path(data_dir, "coded_segments.csv").read_text(encoding="utf-8").splitlines()
Path(out_dir, "tables").mkdir(exist_ok=True)
Path(out_dir, "tables", "segments.csv").write_text(f"rows\\n{len(rows) - 1}\\n", encoding="utf-8")
print(len(rows) - 1, "coded rows")
"""


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "codebook.csv").write_text(
        "code_id,subtheme,theme,valence\nC1,Surveys,Research evidence,success\n"
        "C2,Bureaucracy,Funding,challenge\n", encoding="utf-8")
    (data / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id,text\n"
        "S1,FG1,1,P1,C1,We had a programme.\nS2,FG2,1,P2,C2,\n", encoding="utf-8")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    nbformat.write(_notebook("Codebook", BOOK), str(nbs / "01_book.ipynb"))
    nbformat.write(_notebook("Segments", SEGMENTS), str(nbs / "02_segments.ipynb"))
    # every output folder sits at the same depth (the notebooks' data_dir is relative to it)
    return {"data": data, "nbs": nbs, "out": tmp_path / "a" / "report",
            "scratch": tmp_path / "b" / "report"}


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)}


def _render(project: dict[str, Path], out: Path | None = None, **kw) -> list[str]:
    from synth.io import load_coded_data
    from synth.report import render_report

    messages: list[str] = []
    render_report(load_coded_data(project["data"]), out or project["out"],
                  notebooks=project["nbs"], jobs=1, say=messages.append, **kw)
    return messages


def _executed(messages: list[str]) -> list[str]:
    return [m.split()[1] for m in messages if " done (" in m]


def _status(project: dict[str, Path]) -> dict[str, list[str]]:
    b, manifest = build.report_build(project["data"], project["out"], notebooks=project["nbs"])
    return {s.name: s.reasons for s in build.report_status(b, manifest)}


@pytest.mark.slow
def test_only_what_changed_is_rebuilt_and_cached_equals_fresh(project: dict[str, Path]) -> None:
    out = project["out"]
    assert sorted(_executed(_render(project))) == ["01_book", "02_segments"]
    manifest = json.loads((out / ".cache" / "manifest.json").read_text())
    # the files each notebook read while it ran, traced: its own input, not the other's
    reads = {n: t["reads"] for n, t in manifest["targets"].items() if n.startswith("notebook:")}
    assert reads["notebook:01_book"] == [str(project["data"] / "codebook.csv")]
    assert reads["notebook:02_segments"] == [str(project["data"] / "coded_segments.csv")]
    # the executed notebooks carry the data folder relative to the output folder
    executed = (out / "notebooks" / "01_book.ipynb").read_text()
    assert '"../../data"' in executed and str(project["data"]) not in executed
    assert all(not reasons for reasons in _status(project).values())

    # nothing changed: nothing is run, nothing is written
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    messages = _render(project)
    assert messages[0].startswith("up to date") and len(messages) == 1
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before

    # one input changes: only the notebook that read it is stale, and says why
    segments = project["data"] / "coded_segments.csv"
    segments.write_text(segments.read_text().replace("We had", "We ran"), encoding="utf-8")
    status = _status(project)
    assert status["notebook 01_book"] == []
    assert status["notebook 02_segments"] == [f"input {segments} changed"]
    assert status["page"] and not status["page"][0].startswith("output")

    # prose changes: the page is re-assembled, nothing re-executed
    nb = nbformat.read(str(project["nbs"] / "01_book.ipynb"), as_version=4)
    nb.cells[-1].source = "The end, reworded."
    nbformat.write(nb, str(project["nbs"] / "01_book.ipynb"))
    status = _status(project)
    assert status["notebook 01_book"] == []
    assert _executed(_render(project)) == ["02_segments"]
    assert "The end, reworded." in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "tables" / "segments.csv").read_text() == "rows\n2\n"
    assert all(not reasons for reasons in _status(project).values())

    # a cached render and a render from scratch give the same bytes
    _render(project, project["scratch"], cache=False)
    assert _files(out) == _files(project["scratch"])

    # an output altered by hand is stale and is rebuilt from its notebook
    (out / "tables" / "book.csv").write_text("codes\n99\n", encoding="utf-8")
    assert _status(project)["notebook 01_book"] == ["output tables/book.csv was altered"]
    assert _executed(_render(project)) == ["01_book"]
    assert _files(out) == _files(project["scratch"])


@pytest.mark.slow
def test_status_and_verify_commands(project: dict[str, Path], monkeypatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import synth.paths
    from synth.cli import main

    monkeypatch.setattr(synth.paths, "notebooks_dir", lambda root=None: project["nbs"])
    data, out = str(project["data"]), str(project["out"])
    assert main(["status", "--data", data, "--out", out]) == 1  # never rendered there
    assert "no build record" in capsys.readouterr().out
    assert main(["report", "--data", data, "--out", out, "--no-manuscript", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["status", "--data", data, "--out", out]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 of 3 up to date"  # two notebooks and the page
    assert main(["report", "--data", data, "--out", out, "--no-manuscript"]) == 0
    assert capsys.readouterr().err.startswith("up to date")

    assert main(["verify", "--data", data, "--out", out, "--jobs", "1"]) == 0
    assert capsys.readouterr().out.startswith("verified: all ")
    table = project["out"] / "tables" / "segments.csv"
    table.write_text("rows\n3\n", encoding="utf-8")
    assert main(["verify", "--data", data, "--out", out, "--jobs", "1"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("differs: tables/segments.csv") and len(lines) == 2
    assert not [p for p in project["out"].parent.iterdir() if p.name != "report"]  # cleaned up

    assert main(["status", "--data", data, "--out", out]) == 1
    assert "output tables/segments.csv was altered" in capsys.readouterr().out
    shutil.rmtree(project["out"] / ".cache")
    assert main(["status", "--data", data, "--out", out]) == 1
