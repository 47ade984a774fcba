"""Bad input gets one clear line and nothing is written; what real tools produce is accepted.

The corpus is ``tests/bad_inputs/``: one folder per case (a complete small dataset with one thing
wrong) and ``cases.csv``, which says for each case the file the error must name, a regular
expression the error must match and the column (or element) it must name. Cases that need binary
bytes, workbooks or folders are built here at run time into ``tmp_path`` (``source`` = ``built``),
so no such file sits in the repository.

Every command that reads coded data runs on every case in-process through
:func:`synth.cli.main` (fast: each fails while loading), and a representative subset runs as a
real ``synth`` subprocess, where the check that no traceback reaches the terminal is literal.

Independent expectations: the phrases in ``cases.csv`` were written from the schema's rules
(``docs/architecture.md``), not copied from the loader's output; the "valid base" control shows
each command succeeds on the same data without the defect.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from conftest import BASE_CODEBOOK, BASE_PARTICIPANTS, BASE_SEGMENTS
from synth.cli import main
from synth.io import load_coded_data

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "bad_inputs"
SEG, BOOK, PEOPLE = "coded_segments", "codebook", "participants"

with open(CORPUS / "cases.csv", newline="", encoding="utf-8") as _fh:
    CASES: list[dict[str, str]] = list(csv.DictReader(_fh))
CASE_NAMES = [c["case"] for c in CASES]
BY_NAME = {c["case"]: c for c in CASES}

# The valid dataset every folder case starts from (same as tests/bad_inputs/*/ minus the defect).


def write_base(folder: Path) -> Path:
    """Write the valid base dataset (UTF-8, LF) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{SEG}.csv").write_bytes(BASE_SEGMENTS.encode())
    (folder / f"{BOOK}.csv").write_bytes(BASE_CODEBOOK.encode())
    (folder / f"{PEOPLE}.csv").write_bytes(BASE_PARTICIPANTS.encode())
    return folder


def _csv_frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# --- cases built at run time ------------------------------------------------------------------


def _binary_garbage(folder: Path) -> None:
    garbage = random.Random(20240135).randbytes(4096)
    # 0x81 is undefined in Windows-1252, so these bytes are neither UTF-8 nor cp1252 text
    assert b"\x81" in garbage
    (folder / f"{SEG}.csv").write_bytes(garbage)


