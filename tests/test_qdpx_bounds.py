"""Hostile REFI-QDA files, bounded: quoted text, nesting, positions, letter case, and a location
that cannot be written. Each file is built here; each case ends in one line on stderr (exit 2, no
traceback) or a named warning, and leaves earlier outputs as they were."""

from __future__ import annotations

import errno
import os
import pathlib
import resource
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from synth.cli import main
from synth.io import CodedData
from synth.qdpx import export_qdpx

NS = "urn:QDA-XML:project:1.0"
CODE = "11111111-1111-1111-1111-111111111111"
SRC = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"


def _project(body: str, codes: str | None = None) -> str:
    codes = codes if codes is not None else f'<Code guid="{CODE}" name="A" isCodable="true"/>'
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="t" origin="X">'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{body}</Sources></Project>"
    )


def _selection(n: int, start: object, end: object) -> str:
    return (
        f'<PlainTextSelection guid="00000000-0000-0000-0000-{n:012d}" startPosition="{start}" '
        f'endPosition="{end}"><Coding guid="00000000-0000-0000-0001-{n:012d}">'
        f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>'
    )


def _source(selections: str) -> str:
    return f'<TextSource guid="{SRC}" name="FG1" plainTextPath="internal://{SRC}.txt">{selections}</TextSource>'


def _qdpx(path: Path, qde: str, members: dict[str, bytes] | None = None, name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, qde.encode("utf-8"))
        for member, payload in (members or {}).items():
            zf.writestr(member, payload)
    return path


def _refused(argv: list[str], capsys, phrase: str) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert phrase in err, err


def _import_refused(path: Path, tmp_path: Path, capsys, phrase: str) -> None:
    out = tmp_path / "out"
    _refused(["import-qdpx", str(path), "--out", str(out)], capsys, phrase)
    assert not out.exists()


# --- quoted text -----------------------------------------------------------------------------


def test_overlapping_selections_of_a_large_source_are_refused_in_bounded_memory(tmp_path, capsys):
    text = ("word " * (1024**2 // 5)).encode()  # about 1 MiB
    n = len(text)
    body = _source("".join(_selection(k, 0, n - k) for k in range(5000)))
    path = _qdpx(tmp_path / "overlap.qdpx", _project(body), {f"sources/{SRC}.txt": text})
    assert path.stat().st_size < 200 * 1024  # a small file...
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    # ...that would quote 5,000 x 1 MiB: refused once the quoted text passes 64 Mi characters
    _import_refused(path, tmp_path, capsys, "select more than 67,108,864 characters of text in all")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, grown_mib
    assert time.process_time() - started < 30


def test_the_quoted_text_of_a_real_sized_project_is_far_below_the_cap(tmp_path, capsys):
    # 300 codings over 100 kB, as in the NVivo fixtures, import as usual
    text = ("word " * 20_000).encode()
    body = _source("".join(_selection(k, 5 * k, 5 * k + 4) for k in range(300)))
    path = _qdpx(tmp_path / "ok.qdpx", _project(body), {f"sources/{SRC}.txt": text})
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "out")]) == 0
    seg = pd.read_csv(tmp_path / "out" / "coded_segments.csv", keep_default_na=False)
    assert len(seg) == 300 and set(seg["text"]) == {"word"}


# --- nesting ---------------------------------------------------------------------------------


def test_codes_nested_100000_levels_are_refused(tmp_path, capsys):
    deep = '<Code guid="22222222-2222-2222-2222-222222222222" name="x" isCodable="true">' * 100_000
    codes = deep + "</Code>" * 100_000
    path = tmp_path / "deep.qde"  # a bare project file: as a zip it would look like a zip bomb
    path.write_text(_project("", codes))
    _import_refused(path, tmp_path, capsys, "codes nest more than 64 levels deep")


def test_selections_nested_100000_levels_are_refused(tmp_path, capsys):
    inner = "<TextDescription guid=\"33333333-3333-3333-3333-333333333333\">" * 100_000
    body = (
        '<PictureSource guid="44444444-4444-4444-4444-444444444444" name="photo" path="internal://p.png">'
        + inner
        + "</TextDescription>" * 100_000
        + "</PictureSource>"
    )
    path = tmp_path / "deep.qde"
    path.write_text(_project(body))
    _import_refused(path, tmp_path, capsys, "nest more than 64 levels deep")


def test_a_real_nesting_depth_imports(tmp_path):
    codes = ('<Code guid="{}" name="level" isCodable="true">' * 10).format(
        *[f"55555555-5555-5555-5555-{k:012d}" for k in range(10)]
    ) + "</Code>" * 10
    path = _qdpx(tmp_path / "ten.qdpx", _project("", codes))
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "out")]) == 0
    assert len(pd.read_csv(tmp_path / "out" / "code_tree.csv")) == 10


