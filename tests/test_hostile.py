"""Hostile files are refused with the one-line error, exit 2 and no output.

Every hostile file is crafted here at run time in ``tmp_path``, so none sits in the repository.
The starting point is a valid ``.qdpx`` written by :func:`synth.qdpx.export_qdpx` from a tiny
dataset; a control test shows ``synth import-qdpx`` accepts it, and each hostile variant changes
one thing. These tests are independent of the defences in ``synth._qdpx.archive``: they only use
the command line (or :func:`synth.cli.main` where a size cap must be made small) and look at exit
code, stderr and the file system.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import synth._qdpx.archive as archive
import synth.io
from synth.cli import main
from synth.io import CodedData
from synth.qdpx import export_qdpx

SECRET = "SECRET-b1e9c0de-do-not-leak"

SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["S1", "S1", "S2", "S3"],
        "focus_group": ["FG1", "FG1", "FG1", "FG2"],
        "question": [1, 1, 2, 1],
        "participant_id": ["P1", "P1", "P2", "P3"],
        "code_id": ["C1", "C2", "C1", "C3"],
        "text": ["We already had an established programme.", "We already had an established programme.", "", ""],
    }
)
CODEBOOK = pd.DataFrame(
    {
        "code_id": ["C1", "C2", "C3"],
        "subtheme": ["Surveys", "Financial bureaucracy", "Crisis care"],
        "theme": ["Research evidence", "Funding", "Health service and integrated care systems"],
        "valence": ["success", "challenge", "challenge"],
    }
)


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture()
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


@pytest.fixture()
def valid_qdpx(tmp_path: Path) -> Path:
    return export_qdpx(CodedData.from_frames(SEGMENTS, CODEBOOK), tmp_path / "valid.qdpx")


def members(qdpx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(qdpx) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def repack(path: Path, items: dict[str, bytes] | list[tuple[str, bytes]],
           compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write a zip whose member names are taken literally (no sanitising)."""
    pairs = list(items.items()) if isinstance(items, dict) else list(items)
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in pairs:
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                        compress_type=compression)
    with zipfile.ZipFile(path) as zf:  # the names really are what we asked for
        assert [i.filename for i in zf.infolist()] == [n for n, _ in pairs]
    return path


def set_declared_size(path: Path, member: str, size: int) -> None:
    """Overwrite the uncompressed size a zip declares for ``member`` (local and central headers)."""
    raw = bytearray(path.read_bytes())
    name = member.encode()
    # central directory entries: signature, then uncompressed size at offset 24, name at 46
    for match in re.finditer(rb"PK\x01\x02", raw):
        start = match.start()
        n = struct.unpack_from("<H", raw, start + 28)[0]
        if raw[start + 46 : start + 46 + n] == name:
            struct.pack_into("<I", raw, start + 24, size)
    # local headers: uncompressed size at offset 22, name at 30
    for match in re.finditer(rb"PK\x03\x04", raw):
        start = match.start()
        n = struct.unpack_from("<H", raw, start + 26)[0]
        if raw[start + 30 : start + 30 + n] == name:
            struct.pack_into("<I", raw, start + 22, size)
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(member).file_size == size


def run_cli(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *argv],
        capture_output=True, text=True, cwd=cwd, timeout=120,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )


def assert_refused(code: int, stdout: str, stderr: str, outs: Path, phrase: str) -> None:
    """Exit 2, one line on stderr matching ``phrase``, no traceback, nothing in ``outs``."""
    if os.environ.get("SYNTH_SHOW_REFUSALS"):
        print("REFUSAL:", stderr.strip())
    assert "Traceback" not in stderr, stderr
    assert code == 2, f"exit {code}: {stderr!r}"
    assert len(stderr.splitlines()) == 1, f"not one line: {stderr!r}"
    assert stderr.startswith("synth import-qdpx: error: "), stderr
    assert re.search(phrase, stderr, flags=re.IGNORECASE), f"expected {phrase!r} in {stderr!r}"
    assert SECRET not in stdout + stderr
    assert sorted(os.listdir(outs)) == [], f"left outputs: {sorted(os.listdir(outs))}"


