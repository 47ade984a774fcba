"""The command line's error contract: one line without ``--debug``, the traceback with it; usage
errors exit 2; a run that fails halfway or is interrupted (Ctrl-C) leaves the previous outputs
exactly as they were and exits 130 on an interrupt.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import BASE_CODEBOOK, BASE_PARTICIPANTS, BASE_SEGMENTS
from synth import DataError
from synth.cli import main


def write_data(folder: Path, segments: str = BASE_SEGMENTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coded_segments.csv").write_text(segments)
    (folder / "codebook.csv").write_text(BASE_CODEBOOK)
    (folder / "participants.csv").write_text(BASE_PARTICIPANTS)
    return folder


def previous_outputs(folder: Path) -> Path:
    """An output folder as an earlier run might have left it."""
    (folder / "sub").mkdir(parents=True)
    (folder / "report.html").write_text("<p>the previous report</p>\n")
    (folder / "sub" / "table.csv").write_text("a,b\n1,2\n")
    (folder / "keep.txt").write_bytes(b"\x00\x01previous")
    return folder


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "synth.cli", *argv], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=dict(os.environ, MPLBACKEND="Agg"))


# --- one line, or the traceback with --debug ----------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "error", "message"),
    [
        (["validate", "--data", "{tmp}/nowhere"], "DataError", "nowhere: data folder not found"),
        (["validate", "--data", "{tmp}/bad"], "DataError",
         "coded_segments.csv: column 'code_id': code_id not in the codebook: 'C7' (first in "
         "coded_segments.csv row 6) is not a code_id of codebook.csv (1 row: 6)"),
        (["import-qdpx", "{tmp}/not-a-project.qdpx", "--out", "{tmp}/out"], "DataError",
         "neither a .qdpx archive (zip) nor a .qde file (XML)"),
    ],
)
def test_one_line_without_debug_and_the_traceback_with_it(argv, error, message, tmp_path):
    write_data(tmp_path / "bad", BASE_SEGMENTS.replace("P4,C2", "P4,C7"))
    (tmp_path / "not-a-project.qdpx").write_text("just text\n")
    argv = [a.format(tmp=tmp_path) for a in argv]

    plain = run(argv, tmp_path)
    assert plain.returncode == 2
    assert plain.stderr.count("\n") == 1 and plain.stderr.endswith("\n")
    assert plain.stderr.startswith(f"synth {argv[0]}: error: ")
    assert message in plain.stderr
    assert "Traceback" not in plain.stderr

    debug = run(["--debug", *argv], tmp_path)
    assert debug.returncode not in (0, 2)
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert f"synth._exceptions.{error}: " in debug.stderr
    assert message in debug.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2_without_a_traceback(tmp_path):
    res = run(["figures", "--data", "."], tmp_path)
    assert res.returncode == 2
    assert "the following arguments are required: --out" in res.stderr
    assert "Traceback" not in res.stderr
    res = run(["tables", "--data", ".", "--out", "x", "--unit", "words"], tmp_path)
    assert res.returncode == 2 and "invalid choice: 'words'" in res.stderr
    assert not (tmp_path / "x").exists()


# --- a run failing halfway leaves the previous outputs -----------------------------------------


def _fail_after_one_file(name: str):
    def writer(_result, folder, *args, **kwargs):
        Path(folder, name).write_text("half-written\n")
        raise DataError("simulated failure halfway through writing", path=Path(folder, name))

    return writer


@pytest.mark.parametrize(
    ("command", "module", "writer", "argv"),
    [
        ("tables", "synth.tables", "write_tables", ["tables", "--data", "{data}", "--out", "{out}"]),
        ("figures", "synth.plots", "write_figures", ["figures", "--data", "{data}", "--out", "{out}"]),
        ("analyse", "synth.analysis", "write_analysis",
         ["analyse", "--segments", "{data}/coded_segments.csv", "--codebook", "{data}/codebook.csv",
          "--out", "{out}"]),
    ],
)
def test_failure_halfway_leaves_previous_outputs(command, module, writer, argv, tmp_path, monkeypatch, capsys):
    data = write_data(tmp_path / "data")
    out = previous_outputs(tmp_path / "out")
    before = tree_hash(out)
    monkeypatch.setattr(importlib.import_module(module), writer, _fail_after_one_file("report.html"))
    code = main([a.format(data=data, out=out) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    # progress lines may come first; the error itself is the last line, and one line
    assert err.endswith("\n")
    assert err.splitlines()[-1].startswith(f"synth {command}: error: ")
    assert "simulated failure halfway" in err.splitlines()[-1]
    assert tree_hash(out) == before
    assert (out / "report.html").read_text() == "<p>the previous report</p>\n"
    assert leftovers(tmp_path) == []


# --- Ctrl-C --------------------------------------------------------------------------------------


def _lines(stream, sink: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        sink.put(line)
    sink.put(None)


@pytest.mark.parametrize(
    ("argv", "hold"),
    [
        # a notebook has finished and the other worker's notebook is running
        (["report", "--data", "{data}", "--out", "{out}", "--jobs", "2"], "report-notebook-done"),
        # every figure is written into the temporary folder, nothing is in place yet
        (["figures", "--data", "{data}", "--out", "{out}"], "atomic-dir"),
    ],
    ids=["report", "figures"],
)
def test_ctrl_c_exits_130_and_leaves_previous_outputs(argv, hold, tmp_path):
    """The command pauses at a known point of its work (``SYNTH_TEST_HOLD``) and says so; only
    then does the test press Ctrl-C, so the interrupt always lands mid-run."""
    data = write_data(tmp_path / "data")
    out = previous_outputs(tmp_path / "out")
    before = tree_hash(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "synth.cli", *[a.format(data=data, out=out) for a in argv]],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env=dict(os.environ, MPLBACKEND="Agg", SYNTH_TEST_HOLD=hold), start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
    seen: list[str] = []
    try:
        while True:  # wait until the command reports that it holds mid-run
            line = lines.get(timeout=300)
            if line is None:
                pytest.fail(f"the command ended before it reached {hold}: {''.join(seen)}")
            seen.append(line)
            if line.startswith(f"synth-test-hold: {hold}"):
                break
        # a terminal's Ctrl-C goes to the whole foreground process group (kernels included)
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    while (line := lines.get(timeout=10)) is not None:
        seen.append(line)
    stderr = "".join(seen)
    assert code == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert tree_hash(out) == before
    assert leftovers(tmp_path) == []