# --- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "phrase"),
    [
        (-3, 4, "startPosition -3 is negative"),
        (0, -1, "endPosition -1 is negative"),
        (5, 2, "startPosition 5 is after endPosition 2"),
        (0, 2**63, "endPosition '9223372036854775808' is beyond 2**63"),
        (2**70, 2**71, "startPosition '1180591620717411303424' is beyond 2**63"),
        ("x1", 4, "startPosition 'x1' is not an integer"),
        ("", 4, "startPosition '' is not an integer"),
    ],
)
def test_impossible_positions_are_one_line_errors(tmp_path, capsys, start, end, phrase):
    path = _qdpx(
        tmp_path / "pos.qdpx", _project(_source(_selection(1, start, end))), {f"sources/{SRC}.txt": b"hello world"}
    )
    _import_refused(path, tmp_path, capsys, phrase)


def test_positions_past_the_end_of_the_text_are_a_named_warning(tmp_path, capsys):
    body = _source(_selection(1, 6, 11) + _selection(2, 6, 400) + _selection(3, 900, 1000))
    path = _qdpx(tmp_path / "past.qdpx", _project(body), {f"sources/{SRC}.txt": b"hello world"})
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: past.qdpx: 2 selection(s) end past the end of their text (first: "
        "'00000000-0000-0000-0000-000000000002', endPosition 400, text length 11 codepoints); "
        "their text is cut at the end of the source" in err
    )
    seg = pd.read_csv(tmp_path / "out" / "coded_segments.csv", keep_default_na=False)
    # the positions are kept as written; the text is what the source holds
    assert list(seg["end"]) == [11, 400, 1000]
    assert list(seg["text"]) == ["world", "world", ""]


# --- letter case -----------------------------------------------------------------------------


def test_two_project_files_differing_only_by_case_are_refused(tmp_path, capsys):
    path = tmp_path / "twice.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", _project(""))
        zf.writestr("Project.qde", _project("").replace('name="t"', 'name="other"'))
    _import_refused(path, tmp_path, capsys, "differ only by letter case; refusing to pick one")


def test_two_sources_differing_only_by_case_are_refused(tmp_path, capsys):
    path = _qdpx(
        tmp_path / "twice.qdpx",
        _project(_source(_selection(1, 0, 5))),
        {f"sources/{SRC}.txt": b"hello", f"Sources/{SRC}.txt": b"other"},
    )
    _import_refused(path, tmp_path, capsys, "differ only by letter case")


# --- writing fails ---------------------------------------------------------------------------


@pytest.fixture()
def study() -> CodedData:
    seg = pd.DataFrame(
        {"segment_id": ["S1"], "focus_group": ["FG1"], "question": [1], "participant_id": ["P1"], "code_id": ["C1"]}
    )
    book = pd.DataFrame({"code_id": ["C1"], "subtheme": ["Surveys"], "theme": ["Research"], "valence": ["success"]})
    return CodedData.from_frames(seg, book)


def _full_disk(self, data, *args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _read_only(*args, **kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


@pytest.mark.parametrize("failure", ["full disk", "read-only"])
def test_export_to_a_location_that_cannot_be_written(tmp_path, capsys, monkeypatch, study, failure):
    data = tmp_path / "data"
    data.mkdir()
    study.segments.to_csv(data / "coded_segments.csv", index=False)
    study.codebook.to_csv(data / "codebook.csv", index=False)
    out = tmp_path / "study.qdpx"
    out.write_bytes(b"the previous export")
    if failure == "full disk":
        monkeypatch.setattr(pathlib.Path, "write_bytes", _full_disk)
        phrase = "No space left on device; nothing was written"
    else:
        monkeypatch.setattr(tempfile, "mkstemp", _read_only)
        phrase = "Read-only file system; nothing was written"
    _refused(["export-qdpx", "--data", str(data), "--out-file", str(out)], capsys, phrase)
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "study.qdpx"]


@pytest.mark.parametrize("failure", ["full disk", "read-only"])
def test_import_to_a_location_that_cannot_be_written(tmp_path, capsys, monkeypatch, study, failure):
    project = export_qdpx(study, tmp_path / "study.qdpx")
    out = tmp_path / "imported"
    out.mkdir()
    (out / "coded_segments.csv").write_text("the previous import\n")
    if failure == "full disk":
        monkeypatch.setattr(pathlib.Path, "write_bytes", _full_disk)
        phrase = "No space left on device; its previous content was left as it was"
    else:
        monkeypatch.setattr(tempfile, "mkdtemp", _read_only)
        phrase = "Read-only file system; its previous content was left as it was"
    _refused(["import-qdpx", str(project), "--out", str(out)], capsys, phrase)
    assert [p.name for p in out.iterdir()] == ["coded_segments.csv"]
    assert (out / "coded_segments.csv").read_text() == "the previous import\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imported", "study.qdpx"]