def import_subprocess(qdpx: Path, tmp_path: Path, phrase: str) -> None:
    outs = tmp_path / "outs"
    outs.mkdir()
    res = run_cli(["import-qdpx", str(qdpx), "--out", str(outs / "imported")], tmp_path)
    assert_refused(res.returncode, res.stdout, res.stderr, outs, phrase)


def files_containing(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and path.name != "secret.txt" and needle.encode() in path.read_bytes():
            hits.append(path)
    return hits


# --- control ---------------------------------------------------------------------------------


def test_the_untouched_export_imports(valid_qdpx, tmp_path):
    res = run_cli(["import-qdpx", str(valid_qdpx), "--out", str(tmp_path / "imported")], tmp_path)
    assert res.returncode == 0, res.stderr
    seg = pd.read_csv(tmp_path / "imported" / "coded_segments.csv", dtype=str)
    # the export also codes each paragraph to its "Questions > Question N" code
    theme_codings = seg[~seg["code_path"].str.startswith("Questions")]
    assert len(theme_codings) == len(SEGMENTS)


# --- XML ---------------------------------------------------------------------------------------


def _with_doctype(xml: bytes, doctype: str, name: str) -> bytes:
    head, rest = xml.split(b"?>", 1)
    rest = rest.replace(b'name="synth"', f'name="{name}"'.encode(), 1)
    return head + b"?>\n" + doctype.encode() + rest


@pytest.mark.parametrize("container", ["qdpx", "qde"])
def test_xml_external_entity_cannot_read_a_local_file(container, valid_qdpx, secret_file, tmp_path):
    parts = members(valid_qdpx)
    doctype = f'<!DOCTYPE Project [ <!ENTITY xxe SYSTEM "file://{secret_file}"> ]>'
    parts["project.qde"] = _with_doctype(parts["project.qde"], doctype, "&xxe;")
    if container == "qdpx":
        hostile = repack(tmp_path / "xxe.qdpx", parts)
    else:
        hostile = tmp_path / "xxe.qde"
        hostile.write_bytes(parts["project.qde"])
    import_subprocess(hostile, tmp_path, r"DTD|entit")
    assert files_containing(tmp_path, SECRET) == []


def test_external_dtd_is_not_fetched(valid_qdpx, secret_file, tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "file://{secret_file}">\n')
    parts = members(valid_qdpx)
    parts["project.qde"] = _with_doctype(
        parts["project.qde"], f'<!DOCTYPE Project SYSTEM "file://{dtd}">', "&leak;"
    )
    import_subprocess(repack(tmp_path / "dtd.qdpx", parts), tmp_path, r"DTD|entit")


def test_entity_expansion_bomb_is_refused(valid_qdpx, tmp_path):
    # "billion laughs": 10 levels of 10 references expand one "lol" into 10**9 copies
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    doctype = "<!DOCTYPE Project [ " + " ".join(levels) + " ]>"
    parts = members(valid_qdpx)
    parts["project.qde"] = _with_doctype(parts["project.qde"], doctype, "&lol9;")
    import_subprocess(repack(tmp_path / "bomb.qdpx", parts), tmp_path, r"DTD|entit")


# --- zip paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "evil",
    ["../escaped.txt", "sources/../../escaped.txt", "/tmp/escaped-absolute.txt", "..\\escaped.txt",
     "C:/escaped.txt"],
)
def test_member_paths_leaving_the_archive_are_refused(evil, valid_qdpx, tmp_path):
    parts = list(members(valid_qdpx).items()) + [(evil, b"payload\n")]
    hostile = repack(tmp_path / "slip.qdpx", parts)
    import_subprocess(hostile, tmp_path, r"leave|outside|path")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.parametrize("scheme", ["internal://../../secret.txt", "file://{secret}", "relative://{secret}",
                                    "absolute://{secret}"])
def test_source_paths_outside_the_archive_are_never_read(scheme, valid_qdpx, secret_file, tmp_path):
    parts = members(valid_qdpx)
    xml = parts["project.qde"].decode()
    target = scheme.format(secret=secret_file)
    xml, n = re.subn(r'plainTextPath="internal://[^"]+"', f'plainTextPath="{target}"', xml)
    assert n == 2
    parts["project.qde"] = xml.encode()
    hostile = repack(tmp_path / "paths.qdpx", parts)
    outs = tmp_path / "outs"
    outs.mkdir()
    res = run_cli(["import-qdpx", str(hostile), "--out", str(outs / "imported")], tmp_path)
    # refusing the project or importing it without the text are both safe; leaking is not
    assert "Traceback" not in res.stderr
    assert res.returncode in (0, 2), res.stderr
    assert SECRET not in res.stdout + res.stderr
    assert files_containing(outs, SECRET) == []
    if res.returncode == 2:
        assert len(res.stderr.splitlines()) == 1 and os.listdir(outs) == []


# --- sizes -------------------------------------------------------------------------------------


def test_declared_huge_uncompressed_size_is_refused_before_reading(valid_qdpx, tmp_path):
    hostile = repack(tmp_path / "declared.qdpx", members(valid_qdpx))
    set_declared_size(hostile, "project.qde", 0xF0000000)  # 4 GB declared, a few KB stored
    import_subprocess(hostile, tmp_path, r"declares|limit|expands")


def test_highly_compressible_member_is_refused(valid_qdpx, tmp_path):
    # 20 MB of zeros deflate to about 20 KB: a ratio no real source text has
    parts = members(valid_qdpx)
    source = next(n for n in parts if n.startswith("sources/"))
    parts[source] = b"\0" * (20 * 1024**2)
    hostile = repack(tmp_path / "ratio.qdpx", parts)
    assert hostile.stat().st_size < 200 * 1024
    import_subprocess(hostile, tmp_path, r"bomb|expands|limit")


def test_member_inflating_past_its_declared_size_is_refused(valid_qdpx, tmp_path):
    # the archive lies: it declares 1,000 bytes but the data inflate to 8 MB
    parts = members(valid_qdpx)
    source = next(n for n in parts if n.startswith("sources/"))
    parts[source] = b"A" * (8 * 1024**2)
    hostile = repack(tmp_path / "liar.qdpx", parts)
    set_declared_size(hostile, source, 1000)
    import_subprocess(hostile, tmp_path, r"expands|declared|corrupt|CRC")


def test_oversized_input_file_is_refused_before_reading(tmp_path):
    # a sparse file: 600 MB by its size, no disk blocks; above the 512 MB default cap
    big = tmp_path / "huge.qdpx"
    with open(big, "wb") as fh:
        fh.truncate(600 * 1024**2)
    assert big.stat().st_size > archive.Limits().max_file
    import_subprocess(big, tmp_path, r"larger than the limit")


def test_size_cap_applies_to_a_valid_project(valid_qdpx, tmp_path, monkeypatch, capsys):
    """With the cap made small, the same valid file that imports above is refused."""
    small = type("SmallLimits", (archive.Limits,), {})
    monkeypatch.setattr(archive, "Limits", lambda: small(max_file=1000))
    outs = tmp_path / "outs"
    outs.mkdir()
    assert valid_qdpx.stat().st_size > 1000
    code = main(["import-qdpx", str(valid_qdpx), "--out", str(outs / "imported")])
    captured = capsys.readouterr()
    assert_refused(code, captured.out, captured.err, outs, r"larger than the limit \(1,000\)")


# --- oversized CSV for validate ----------------------------------------------------------------


def test_validate_refuses_an_oversized_csv(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    SEGMENTS.to_csv(data / "coded_segments.csv", index=False)
    CODEBOOK.to_csv(data / "codebook.csv", index=False)
    assert main(["validate", "--data", str(data)]) == 0  # accepted at the default cap
    capsys.readouterr()
    monkeypatch.setattr(synth.io, "MAX_INPUT_BYTES", 100)
    code = main(["validate", "--data", str(data)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert re.search(r"coded_segments\.csv: file is [\d,]+ bytes, over the limit of 100", err), err
