"""No command destroys what it did not write.

Every case ends in exit 0 with the outputs where they were asked for, or exit 2 with one line on
stderr; after a refusal or a failure the data folder, any folder synth did not write and the
previous outputs are byte-identical.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import BASE_CODEBOOK, BASE_PARTICIPANTS, BASE_SEGMENTS
from synth._atomic import MARKER
from synth.cli import main

#: Every command that writes an output folder, with its arguments ({data}, {out}).
FOLDER_COMMANDS = {
    "analyse": ["analyse", "--data", "{data}", "--out", "{out}"],
    "figures": ["figures", "--data", "{data}", "--out", "{out}"],
    "tables": ["tables", "--data", "{data}", "--out", "{out}"],
    "audit": ["audit", "--data", "{data}", "--out", "{out}"],
    "manuscript": ["manuscript", "--data", "{data}", "--out", "{out}", "--no-pdf", "--jobs", "1"],
    "report": ["report", "--data", "{data}", "--out", "{out}"],
    "reconstruct": ["reconstruct", "--out", "{out}"],
    "import-qdpx": ["import-qdpx", "{project}", "--out", "{out}"],
}
#: Every command that writes one file.
FILE_COMMANDS = {
    "export-qdpx": ["export-qdpx", "--data", "{data}", "--out-file", "{out}"],
    "export-sav": ["export-sav", "--data", "{data}", "--out-file", "{out}"],
}


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "coded_segments.csv").write_text(BASE_SEGMENTS)
    (folder / "codebook.csv").write_text(BASE_CODEBOOK)
    (folder / "participants.csv").write_text(BASE_PARTICIPANTS)
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A small REFI-QDA project (synth's own export of the base dataset)."""
    base = tmp_path_factory.mktemp("project")
    (base / "data").mkdir()
    (base / "data" / "coded_segments.csv").write_text(BASE_SEGMENTS)
    (base / "data" / "codebook.csv").write_text(BASE_CODEBOOK)
    (base / "data" / "participants.csv").write_text(BASE_PARTICIPANTS)
    out = base / "p.qdpx"
    assert main(["export-qdpx", "--data", str(base / "data"), "--out-file", str(out)]) == 0
    return out


def run(argv: list[str], data: Path, out: Path, project: Path | None = None) -> int:
    return main([a.format(data=data, out=out, project=project) for a in argv])


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    last = err.splitlines()[-1] if err else ""
    assert "Traceback" not in err
    assert last.startswith("synth ") and ": error: " in last, err
    return last


# --- folders synth did not write -----------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_a_folder_synth_did_not_write_is_refused(command, data, project, tmp_path, capsys):
    mine = tmp_path / "reports-mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes\n")
    (mine / "draft.docx").write_bytes(b"\x00draft")
    before = tree(mine)
    assert run(FOLDER_COMMANDS[command], data, mine, project) == 2
    line = one_line(capsys)
    assert "reports-mine/ holds files synth did not write (draft.docx, notes.txt)" in line
    assert "choose an empty or new folder" in line
    assert tree(mine) == before


@pytest.mark.parametrize("command", ["analyse", "figures", "tables", "audit", "import-qdpx"])
def test_absent_empty_and_synth_written_folders_are_written(command, data, project, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    ok = 1 if command == "audit" else 0  # the base data are not the paper's: findings
    for out in (tmp_path / "new" / "nested", empty):
        assert run(FOLDER_COMMANDS[command], data, out, project) == ok
        assert (out / MARKER).is_file()
        assert f"synth {command}" in (out / MARKER).read_text()
    # a second run replaces (or updates) what the first wrote
    assert run(FOLDER_COMMANDS[command], data, empty, project) == ok


# --- never into the inputs -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["analyse", "figures", "tables", "audit", "manuscript", "report"])
@pytest.mark.parametrize("where", ["data", "parent", "inside"])
def test_out_may_not_be_contain_or_sit_inside_the_data(command, where, data, tmp_path, capsys):
    out = {"data": data, "parent": data.parent, "inside": data / "results"}[where]
    (tmp_path / "other.txt").write_text("beside the data\n")
    before = tree(tmp_path)
    assert run(FOLDER_COMMANDS[command], data, out, None) == 2
    line = one_line(capsys)
    assert "refusing to write into" in line and "input" in line
    assert tree(tmp_path) == before


@pytest.mark.parametrize("out", [".", "data", "data/raw/figs", "..", "src"])
def test_out_in_the_compendium_itself_is_refused(out, root, capsys, monkeypatch):
    """``--out .`` from the top folder (today: a Device or resource busy traceback), ``data``
    (holds data/raw), the repository's parent (holds the repository) are refused; ``src``
    holds files synth did not write."""
    monkeypatch.chdir(root)
    before = tree(root / "data" / "raw")
    assert main(["tables", "--out", out]) == 2
    line = one_line(capsys)
    assert "refusing to write into" in line or "holds files synth did not write" in line
    assert tree(root / "data" / "raw") == before
    assert (root / "src" / "synth" / "__init__.py").is_file()


# --- what a killed run left, and two runs at once ---------------------------------------------------


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next_run(data, tmp_path):
    out = tmp_path / "tables"
    stale_tmp = tmp_path / ".tables.tmp-k1ll3d"
    stale_old = tmp_path / f".tables.old-{os.getpid() + 1}"
    for stale in (stale_tmp, stale_old):
        stale.mkdir()
        (stale / "table1.csv").write_text("half-written\n")
    (tmp_path / ".figures.tmp-other").mkdir()  # another target's: not this command's to remove
    assert run(FOLDER_COMMANDS["tables"], data, out) == 0
    assert not stale_tmp.exists() and not stale_old.exists()
    assert (tmp_path / ".figures.tmp-other").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".figures.tmp-other", "data", "tables"
    ]