def _png_as_csv(folder: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(7).randbytes(512) + b"\x81"
    (folder / f"{SEG}.csv").write_bytes(png)


def _xlsx_no_usable_sheet(folder: Path) -> None:
    (folder / f"{SEG}.csv").unlink()
    with pd.ExcelWriter(folder / f"{SEG}.xlsx") as xl:
        pd.DataFrame({"notes": ["cover sheet"]}).to_excel(xl, sheet_name="About", index=False)
        pd.DataFrame({"a": ["1"], "b": ["2"]}).to_excel(xl, sheet_name="Data", index=False)


def _xlsx_corrupt(folder: Path) -> None:
    (folder / f"{BOOK}.csv").unlink()
    path = folder / f"{BOOK}.xlsx"
    _csv_frame(BASE_CODEBOOK).to_excel(path, index=False)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def _xlsx_header_only(folder: Path) -> None:
    (folder / f"{BOOK}.csv").unlink()
    _csv_frame(BASE_CODEBOOK).iloc[:0].to_excel(folder / f"{BOOK}.xlsx", index=False)


def _directory_for_file(folder: Path) -> None:
    (folder / f"{SEG}.csv").unlink()
    (folder / f"{SEG}.csv").mkdir()
    (folder / f"{SEG}.csv" / "readme.txt").write_text("not a table\n")


#: What the file a symbolic link points to holds: NUL-separated secrets, like /proc/self/environ.
LINKED_SECRET = "SYNTH_TEST_TOKEN=s3cr3t-value-never-to-be-printed"


def _symlink_to_environment(folder: Path) -> None:
    target = folder / ".environ"
    target.write_bytes(f"HOME=/root\x00{LINKED_SECRET}\x00PATH=/usr/bin\x00".encode())
    (folder / f"{SEG}.csv").unlink()
    (folder / f"{SEG}.csv").symlink_to(target)


def _utf8_one_invalid_byte(folder: Path) -> None:
    text = BASE_SEGMENTS.replace("S4,FG2,2,P4,C2,", "S4,FG2,2,P4,C2,“café” – naïve, £3")
    raw = text.encode("utf-8").replace(b"established", b"estab\xe9lished")  # row 2's text
    (folder / f"{SEG}.csv").write_bytes(raw)


def _bom_in_the_middle(folder: Path) -> None:
    # two exports joined: the second one's byte-order mark starts line 7
    (folder / f"{SEG}.csv").write_bytes((BASE_SEGMENTS + "\ufeffS5,FG1,1,P1,C3,\n").encode("utf-8"))


def _utf16_without_bom(folder: Path) -> None:
    (folder / f"{SEG}.csv").write_bytes(BASE_SEGMENTS.encode("utf-16-le"))


def _header_100000_columns(folder: Path) -> None:
    header = ",".join(f"column_{i}" for i in range(100_000))
    (folder / f"{SEG}.csv").write_text(header + "\n" + "," * 99_999 + "\n")


def _field_over_the_bound(folder: Path) -> None:
    from synth.io import MAX_FIELD_CHARS

    text = BASE_SEGMENTS.replace("S2,FG1,2,P2,C1,", f'S2,FG1,2,P2,C1,"{"x" * (MAX_FIELD_CHARS + 1)}"')
    (folder / f"{SEG}.csv").write_text(text)


def _participants_folder(folder: Path) -> None:
    (folder / f"{PEOPLE}.csv").unlink()
    (folder / f"{PEOPLE}.csv").mkdir()


def _participants_fifo(folder: Path) -> None:
    if not hasattr(os, "mkfifo"):  # pragma: no cover - Windows
        pytest.skip("named pipes need os.mkfifo")
    (folder / f"{PEOPLE}.csv").unlink()
    os.mkfifo(folder / f"{PEOPLE}.csv")


def _invisible_only_theme(folder: Path) -> None:
    (folder / f"{BOOK}.csv").write_text(BASE_CODEBOOK.replace(",Funding,", ",\u200b\u00a0,"))


def _empty_row_between_rows(folder: Path) -> None:
    (folder / f"{SEG}.csv").write_text(BASE_SEGMENTS.replace("S2,FG1", ",,,,,\nS2,FG1"))


def _first_row_extra_field(folder: Path) -> None:
    # an unquoted comma in the first data row: pandas alone took the first column as the index
    text = BASE_SEGMENTS.replace("We already had an established programme.\nS1",
                                 "We already had, an established programme.\nS1", 1)
    (folder / f"{SEG}.csv").write_text(text)


def _codebook_rows() -> list[list[str]]:
    frame = _csv_frame(BASE_CODEBOOK)
    return [list(frame.columns)] + frame.values.tolist()


def write_workbook(path: Path, sheets: list[tuple[str, str, list[list[str]]]]) -> Path:
    """A workbook with ``(title, state, rows)`` sheets; state is visible, hidden or veryHidden."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _xlsx_only_matching_sheet_hidden(folder: Path) -> None:
    (folder / f"{BOOK}.csv").unlink()
    write_workbook(folder / f"{BOOK}.xlsx", [("Read me", "visible", [["about"], ["codes"]]),
                                              ("Codes", "hidden", _codebook_rows())])


def _xlsx_two_matching_sheets(folder: Path) -> None:
    (folder / f"{BOOK}.csv").unlink()
    rows = _codebook_rows()
    write_workbook(folder / f"{BOOK}.xlsx", [("Codes", "visible", rows), ("Codes (old)", "visible", rows[:3])])


def _xlsx_formula_without_value(folder: Path) -> None:
    (folder / f"{BOOK}.csv").unlink()
    rows = _codebook_rows()
    rows[2][2] = '=PROPER("funding")'  # written by a program: no value saved with the formula
    write_workbook(folder / f"{BOOK}.xlsx", [("Codes", "visible", rows)])


def _csv_and_xlsx_differ(folder: Path) -> None:
    rows = _codebook_rows()
    rows[3][1] = "Crisis care (revised)"
    write_workbook(folder / f"{BOOK}.xlsx", [("Codes", "visible", rows)])


BUILDERS: dict[str, Callable[[Path], None]] = {
    "binary_garbage": _binary_garbage,
    "png_as_csv": _png_as_csv,
    "xlsx_no_usable_sheet": _xlsx_no_usable_sheet,
    "xlsx_corrupt": _xlsx_corrupt,
    "xlsx_header_only": _xlsx_header_only,
    "directory_for_file": _directory_for_file,
    "symlink_to_environment": _symlink_to_environment,
    "utf8_one_invalid_byte": _utf8_one_invalid_byte,
    "bom_in_the_middle": _bom_in_the_middle,
    "utf16_without_bom": _utf16_without_bom,
    "header_100000_columns": _header_100000_columns,
    "field_over_the_bound": _field_over_the_bound,
    "participants_folder": _participants_folder,
    "participants_fifo": _participants_fifo,
    "invisible_only_theme": _invisible_only_theme,
    "empty_row_between_rows": _empty_row_between_rows,
    "first_row_extra_field": _first_row_extra_field,
    "xlsx_only_matching_sheet_hidden": _xlsx_only_matching_sheet_hidden,
    "xlsx_two_matching_sheets": _xlsx_two_matching_sheets,
    "xlsx_formula_without_value": _xlsx_formula_without_value,
    "csv_and_xlsx_differ": _csv_and_xlsx_differ,
}


def materialise(case: str, tmp: Path) -> Path:
    """Copy (or build) the case's folder into ``tmp/data`` and return it."""
    row = BY_NAME[case]
    folder = tmp / "data"
    if row["source"] == "folder":
        shutil.copytree(CORPUS / case, folder)
    else:
        BUILDERS[case](write_base(folder))
    return folder


# --- the commands that read coded data --------------------------------------------------------


def _table(folder: Path, stem: str) -> Path:
    for suffix in (".xlsx", ".csv"):
        if (folder / f"{stem}{suffix}").exists():
            return folder / f"{stem}{suffix}"
    return folder / f"{stem}.csv"


def _analyse_argv(d: Path, out: Path) -> list[str]:
    argv = ["analyse", "--segments", str(_table(d, SEG)), "--codebook", str(_table(d, BOOK))]
    if _table(d, PEOPLE).exists():
        argv += ["--participants", str(_table(d, PEOPLE))]
    return argv + ["--out", str(out / "analysis")]


COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "validate": lambda d, out: ["validate", "--data", str(d)],
    "analyse": _analyse_argv,
    "figures": lambda d, out: ["figures", "--data", str(d), "--out", str(out / "figures")],
    "tables": lambda d, out: ["tables", "--data", str(d), "--out", str(out / "tables")],
    "audit": lambda d, out: ["audit", "--data", str(d), "--out", str(out / "audit")],
    "report": lambda d, out: ["report", "--data", str(d), "--out", str(out / "reports")],
    "export-qdpx": lambda d, out: ["export-qdpx", "--data", str(d), "--out-file", str(out / "x.qdpx")],
    "export-sav": lambda d, out: ["export-sav", "--data", str(d), "--out-file", str(out / "x.sav")],
}

