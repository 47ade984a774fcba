"""data/raw/SHA256SUMS: written in sha256sum format, verified, and a changed byte detected."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from synth import ChecksumError
from synth.checksums import compute_sums, read_sums, verify_sums, write_sums


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    base = tmp_path / "raw"
    (base / "published").mkdir(parents=True)
    (base / "b.csv").write_bytes(b"x,y\n1,2\n")
    (base / "a.csv").write_bytes(b"hello\n")
    (base / "published" / "claims.csv").write_bytes(b"claim\n")
    (base / "identifiers.txt").write_bytes(b"never listed\n")
    return base


def test_write_sums_is_sha256sum_format(folder: Path) -> None:
    write_sums(folder)
    text = (folder / "SHA256SUMS").read_text(encoding="utf-8")
    expected = "".join(
        f"{hashlib.sha256((folder / rel).read_bytes()).hexdigest()}  {rel}\n"
        for rel in ("a.csv", "b.csv", "published/claims.csv")  # sorted; exclusions left out
    )
    assert text == expected
    assert read_sums(folder) == compute_sums(folder)
    verify_sums(folder)  # no error


def test_a_changed_byte_is_detected(folder: Path) -> None:
    write_sums(folder)
    data = bytearray((folder / "b.csv").read_bytes())
    data[-2] ^= 1  # "2" -> "3"
    (folder / "b.csv").write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"1 file\(s\) differ from SHA256SUMS; first: b.csv \(changed\)"):
        verify_sums(folder)


def test_missing_and_unlisted_files(folder: Path) -> None:
    write_sums(folder)
    (folder / "a.csv").unlink()
    (folder / "new.csv").write_bytes(b"new\n")
    with pytest.raises(ChecksumError, match=r"2 file\(s\) differ.*first: a.csv \(missing\)"):
        verify_sums(folder)


def test_no_sums_file(folder: Path) -> None:
    with pytest.raises(ChecksumError, match="SHA256SUMS: checksum file not found"):
        verify_sums(folder)


def test_bad_line(folder: Path) -> None:
    (folder / "SHA256SUMS").write_text("abc  a.csv\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match=r"not a sha256sum line \(1 row: 1\)"):
        read_sums(folder)


def test_shipped_data_match_their_sums(tmp_path: Path, raw: Path) -> None:
    verify_sums(raw)
    copy = tmp_path / "raw"
    shutil.copytree(raw, copy)
    path = copy / "coded_segments.csv"
    path.write_bytes(path.read_bytes().replace(b"FG01", b"FG02", 1))
    with pytest.raises(ChecksumError, match="coded_segments.csv"):
        verify_sums(copy)


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "--data", "{data}"],
        ["analyse", "--data", "{data}", "--out", "{out}"],
        ["figures", "--data", "{data}", "--out", "{out}"],
        ["tables", "--data", "{data}", "--out", "{out}"],
        ["audit", "--data", "{data}", "--out", "{out}"],
        ["report", "--data", "{data}", "--out", "{out}"],
        ["manuscript", "--data", "{data}", "--out", "{out}"],
        ["export-sav", "--data", "{data}", "--out-file", "{out}.sav"],
        ["export-qdpx", "--data", "{data}", "--out-file", "{out}.qdpx"],
    ],
    ids=lambda a: a[0],
)
def test_commands_refuse_a_changed_copy_of_the_shipped_data(argv, tmp_path, capsys, raw) -> None:
    from synth.cli import main

    data = tmp_path / "raw"
    shutil.copytree(raw, data)
    segments = data / "coded_segments.csv"
    # still valid coded data: only the checksum can tell that it changed
    segments.write_text(segments.read_text(encoding="utf-8").replace("FG10", "FG11"), encoding="utf-8")
    out = tmp_path / "out"
    code = main([a.format(data=data, out=out) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert "SHA256SUMS: 1 file(s) differ from SHA256SUMS; first: coded_segments.csv (changed)" in err
    assert not out.exists() and not Path(f"{out}.sav").exists()
    assert not Path(f"{out}.qdpx").exists()


def test_validate_says_the_shipped_data_match(capsys, raw) -> None:
    from synth.cli import main

    assert main(["validate", "--data", str(raw)]) == 0
    assert "every file matches SHA256SUMS" in capsys.readouterr().out
