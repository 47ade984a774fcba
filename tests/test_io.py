"""The loader: each rule of the schema on a small hand-made example, with the error text checked."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tracemalloc
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import synth.io
from synth import DataError, UnsafeInputError
from synth.cli import main
from synth.io import CodedData, load_coded_data, read_table, write_coded_data

ROOT = Path(__file__).resolve().parents[1]

SEGMENTS = """segment_id,focus_group,question,participant_id,code_id,text
S1,FG1,1,P1,C1,
S1,FG1,1,P1,C2,
S2,FG1,2,P2,C1,We already had an established programme.
S3,FG2,1,P3,C3,
"""
CODEBOOK = """code_id,subtheme,theme,valence
C1,Surveys,Research evidence,success
C2,Financial bureaucracy,Funding,challenge
C3,Crisis care,Health service and integrated care systems,challenge
"""
PARTICIPANTS = """participant_id,focus_group,role
P1,FG1,principal investigator
P2,FG1,researcher
P3,FG2,principal investigator
"""
SEGMENT_TEXTS = ["", "", "We already had an established programme.", ""]


def write(folder: Path, segments: str = SEGMENTS, codebook: str = CODEBOOK,
          participants: str | None = PARTICIPANTS, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coded_segments.csv").write_bytes(segments.encode(encoding))
    (folder / "codebook.csv").write_bytes(codebook.encode(encoding))
    if participants is not None:
        (folder / "participants.csv").write_bytes(participants.encode(encoding))
    return folder


def test_valid_folder_loads_with_types(tmp_path):
    data = load_coded_data(write(tmp_path))
    assert len(data.segments) == 4
    assert data.segments["question"].dtype == "int64"
    assert data.segments["question"].tolist() == [1, 1, 2, 1]
    assert data.theme_order == [
        "Research evidence", "Funding", "Health service and integrated care systems"
    ]
    assert data.questions == [1, 2]
    coded = data.coded()
    assert coded.loc[coded["code_id"] == "C2", "theme"].tolist() == ["Funding"]
    assert "4 coding references on 3 paragraphs" in data.summary()


def test_participants_are_optional(tmp_path):
    data = load_coded_data(write(tmp_path, participants=None))
    assert data.participants is None


@pytest.mark.parametrize(
    ("segments", "codebook", "participants", "match"),
    [
        # a required column missing
        (SEGMENTS.replace("code_id", "code"), CODEBOOK, PARTICIPANTS,
         r"coded_segments\.csv: missing required column\(s\) code_id"),
        # question not a positive integer (row 3 = second data row)
        (SEGMENTS.replace("S1,FG1,1,P1,C2", "S1,FG1,one,P1,C2"), CODEBOOK, PARTICIPANTS,
         r"column 'question': question must be a positive integer; found 'one' \(1 row: 3\)"),
        (SEGMENTS.replace("S3,FG2,1", "S3,FG2,0"), CODEBOOK, PARTICIPANTS,
         r"column 'question': question must be a positive integer; found '0' \(1 row: 5\)"),
        # a code not in the codebook
        (SEGMENTS.replace("P3,C3", "P3,C9"), CODEBOOK, PARTICIPANTS,
         r"column 'code_id': code_id not in the codebook: 'C9' \(first in coded_segments\.csv row 5\) "
         r"is not a code_id of codebook\.csv \(1 row: 5\)"),
        # the same coding reference twice
        (SEGMENTS + "S2,FG1,2,P2,C1,\n", CODEBOOK, PARTICIPANTS,
         r"duplicate coding reference .*: row 6 repeats row 4 \('S2', 'C1'\) \(1 row: 6\)"),
        # a duplicate code in the codebook
        (SEGMENTS, CODEBOOK + "C1,Other,Funding,success\n", PARTICIPANTS,
         r"codebook\.csv: column 'code_id': duplicate code_id: row 5 repeats row 2 \('C1'\) \(1 row: 5\)"),
        # an empty theme and an empty subtheme
        (SEGMENTS, CODEBOOK.replace(",Funding,", ",,"), PARTICIPANTS,
         r"column 'theme': empty value \(1 row: 3\)"),
        (SEGMENTS, CODEBOOK.replace("Surveys", ""), PARTICIPANTS,
         r"column 'subtheme': empty value \(1 row: 2\)"),
        # a valence that is neither success nor challenge
        (SEGMENTS, CODEBOOK.replace("challenge\nC3", "neutral\nC3"), PARTICIPANTS,
         r"column 'valence': valence must be one of success, challenge; found 'neutral' \(1 row: 3\)"),
        # a participant in two focus groups (in the segments)
        (SEGMENTS.replace("S3,FG2,1,P3", "S3,FG2,1,P1"), CODEBOOK, PARTICIPANTS,
         r"column 'participant_id': a participant appears in more than one focus group: "
         r"participant_id 'P1' has focus_group 'FG1' \(row 2\) and 'FG2' \(row 5\) \(3 rows: 2, 3, 5\)"),
        # a participant listed twice on the roster
        (SEGMENTS, CODEBOOK, PARTICIPANTS + "P3,FG1,researcher\n",
         r"participants\.csv: column 'participant_id': duplicate participant_id .*: row 5 repeats row 4 \('P3'\)"),
        # a segment's group disagrees with the roster
        (SEGMENTS, CODEBOOK, PARTICIPANTS.replace("P3,FG2", "P3,FG1"),
         r"column 'focus_group': focus_group disagrees with the participant's group in participants\.csv: "
         r"participant_id 'P3' has focus_group 'FG2' in coded_segments\.csv row 5 vs 'FG1' in "
         r"participants\.csv row 4 \(1 row: 5\)"),
        # a participant not on the roster
        (SEGMENTS, CODEBOOK, PARTICIPANTS.replace("P2,FG1,researcher\n", ""),
         r"participant_id not in participants: 'P2' \(first in coded_segments\.csv row 4\) is not "
         r"listed in participants\.csv \(1 row: 4\)"),
        # one paragraph carrying two questions
        (SEGMENTS.replace("S1,FG1,1,P1,C2", "S1,FG1,2,P1,C2"), CODEBOOK, PARTICIPANTS,
         r"column 'question': a segment has more than one question across its codings: "
         r"segment_id 'S1' has question '1' \(row 2\) and '2' \(row 3\) \(2 rows: 2, 3\)"),
    ],
)
def test_each_rule_names_file_column_and_rows(tmp_path, segments, codebook, participants, match):
    with pytest.raises(DataError, match=match):
        load_coded_data(write(tmp_path, segments, codebook, participants))


def test_error_message_is_one_line_and_caps_the_rows_shown(tmp_path):
    rows = "".join(f"S{i},FG1,x,P1,C1,\n" for i in range(10, 22))
    seg = "segment_id,focus_group,question,participant_id,code_id,text\n" + rows
    with pytest.raises(DataError) as info:
        load_coded_data(write(tmp_path, seg, CODEBOOK, None))
    message = str(info.value)
    assert "\n" not in message
    assert "(12 rows: 2, 3, 4, 5, 6, ...)" in message
    assert info.value.count == 12


def test_empty_header_only_and_ragged_files(tmp_path):
    with pytest.raises(DataError, match="the file is empty"):
        load_coded_data(write(tmp_path / "a", ""))
    with pytest.raises(DataError, match=r"no data rows \(only a header\)"):
        load_coded_data(write(tmp_path / "b", SEGMENTS.splitlines()[0] + "\n"))
    with pytest.raises(DataError, match=r"ragged rows: more fields than the header's 6 .* \(1 row: 3\)"):
        load_coded_data(write(tmp_path / "c", SEGMENTS.replace("P1,C2,", "P1,C2,,extra")))
    with pytest.raises(DataError, match=r"ragged rows: fewer fields .* \(1 row: 4\)"):
        load_coded_data(write(tmp_path / "d", SEGMENTS.replace("P2,C1,We already had an established programme.", "P2")))


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(DataError, match="data folder not found"):
        load_coded_data(tmp_path / "nowhere")
    (tmp_path / "e").mkdir()
    with pytest.raises(DataError, match=r"no coded_segments\.csv or coded_segments\.xlsx found"):
        load_coded_data(tmp_path / "e")


def test_tolerates_bom_crlf_extra_columns_and_windows_1252(tmp_path):
    seg = SEGMENTS.replace("code_id,text", "code_id,text,notes").replace(",\n", ",,x\n")
    seg = seg.replace("programme.\n", "programme. £3.00 – “café”,y\n")
    folder = tmp_path / "bom"
    write(folder, seg.replace("\n", "\r\n"), CODEBOOK, PARTICIPANTS)
    raw = (folder / "coded_segments.csv").read_bytes()
    (folder / "coded_segments.csv").write_bytes(b"\xef\xbb\xbf" + raw)
    data = load_coded_data(folder)
    assert "notes" in data.segments.columns
    assert data.segments.columns[0] == "segment_id"
    assert data.segments.loc[2, "text"] == "We already had an established programme. £3.00 – “café”"

    cp = write(tmp_path / "cp1252", seg, CODEBOOK, PARTICIPANTS, encoding="cp1252")
    assert load_coded_data(cp).segments.loc[2, "text"].endswith("£3.00 – “café”")


def test_xlsx_with_and_without_a_usable_sheet(tmp_path):
    folder = write(tmp_path / "x", participants=None)
    seg = pd.read_csv(folder / "coded_segments.csv", dtype=str, keep_default_na=False)
    (folder / "coded_segments.csv").unlink()
    with pd.ExcelWriter(folder / "coded_segments.xlsx") as xl:
        pd.DataFrame({"notes": ["cover sheet"]}).to_excel(xl, sheet_name="About", index=False)
        seg.to_excel(xl, sheet_name="Codings", index=False)
    assert len(load_coded_data(folder).segments) == 4

    bad = tmp_path / "bad.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(bad, index=False)
    with pytest.raises(DataError, match=r"bad\.xlsx: no sheet has the required columns segment_id"):
        read_table(bad, required=["segment_id", "code_id"])


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = write(tmp_path) / "coded_segments.csv"
    with pytest.raises(UnsafeInputError, match="over the limit of 10"):
        read_table(path, max_bytes=10)


def test_write_then_load_round_trips_byte_for_byte(tmp_path):
    data = load_coded_data(write(tmp_path / "in"))
    out = tmp_path / "out"
    out.mkdir()
    write_coded_data(data, out)
    again = load_coded_data(out)
    pd.testing.assert_frame_equal(again.segments, data.segments)
    out2 = tmp_path / "out2"
    out2.mkdir()
    write_coded_data(again, out2)
    for name in ("coded_segments.csv", "codebook.csv", "participants.csv"):
        assert (out / name).read_bytes() == (out2 / name).read_bytes()
        assert b"\r\n" not in (out / name).read_bytes()


def test_from_frames_validates_in_memory_tables():
    seg = pd.DataFrame({"segment_id": ["S1"], "focus_group": ["FG1"], "question": [3],
                        "participant_id": ["P1"], "code_id": ["C9"]})
    book = pd.DataFrame({"code_id": ["C1"], "subtheme": ["s"], "theme": ["t"], "valence": ["success"]})
    with pytest.raises(DataError, match="code_id not in the codebook"):
        CodedData.from_frames(seg, book)


def test_validate_command_prints_summary_or_one_line_error(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "synth.cli", "validate", "--data", str(write(tmp_path / "ok"))],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "4 coding references on 3 paragraphs" in ok.stdout
    bad = write(tmp_path / "bad", SEGMENTS.replace("P3,C3", "P3,C9"))
    res = subprocess.run([sys.executable, "-m", "synth.cli", "validate", "--data", str(bad)],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("synth validate: error: ")
    assert "coded_segments.csv: column 'code_id': code_id not in the codebook: 'C9'" in res.stderr
    assert res.stderr.rstrip().endswith("(1 row: 5)")


def test_duplicate_column_names_are_refused(tmp_path):
    seg = SEGMENTS.replace("code_id,text", "code_id,code_id")
    with pytest.raises(DataError, match=r"coded_segments\.csv: duplicate column name\(s\) 'code_id'"):
        load_coded_data(write(tmp_path, seg))


def test_truncated_quoted_field_is_not_called_ragged(tmp_path):
    seg = SEGMENTS + 'S9,FG1,1,P1,C1,"cut off in the mid'
    with pytest.raises(DataError, match=r"malformed CSV \(truncated file\?\)"):
        load_coded_data(write(tmp_path, seg))


def test_two_coders_may_apply_the_same_code_to_a_paragraph(tmp_path):
    seg = SEGMENTS.replace("code_id,text", "code_id,text,coder").replace(",\n", ",,A\n")
    seg = seg.replace("programme.\n", "programme.,A\n")
    double = seg + "S3,FG2,1,P3,C3,,B\n"
    data = load_coded_data(write(tmp_path / "ok", double))
    assert len(data.segments) == 5
    with pytest.raises(DataError, match=r"same segment_id and code_id and coder twice\): row 7 repeats row 6 \('S3', 'C3', 'B'\) \(1 row: 7\)"):
        load_coded_data(write(tmp_path / "bad", double + "S3,FG2,1,P3,C3,,B\n"))


# --- real-world files: read right, or refused in one line -------------------------------------
#
# Each variant below holds the same small dataset as SEGMENTS/CODEBOOK/PARTICIPANTS, written the
# way a real tool writes it; it must load to exactly what the plain UTF-8 files load to.

TRICKY = "Costs £3.00 – “café” for ‘Zoë’, naïve señora"
TEXTS = ["", "", f"We already had an established programme. {TRICKY}", ""]


def tricky_segments() -> str:
    frame = pd.read_csv(io.StringIO(SEGMENTS), dtype=str, keep_default_na=False)
    frame["text"] = TEXTS
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def reference(tmp_path: Path) -> CodedData:
    return load_coded_data(write(tmp_path / "reference", tricky_segments()))


def same_data(data: CodedData, expected: CodedData) -> None:
    for name in ("segments", "codebook", "participants"):
        pd.testing.assert_frame_equal(getattr(data, name), getattr(expected, name))
    assert data.segments["text"].tolist() == TEXTS


def validate_cli(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", "--data", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def encode_all(folder: Path, transform, encoding: str = "utf-8", sep: str = ",") -> Path:
    """Write the three tables separated by ``sep``, through ``transform(text) -> text``, in
    ``encoding``."""
    folder.mkdir(parents=True)
    for name, text in (("coded_segments.csv", tricky_segments()), ("codebook.csv", CODEBOOK),
                       ("participants.csv", PARTICIPANTS)):
        if sep != ",":
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            text = frame.to_csv(sep=sep, index=False, lineterminator="\n")
        (folder / name).write_bytes(transform(text).encode(encoding))
    return folder


def changing_line_ends(text: str) -> str:
    lines = text.split("\n")
    ends = ["\r\n", "\r\n", "\n", "\r", "\r"]
    return "".join(line + ends[i % len(ends)] for i, line in enumerate(lines[:-1])) + lines[-1]


@pytest.mark.parametrize(
    ("transform", "encoding", "sep", "notes"),
    [
        pytest.param(lambda t: t.replace("\n", "\r"), "utf-8", ",", [], id="CR line ends, UTF-8"),
        pytest.param(changing_line_ends, "utf-8", ",", [], id="line ends changing mid-file"),
        pytest.param(lambda t: t, "cp1252", ";",
                     ["coded_segments.csv: not UTF-8; read as Windows-1252 (Excel's Windows encoding)",
                      "coded_segments.csv: semicolon-separated", "codebook.csv: semicolon-separated",
                      "participants.csv: semicolon-separated"],
                     id="European Excel: semicolons, Windows-1252"),
        pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n"), "utf-16-le", "\t",
                     [f"{name}: {note}" for name in ("coded_segments.csv", "codebook.csv", "participants.csv")
                      for note in ("read as UTF-16 (Excel's “Unicode text”)", "tab-separated")],
                     id="Unicode text: UTF-16 with a byte-order mark, tabs, CRLF"),
        pytest.param(lambda t: t.replace("\n", "\r"), "mac_roman", ",",
                     ["coded_segments.csv: not UTF-8; read as Mac Roman (Excel for Mac's encoding: "
                      "its line ends are CR only)"],
                     id="Excel for Mac's CSV: Mac Roman, CR line ends"),
    ],
)
def test_real_world_encodings_and_separators_read_the_same_data(transform, encoding, sep, notes, tmp_path, capsys):
    folder = encode_all(tmp_path / "data", transform, encoding, sep)
    if encoding != "utf-8":
        with pytest.raises(UnicodeDecodeError):
            (folder / "coded_segments.csv").read_bytes().decode("utf-8")
    data = load_coded_data(folder)
    same_data(data, reference(tmp_path))
    assert list(data.notes) == notes
    code, out, err = validate_cli(folder, capsys)
    assert (code, err) == (0, "")
    assert "4 coding references on 3 paragraphs" in out
    assert [line for line in out.splitlines() if line.startswith("note: ")] == [f"note: {n}" for n in notes]


def test_a_field_over_128_kib_is_read_whole(tmp_path):
    long_text = "word " * 60_000  # 300,000 characters; Python's csv module stops at 131,072
    seg = SEGMENTS.replace("We already had an established programme.", f'"{long_text}"')
    data = load_coded_data(write(tmp_path, seg))
    assert data.segments.loc[2, "text"] == long_text


def test_a_field_over_the_bound_is_refused_naming_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(synth.io, "MAX_FIELD_CHARS", 1000)
    seg = SEGMENTS.replace("S3,FG2,1,P3,C3,", 'S3,FG2,1,P3,C3,"never closed\n' + "x" * 2000)
    with pytest.raises(DataError, match=r"a field longer than 1,000 characters ends on line 6: is a "
                                        r"quotation mark never closed\? \(the bound is synth\.io\.MAX_FIELD_CHARS\)"):
        load_coded_data(write(tmp_path, seg))


def test_a_wide_header_is_refused_before_parsing_in_bounded_memory(tmp_path):
    header = ",".join(f"column_{i}" for i in range(100_000))  # 1.1 MB of header
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + "," * 99_999 + "\n")
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"the header has 100,000 comma-separated columns, over "
                                            r"the limit of 1,000 \(synth\.io\.MAX_COLUMNS\)"):
            read_table(path, required=["segment_id"])
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"refusing a wide header took {peak / 2**20:.0f} MiB"


def test_one_invalid_byte_in_a_utf8_file_is_refused_naming_the_line(tmp_path):
    quotes = pd.read_csv(ROOT / "data" / "raw" / "published" / "quotations.csv", dtype=str)["quotation"]
    lines = ["segment_id,focus_group,question,participant_id,code_id,text"]
    lines += [f'S{i},FG1,1,P1,C1,"{q}"' for i, q in enumerate(quotes, start=1)]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    assert sum(ch > 127 for ch in raw) > 50  # curly quotes, dashes and the like: UTF-8 throughout
    at = raw.index(b"\n", raw.index(b"\n", raw.index(b"\n") + 1) + 1)  # the end of line 3
    broken = raw[:at] + b" \x92" + raw[at:]  # a Windows-1252 apostrophe pasted into line 3
    folder = write(tmp_path, SEGMENTS)
    (folder / "coded_segments.csv").write_bytes(broken)
    with pytest.raises(DataError, match=r"coded_segments\.csv: cannot decode the file: line 3 is not "
                                        r"valid UTF-8 \(byte 0x92\) although the rest of the file is UTF-8"):
        load_coded_data(folder)


def test_a_file_wholly_in_windows_1252_is_read_and_says_so(tmp_path, capsys):
    folder = write(tmp_path, tricky_segments(), encoding="cp1252")
    data = load_coded_data(folder)
    same_data(data, reference(tmp_path))
    assert data.notes == ("coded_segments.csv: not UTF-8; read as Windows-1252 (Excel's Windows encoding)",)
    assert "note: coded_segments.csv: not UTF-8; read as Windows-1252" in validate_cli(folder, capsys)[1]


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (SEGMENTS.encode("utf-16-le"), r"it holds NUL bytes \(first on line 1\), so it is not a text "
                                       r"table; a UTF-16 file without a byte-order mark looks like this"),
        (b"\xff\xfe" + SEGMENTS.encode("utf-16-le")[:-1], r"it starts with a UTF-16 byte-order mark but"),
        (SEGMENTS.encode() + "\ufeffS9,FG1,1,P1,C1,\n".encode(),
         r"a byte-order mark \(U\+FEFF\) on line 6, not at the start of the file: were two files joined"),
        (b"\xef\xbb\xbf" + SEGMENTS.encode("cp1252").replace(b"P3", b"P\xe93"),
         r"line 5 is not valid UTF-8 \(byte 0xE9\)"),
        (SEGMENTS.encode("cp1252").replace(b"P3", b"P\x813"),
         r"neither UTF-8 nor Windows-1252 \(byte 0x81 on line 5\)"),
    ],
    ids=["utf16-no-bom", "utf16-cut", "bom-mid-file", "utf8-bom-but-latin1", "no-encoding"],
)
def test_undecodable_files_are_refused_naming_the_encoding(raw, match, tmp_path):
    folder = write(tmp_path)
    (folder / "coded_segments.csv").write_bytes(raw)
    with pytest.raises(DataError, match=r"coded_segments\.csv: .*" + match):
        load_coded_data(folder)


def test_names_differing_only_by_normalisation_are_one_name(tmp_path, capsys):
    nfc, nfd = (unicodedata.normalize(form, "Café evidence") for form in ("NFC", "NFD"))
    assert nfc != nfd
    book = (CODEBOOK.replace("Surveys,Research evidence", f"Surveys,{nfc}")
            .replace("bureaucracy,Funding", f"bureaucracy,\u200b{nfd}\u00a0"))
    seg = SEGMENTS.replace("S3,FG2,1,P3,C3", "S3,FG2,1,P3\u200b,C3")
    folder = write(tmp_path, seg, book)
    data = load_coded_data(folder)
    assert data.theme_order == [nfc, "Health service and integrated care systems"]
    assert data.codebook["theme"].nunique() == 2
    assert data.segments.loc[3, "participant_id"] == "P3"  # matched against the roster
    assert data.notes == (
        "coded_segments.csv: column 'participant_id': 1 value(s) normalised to Unicode NFC without "
        "invisible characters (row 5)",
        "codebook.csv: column 'theme': 1 value(s) normalised to Unicode NFC without invisible "
        "characters (row 3)",
    )
    assert data.segments["text"].tolist() == SEGMENT_TEXTS  # text is kept as written
    assert "note: codebook.csv: column 'theme'" in validate_cli(folder, capsys)[1]


@pytest.mark.parametrize("blank", ["\u200b", "\u00a0", "\u200b\u2060\u200d", " \u3000 ", "\u180e"])
def test_a_name_of_invisible_characters_is_refused(blank, tmp_path):
    book = CODEBOOK.replace("Financial bureaucracy", blank)
    with pytest.raises(DataError, match=r"codebook\.csv: column 'subtheme': (a value made only of "
                                        r"invisible characters|empty value) .*\(1 row: 3\)"):
        load_coded_data(write(tmp_path, SEGMENTS, book))


@pytest.mark.parametrize("kind", ["folder", "fifo", "broken link"])
def test_an_expected_file_that_is_not_a_file_is_refused_not_skipped(kind, tmp_path, capsys):
    folder = write(tmp_path / "data")
    target = folder / "participants.csv"
    target.unlink()
    if kind == "folder":
        target.mkdir()
        match = r"participants\.csv: is a folder, not a file; expected a \.csv or \.xlsx table"
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):  # pragma: no cover - Windows
            pytest.skip("named pipes need os.mkfifo")
        os.mkfifo(target)
        match = r"participants\.csv: is a named pipe \(FIFO\), not a file"
    else:
        target.symlink_to(tmp_path / "moved-away.csv")
        match = r"participants\.csv: a symbolic link to a file that does not exist"
    with pytest.raises(DataError, match=match):
        load_coded_data(folder)
    code, out, err = validate_cli(folder, capsys)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert re.search(match, err)


def test_a_symlinked_table_is_followed(tmp_path):
    elsewhere = write(tmp_path / "elsewhere", tricky_segments())
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("coded_segments.csv", "codebook.csv", "participants.csv"):
        (folder / name).symlink_to(elsewhere / name)
    data = load_coded_data(folder)
    same_data(data, reference(tmp_path))
    assert data.paths["segments"] == folder / "coded_segments.csv"


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs Linux's /proc")
def test_a_link_to_the_environment_is_refused_without_printing_it(tmp_path):
    folder = write(tmp_path / "data")
    (folder / "codebook.csv").unlink()
    (folder / "codebook.csv").symlink_to("/proc/self/environ")
    secret = "s3cr3t-" + "q" * 30
    res = subprocess.run([sys.executable, "-m", "synth.cli", "validate", "--data", str(folder)],
                         capture_output=True, text=True, env=dict(os.environ, SYNTH_TEST_TOKEN=secret))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1
    assert "codebook.csv: cannot decode the file: it holds NUL bytes" in res.stderr
    assert secret not in res.stderr and "SYNTH_TEST_TOKEN" not in res.stderr
    assert "PATH=" not in res.stderr


def test_a_link_to_a_text_file_that_is_no_table_is_refused_without_quoting_it(tmp_path):
    secrets = tmp_path / "credentials.env"
    secrets.write_text("API_TOKEN=s3cr3t-abcdefghijklmnopqrstuvwxyz\nOTHER=1\n")
    folder = write(tmp_path / "data")
    (folder / "codebook.csv").unlink()
    (folder / "codebook.csv").symlink_to(secrets)
    with pytest.raises(DataError) as info:
        load_coded_data(folder)
    assert "missing required column(s) code_id, subtheme, theme, valence; the header is one column" in str(info.value)
    assert "s3cr3t" not in str(info.value) and "API_TOKEN" not in str(info.value)


def test_errors_quote_user_data_short_and_escaped(tmp_path):
    long_group = "Group " + "x" * 500
    hostile = "FG2\x1b[31m\tred\r\n"  # a terminal escape, a tab and a line break
    seg = SEGMENTS.replace("S3,FG2,1,P3", f'S3,"{hostile}",1,P3').replace("S1,FG1,1,P1,C2", f"S1,{long_group},1,P1,C2")
    folder = write(tmp_path, seg)
    with pytest.raises(DataError) as info:
        load_coded_data(folder)
    message = str(info.value)
    assert "\n" not in message and "\x1b" not in message and "\t" not in message
    assert "'FG1' (row 2) and 'Group " + "x" * 34 + "…' (row 3)" in message
    assert "x" * 35 not in message
    (folder / "coded_segments.csv").write_text(SEGMENTS.replace("S3,FG2,1,P3", f'S3,"{hostile}",1,P3'))
    with pytest.raises(DataError) as info:
        load_coded_data(folder)
    assert "has focus_group '" + r"FG2\x1b[31m\tred" + "' in coded_segments.csv row 5 vs 'FG2' in participants.csv row 4" in str(info.value)


def test_mismatches_name_both_files_with_values_and_rows(tmp_path):
    seg = SEGMENTS.replace("S3,FG2,1,P3", "S3,leeds ,1,P3")
    people = PARTICIPANTS.replace("P3,FG2", "P3,Leeds")
    with pytest.raises(DataError, match=r"coded_segments\.csv: column 'focus_group': focus_group disagrees with "
                                        r"the participant's group in participants\.csv: participant_id 'P3' has "
                                        r"focus_group 'leeds' in coded_segments\.csv row 5 vs 'Leeds' in "
                                        r"participants\.csv row 4 \(1 row: 5\)$"):
        load_coded_data(write(tmp_path, seg, CODEBOOK, people))


def test_row_numbers_count_records_not_lines(tmp_path):
    # a quoted line break in row 2's text; the bad question is in spreadsheet row 4 (file line 5)
    seg = SEGMENTS.replace("S1,FG1,1,P1,C1,", 'S1,FG1,1,P1,C1,"first line\nsecond line"').replace("S2,FG1,2", "S2,FG1,x")
    with pytest.raises(DataError, match=r"question must be a positive integer; found 'x' \(1 row: 4\)"):
        load_coded_data(write(tmp_path, seg))


def test_the_first_data_row_with_an_extra_field_is_not_read_as_an_index(tmp_path):
    seg = SEGMENTS.replace("S1,FG1,1,P1,C1,", "S1,FG1,1,P1,C1,a,b")
    with pytest.raises(DataError, match=r"ragged rows: more fields than the header's 6 \(a comma inside a "
                                        r"value that is not in quotation marks\?\) \(1 row: 2\)"):
        load_coded_data(write(tmp_path, seg))


def test_trailing_empty_rows_are_dropped_with_a_note_and_inner_ones_refused(tmp_path, capsys):
    folder = write(tmp_path / "trailing", SEGMENTS + ",,,,,\n,,,,,\n\n", CODEBOOK + "\n", PARTICIPANTS)
    data = load_coded_data(folder)
    pd.testing.assert_frame_equal(data.segments, load_coded_data(write(tmp_path / "plain")).segments)
    assert data.notes == ("coded_segments.csv: dropped 3 empty row(s) at the end (rows 6-8)",
                          "codebook.csv: dropped 1 empty row(s) at the end (row 5)")
    assert "note: coded_segments.csv: dropped 3 empty row(s) at the end" in validate_cli(folder, capsys)[1]
    inner = write(tmp_path / "inner", SEGMENTS.replace("S2,FG1", "\nS2,FG1"))
    with pytest.raises(DataError, match=r"empty row\(s\) between data rows: delete them .* \(1 row: 4\)"):
        load_coded_data(inner)


# --- workbooks --------------------------------------------------------------------------------


def workbook(path: Path, sheets: list[tuple[str, str, list[list[object]]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def codebook_rows() -> list[list[object]]:
    frame = pd.read_csv(io.StringIO(CODEBOOK), dtype=str)
    return [list(frame.columns)] + frame.values.tolist()


def test_hidden_sheets_are_never_read(tmp_path):
    folder = write(tmp_path / "data")
    (folder / "codebook.csv").unlink()
    stale = codebook_rows()
    stale[1][2] = "A theme from an old draft"
    workbook(folder / "codebook.xlsx", [("Old", "veryHidden", stale), ("Older", "hidden", stale),
                                        ("Codes", "visible", codebook_rows())])
    assert load_coded_data(folder).theme_order[0] == "Research evidence"
    workbook(folder / "codebook.xlsx", [("Codes", "hidden", codebook_rows()), ("About", "visible", [["x"]])])
    with pytest.raises(DataError, match=r"codebook\.xlsx: the only sheet with the required columns, "
                                        r"'Codes', is hidden, and hidden sheets are never read"):
        load_coded_data(folder)


def _with_saved_value(path: Path, formula: str, value: str) -> None:
    """Store ``value`` as the result of the formula cell, as a spreadsheet does when it saves."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = members[sheet].decode()
    cell = f"<f>{formula}</f><v></v>"
    assert cell in xml, xml
    members[sheet] = re.sub(rf'<c r="(\w+)"><f>{re.escape(formula)}</f><v></v>',
                            rf'<c r="\1" t="str"><f>{formula}</f><v>{value}</v>', xml).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_formula_cells_give_their_saved_value_or_are_named(tmp_path):
    folder = write(tmp_path / "data")
    (folder / "codebook.csv").unlink()
    rows = codebook_rows()
    rows[2][2] = '=PROPER("funding")'
    rows[3][3] = '=LOWER("CHALLENGE")'
    path = workbook(folder / "codebook.xlsx", [("Codes", "visible", rows)])
    with pytest.raises(DataError, match=r"codebook\.xlsx: sheet 'Codes': 2 formula cell\(s\) without a "
                                        r"saved value \(C3, D4\); open the workbook in a spreadsheet"):
        load_coded_data(folder)
    _with_saved_value(path, 'PROPER("funding")', "Funding")
    with pytest.raises(DataError, match=r"1 formula cell\(s\) without a saved value \(D4\)"):
        load_coded_data(folder)
    _with_saved_value(path, 'LOWER("CHALLENGE")', "challenge")
    data = load_coded_data(folder)
    pd.testing.assert_frame_equal(data.codebook, load_coded_data(write(tmp_path / "plain")).codebook)