#: Real subprocesses are slow (2-3 s each on a loaded machine): each command gets a few cases of
#: different kinds. The full matrix runs in-process below.
SUBPROCESS_CASES: dict[str, list[str]] = {
    "validate": ["binary_garbage", "truncated_mid_quoted_field", "group_disagrees_with_roster",
                 "symlink_to_environment", "participants_fifo", "utf8_one_invalid_byte"],
    "analyse": ["unknown_code", "xlsx_no_usable_sheet"],
    "figures": ["question_zero", "header_only_segments"],
    "tables": ["duplicate_reference", "empty_segments_file"],
    "audit": ["bad_valence"],
    "report": ["ragged_short_row"],
    "export-qdpx": ["participant_two_groups", "xlsx_corrupt"],
    "export-sav": ["unknown_participant", "directory_for_file"],
}


def check_refusal(case: str, code: int, stderr: str, outs: Path, data: Path) -> None:
    """The bad-input contract (exit 2, one line, no traceback, nothing written) for one command on
    one bad case."""
    row = BY_NAME[case]
    assert "Traceback" not in stderr, stderr
    assert code == 2, f"exit {code}, stderr: {stderr!r}"
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr.endswith("\n"), f"not exactly one line: {stderr!r}"
    line = lines[0]
    assert line.startswith("synth "), line
    assert ": error: " in line, line
    assert row["file"] in line, f"does not name the file {row['file']!r}: {line}"
    assert re.search(row["phrase"], line), f"does not say {row['phrase']!r}: {line}"
    if row["element"]:
        assert re.search(rf"\b{re.escape(row['element'])}\b", line), f"does not name {row['element']!r}: {line}"
    assert LINKED_SECRET.split("=")[1] not in line, "printed what a symbolic link points to"
    assert sorted(os.listdir(outs)) == [], f"left outputs behind: {sorted(os.listdir(outs))}"
    assert sorted(p.name for p in data.parent.iterdir()) == ["data", "outs"], "wrote beside the input"


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail, rather than hang the suite, if the body blocks (as reading a named pipe would)."""

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds:.0f} s: blocked on input?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_inprocess(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with deadline(120):
        code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_subprocess(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *argv],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=240,
    )


# --- the corpus is consistent -----------------------------------------------------------------


def test_corpus_lists_every_folder_and_every_case_has_a_source():
    folders = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    listed = sorted(c["case"] for c in CASES if c["source"] == "folder")
    assert folders == listed
    assert sorted(c["case"] for c in CASES if c["source"] == "built") == sorted(BUILDERS)
    assert len(set(CASE_NAMES)) == len(CASE_NAMES)
    for row in CASES:
        assert None not in row and None not in row.values(), f"a row of cases.csv has extra fields: {row}"
        re.compile(row["phrase"])
        assert row["file"].split(".")[0] in (SEG, BOOK, PEOPLE), row


@pytest.mark.parametrize("case", [c for c in CASE_NAMES if BY_NAME[c]["source"] == "folder"])
def test_each_folder_case_differs_from_the_valid_base(case):
    """A case is the base with one defect: guards against a case folder that is simply valid."""
    folder = CORPUS / case
    base = {f"{SEG}.csv": BASE_SEGMENTS, f"{BOOK}.csv": BASE_CODEBOOK, f"{PEOPLE}.csv": BASE_PARTICIPANTS}
    changed = [
        name for name, text in base.items()
        if not (folder / name).exists() or (folder / name).read_bytes() != text.encode()
    ]
    assert changed, f"{case} is identical to the valid base"


# --- control: the same commands succeed on the valid base ------------------------------------


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "report"])
def test_valid_base_is_accepted(command, tmp_path, capsys):
    data = write_base(tmp_path / "data")
    outs = tmp_path / "outs"
    outs.mkdir()
    code, _out, err = run_inprocess(COMMANDS[command](data, outs), capsys)
    # audit exits 1 when the data do not reproduce the paper's numbers (this tiny set cannot)
    assert code in ((0, 1) if command == "audit" else (0,)), err
    if command not in ("validate", "audit"):
        assert os.listdir(outs), f"{command} wrote nothing on valid data"
    assert [p for p in outs.iterdir() if ".tmp-" in p.name or ".old-" in p.name] == []


# --- every command on every bad case (in-process) --------------------------------------------


#: Pairs where the defect cannot arise: ``analyse`` is given each file by name, so it never has
#: to choose between a CSV and an XLSX of one table.
NOT_APPLICABLE = {("csv_and_xlsx_differ", "analyse")}


@pytest.mark.parametrize(
    ("case", "command"),
    [(case, command) for case in CASE_NAMES for command in COMMANDS if (case, command) not in NOT_APPLICABLE],
)
def test_bad_input_is_refused_in_one_line_and_writes_nothing(case, command, tmp_path, capsys):
    data = materialise(case, tmp_path)
    outs = tmp_path / "outs"
    outs.mkdir()
    code, _out, err = run_inprocess(COMMANDS[command](data, outs), capsys)
    check_refusal(case, code, err, outs, data)


# --- a representative subset as real subprocesses ---------------------------------------------


@pytest.mark.parametrize(
    ("command", "case"), [(cmd, case) for cmd, cases in SUBPROCESS_CASES.items() for case in cases]
)
def test_bad_input_subprocess(command, case, tmp_path):
    data = materialise(case, tmp_path)
    outs = tmp_path / "outs"
    outs.mkdir()
    res = run_subprocess(COMMANDS[command](data, outs), tmp_path)
    check_refusal(case, res.returncode, res.stderr, outs, data)


def test_debug_shows_the_traceback_for_a_bad_case(tmp_path):
    data = materialise("unknown_code", tmp_path)
    res = run_subprocess(["--debug", "validate", "--data", str(data)], tmp_path)
    assert res.returncode != 0
    assert "Traceback (most recent call last)" in res.stderr
    assert "DataError" in res.stderr
    assert "code_id not in the codebook" in res.stderr


# --- tolerance: what real tools produce is accepted ------------------------------------------

#: Characters Excel users type: pound sign, en dash, curly quotes, accents.
TRICKY = "Costs £3.00 – “café” for ‘Zoë’, naïve señora"


def _tolerant_segments(extra_column: bool) -> str:
    """The base segments with :data:`TRICKY` (which holds a comma, so it is quoted) in ``text``."""
    frame = _csv_frame(BASE_SEGMENTS)
    frame.loc[frame["text"] != "", "text"] = f"We already had an established programme. {TRICKY}"
    if extra_column:
        frame["notes"] = "x"
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _write_tolerant(folder: Path, kind: str) -> Path:
    folder.mkdir(parents=True)
    seg = _tolerant_segments(extra_column=kind != "cp1252_crlf")
    files = {f"{SEG}.csv": seg, f"{BOOK}.csv": BASE_CODEBOOK, f"{PEOPLE}.csv": BASE_PARTICIPANTS}
    for name, text in files.items():
        if kind == "utf8_bom_crlf_extra":
            raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
        elif kind == "cp1252_crlf":
            raw = text.replace("\n", "\r\n").encode("cp1252")
        elif kind == "utf8_plain":
            raw = text.encode("utf-8")
        else:  # pragma: no cover
            raise AssertionError(kind)
        (folder / name).write_bytes(raw)
    if kind == "cp1252_crlf":
        assert "£".encode("cp1252") in (folder / f"{SEG}.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            (folder / f"{SEG}.csv").read_bytes().decode("utf-8")
    return folder


TOLERANT = ["utf8_bom_crlf_extra", "cp1252_crlf", "utf8_plain"]


@pytest.mark.parametrize("kind", TOLERANT)
def test_tolerated_files_load_with_characters_intact(kind, tmp_path):
    data = load_coded_data(_write_tolerant(tmp_path / "data", kind))
    texts = data.segments["text"].tolist()
    assert texts[0] == f"We already had an established programme. {TRICKY}"
    assert texts[1] == texts[0]
    assert data.segments.columns[0] == "segment_id"  # the BOM is not part of the first name
    assert data.segments["question"].tolist() == [1, 1, 2, 1, 2]
    assert not any("\r" in t for t in texts)
    if kind != "cp1252_crlf":
        assert "notes" in data.segments.columns


def test_tolerated_xlsx_with_a_cover_sheet(tmp_path):
    folder = write_base(tmp_path / "data")
    seg = _csv_frame(_tolerant_segments(extra_column=True))
    (folder / f"{SEG}.csv").unlink()
    with pd.ExcelWriter(folder / f"{SEG}.xlsx") as xl:
        pd.DataFrame({"about": ["exported by hand"]}).to_excel(xl, sheet_name="Read me", index=False)
        seg.to_excel(xl, sheet_name="Codings", index=False)
    data = load_coded_data(folder)
    assert data.segments["text"].iloc[0].endswith(TRICKY)
    assert data.segments["question"].dtype == "int64"


@pytest.mark.parametrize("kind", ["utf8_bom_crlf_extra", "cp1252_crlf"])
@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "report"])
def test_tolerated_files_pass_every_command(kind, command, tmp_path, capsys):
    data = _write_tolerant(tmp_path / "data", kind)
    outs = tmp_path / "outs"
    outs.mkdir()
    code, _out, err = run_inprocess(COMMANDS[command](data, outs), capsys)
    if command == "audit":
        # a dataset other than the study's loads fine and then, rightly, fails the paper's claims
        assert code == 1 and "unexplained mismatch" in err and "error:" not in err, err
    else:
        assert code == 0, err
    if command == "export-qdpx":
        with zipfile.ZipFile(outs / "x.qdpx") as zf:
            texts = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.lower().startswith("sources/") and n.endswith(".txt")]
        assert any(TRICKY in t for t in texts), "the characters did not survive into the export"
        assert not any("Ã" in t or "â€" in t for t in texts), "mojibake in the export"


def test_tolerated_cp1252_subprocess(tmp_path):
    data = _write_tolerant(tmp_path / "data", "cp1252_crlf")
    res = run_subprocess(["validate", "--data", str(data)], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "5 coding references on 4 paragraphs" in res.stdout