def test_a_second_run_on_the_same_out_refuses_while_the_first_holds_it(data, tmp_path, capsys):
    out = tmp_path / "tables"
    assert run(FOLDER_COMMANDS["tables"], data, out) == 0
    before = tree(out)
    with open(tmp_path / ".tables.lock", "a+") as held:  # what a running command holds
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert run(FOLDER_COMMANDS["tables"], data, out) == 2
        assert "another synth command is writing" in one_line(capsys)
    assert tree(out) == before
    assert run(FOLDER_COMMANDS["tables"], data, out) == 0  # free again


# --- the operating system says no -------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS) + sorted(FILE_COMMANDS))
def test_a_path_under_proc_is_one_line(command, data, project, capsys):
    argv = {**FOLDER_COMMANDS, **FILE_COMMANDS}[command]
    assert run(argv, data, Path("/proc/synth-out/x"), project) == 2
    assert "cannot write /proc/synth-out/x" in one_line(capsys)


# every command once; a full disk and a read-only file system alternate (both go the same way)
_FAILURES = [
    (command, (errno.ENOSPC, errno.EROFS)[i % 2])
    for i, command in enumerate(sorted(FOLDER_COMMANDS) + sorted(FILE_COMMANDS))
]


@pytest.mark.parametrize(("command", "failure"), _FAILURES)
def test_a_full_disk_or_read_only_location_leaves_the_previous_output(
    command, failure, data, project, tmp_path, capsys, monkeypatch
):
    """The last step of every write, moving the new output into place, fails as a full disk or
    a read-only file system would make it (as root, permissions cannot make a folder read-only,
    so the failure is injected)."""
    argv = {**FOLDER_COMMANDS, **FILE_COMMANDS}[command]
    out = tmp_path / ("out.bin" if command in FILE_COMMANDS else "out")
    if command == "export-qdpx":
        shutil.copy(project, out)  # an earlier export
    elif command == "export-sav":
        assert main(["export-sav", "--data", str(data), "--out-file", str(out)]) == 0
    else:
        out.mkdir()
        (out / MARKER).write_text("written by an earlier run\n")
        (out / "previous.csv").write_text("kept\n")
    before = tree(out) if out.is_dir() else out.read_bytes()
    real_replace = os.replace
    failed: list[str] = []

    def refusing(src, dst, *args, **kwargs):
        if Path(dst).resolve() == out.resolve() and Path(src).name.startswith(f".{out.name}.tmp-"):
            failed.append(str(dst))
            raise OSError(failure, os.strerror(failure), str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refusing)
    assert run(argv, data, out, project) == 2
    assert failed == [str(out)]
    line = one_line(capsys)
    assert f"cannot write {out}" in line and "left as it was" in line
    assert (tree(out) if out.is_dir() else out.read_bytes()) == before
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


# --- single files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_file_synth_did_not_write_is_not_replaced(command, data, tmp_path, capsys):
    out = tmp_path / "theirs.bin"
    out.write_bytes(b"PK\x03\x04 an NVivo project, or an SPSS file, of the analyst's")
    assert run(FILE_COMMANDS[command], data, out) == 2
    assert "exists and synth did not write it" in one_line(capsys)
    assert out.read_bytes().startswith(b"PK\x03\x04 an NVivo")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert run(FILE_COMMANDS[command], data, folder) == 2
    assert "is not a regular file" in one_line(capsys)


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_an_earlier_export_is_replaced_and_the_data_folder_is_refused(
    command, data, tmp_path, capsys
):
    out = tmp_path / "study.out"
    assert run(FILE_COMMANDS[command], data, out) == 0
    assert run(FILE_COMMANDS[command], data, out) == 0  # synth's own file: replaced
    before = tree(data)
    assert run(FILE_COMMANDS[command], data, data / "inside.out") == 2
    assert "inside the input folder" in one_line(capsys)
    assert tree(data) == before
