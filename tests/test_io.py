"""The loader: each rule of the schema on a small hand-made example, with the error text checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from synth import DataError, UnsafeInputError
from synth.io import CodedData, load_coded_data, read_table, write_coded_data

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