def test_a_csv_and_an_xlsx_of_one_table_must_agree(tmp_path, capsys):
    folder = write(tmp_path / "data")
    workbook(folder / "codebook.xlsx", [("Codes", "visible", codebook_rows())])
    data = load_coded_data(folder)
    assert data.paths["codebook"] == folder / "codebook.csv"
    assert data.notes == ("codebook.csv and codebook.xlsx both exist and hold the same table; read codebook.csv",)
    rows = codebook_rows()
    rows.append(["C4", "Outdoor settings", "Place-based factors", "success"])
    workbook(folder / "codebook.xlsx", [("Codes", "visible", rows)])
    code, _out, err = validate_cli(folder, capsys)
    assert code == 2
    assert err.strip().endswith(
        "codebook.csv and codebook.xlsx both exist and hold different tables (3 rows vs 4); "
        "remove or rename the one that is out of date"
    )


def test_xlsx_numbers_read_as_a_csv_export_writes_them(tmp_path):
    folder = write(tmp_path / "data", participants=None)
    seg = pd.read_csv(io.StringIO(SEGMENTS), dtype=str, keep_default_na=False)
    rows = [list(seg.columns)] + [[*r[:2], int(r[2]), *r[3:]] for r in seg.values.tolist()]
    rows[2][2] = 1.0  # a whole number stored as a float
    (folder / "coded_segments.csv").unlink()
    workbook(folder / "coded_segments.xlsx", [("Codings", "visible", rows), ("Blank", "visible", [])])
    data = load_coded_data(folder)
    assert data.segments["question"].tolist() == [1, 1, 2, 1]
    assert data.segments["text"].tolist() == SEGMENT_TEXTS
