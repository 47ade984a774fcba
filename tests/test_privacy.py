"""The privacy check: each kind of identifier is found where it is planted, and nothing the paper
published (its quotations, theme and subtheme names, its whole text) is flagged.

Expected findings are written by hand from the planted strings; the clean side uses the paper's
own words, which are known to hold no identifiers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from synth import DataError
from synth.io import CodedData
from synth.privacy import FINDING_COLUMNS, KINDS, check, check_data, load_identifiers, scan

ROOT = Path(__file__).resolve().parents[1]
QUOTATIONS = ROOT / "data" / "raw" / "published" / "quotations.csv"
SUBTHEMES = ROOT / "data" / "raw" / "published" / "subthemes.csv"
PAPER = ROOT.parent / "shared" / "paper" / "000_880fbc1601fead59.txt"

CODEBOOK = pd.DataFrame(
    {
        "code_id": ["C1", "C2"],
        "subtheme": ["Surveys", "Financial bureaucracy"],
        "theme": ["Research evidence", "Funding"],
        "valence": ["success", "challenge"],
    }
)


def dataset(texts: list[str], **extra: list[str]) -> CodedData:
    """One segment per text, alternating between two focus groups and codes."""
    n = len(texts)
    seg = pd.DataFrame(
        {
            "segment_id": [f"S{i + 1}" for i in range(n)],
            "focus_group": [f"FG{i % 2 + 1}" for i in range(n)],
            "question": [1] * n,
            "participant_id": [f"P{i % 2 + 1}" for i in range(n)],
            "code_id": [f"C{i % 2 + 1}" for i in range(n)],
            "text": texts,
            **extra,
        }
    )
    return CodedData.from_frames(seg, CODEBOOK)


def found(data: CodedData, identifiers=()) -> list[tuple]:
    return [tuple(r) for r in scan(data, identifiers).itertuples(index=False)]


# --- each kind is found ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [
        ("Email me at jo.bloggs+fg@example.org.uk after.", "email", "jo.bloggs+fg@example.org.uk"),
        ("contact: A.Person@nhs.net", "email", "A.Person@nhs.net"),
        ("Ring me on 07700 900123 any time", "phone", "07700 900123"),
        ("mobile 07700900123.", "phone", "07700900123"),
        ("the office is 020 7946 0000", "phone", "020 7946 0000"),
        ("call (0161) 496 0000 today", "phone", "(0161) 496 0000"),
        ("Leeds 0113 496 0000", "phone", "0113 496 0000"),
        ("freephone 0800 123 4567", "phone", "0800 123 4567"),
        ("from abroad +44 7700 900123", "phone", "+44 7700 900123"),
        ("or +44 (0)161 496 0000", "phone", "+44 (0)161 496 0000"),
        ("US line +1 212 555 0100", "phone", "+1 212 555 0100"),
        ("the hall at M13 9PL is free", "postcode", "M13 9PL"),
        ("Westminster SW1A 1AA", "postcode", "SW1A 1AA"),
        ("written small: m13 9pl", "postcode", "m13 9pl"),
        ("no space EC1A1BB here", "postcode", "EC1A1BB"),
        ("we meet in M13 on Tuesdays", "postcode", "M13"),
        ("everyone in SW1A knows", "postcode", "SW1A"),
    ],
)
def test_each_kind_is_found_in_text(text, kind, match):
    data = dataset(["Nothing here.", text])
    assert found(data) == [("coded_segments.csv", "text", 3, kind, match)]


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [
        # e-mail addresses with spaces, bracketed words, full-width and zero-width characters
        ("write to jo . bloggs @ example . org . uk", "email", "jo . bloggs @ example . org . uk"),
        ("jo[at]example[dot]com", "email", "jo[at]example[dot]com"),
        ("jo (at) example (dot) co (dot) uk", "email", "jo (at) example (dot) co (dot) uk"),
        ("jo＠example.org", "email", "jo@example.org"),
        ("jo\u200b@exa\u200bmple.org", "email", "jo@example.org"),
        # phone numbers with dots, hyphens, dashes, spaced digits, 0044 and +44 (0)
        ("07700.900.123", "phone", "07700.900.123"),
        ("0161-496-0000", "phone", "0161-496-0000"),
        ("07700–900–123", "phone", "07700–900–123"),
        ("0 7 7 0 0 9 0 0 1 2 3", "phone", "0 7 7 0 0 9 0 0 1 2 3"),
        ("0044 7700 900123", "phone", "0044 7700 900123"),
        ("+44 (0) 7700 900123", "phone", "+44 (0) 7700 900123"),
        ("0044 (0)161 496 0000", "phone", "0044 (0)161 496 0000"),
        ("+447700900123", "phone", "+447700900123"),
        ("07700\u200b900\u2060123", "phone", "07700900123"),
        ("０７７００ ９００１２３", "phone", "07700 900123"),
        ("Tel.07700 900123", "phone", "07700 900123"),
        ("ring 0161 496 0000 in 2024", "phone", "0161 496 0000"),
        # postcodes with a no-break or zero-width space
        ("LS6\u00a02QT", "postcode", "LS6 2QT"),
        ("SW1A\u200b1AA", "postcode", "SW1A1AA"),
    ],
)
def test_disguised_identifiers_are_found(text, kind, match):
    assert found(dataset(["Nothing here.", text])) == [("coded_segments.csv", "text", 3, kind, match)]


@pytest.mark.parametrize(
    "text",
    [
        "0.75 0.80 0.91 0.5 0.6 and p = 0.001 0.002 0.003 0.004",
        "01 02 03 04 05 06, rooms 0.01 0.02 0.03 0.04 0.05",
        "question 1 2 3 4 5 6 7 8 9 10; sessions 2021 2022 2023 2024",
        "£1,000,000 and 2,000 000; case 00000001; ISBN 978-0-12-345678-9",
        "call us @home. Then we looked at the dot com era",
        "a group called [LS6 group] and [the M13 group]",
        "FG1 1AA is not a postcode area; neither is QQ1 1AA",
    ],
)
def test_lookalikes_pass(text):
    assert found(dataset([text])) == []


def test_every_string_column_is_searched_and_rows_are_spreadsheet_rows():
    seg = pd.DataFrame(
        {
            "segment_id": ["S1", "S2"], "focus_group": ["FG1", "FG1"], "question": [1, 2],
            "participant_id": ["P1", "P2"], "code_id": ["C1", "C2"],
            "text": ["", "fine"],
            "coder": ["coder@example.com", "LT"],
            "notes": ["ok", "postcode M1 1AE"],
        }
    )
    book = CODEBOOK.assign(code=["call 07700 900123", "Funding delays"])
    people = pd.DataFrame({"participant_id": ["P1", "P2"], "focus_group": ["FG1", "FG1"],
                           "role": ["researcher", "lives at SW1A 2AA"]})
    data = CodedData.from_frames(seg, book, people)
    assert found(data) == [
        ("coded_segments.csv", "coder", 2, "email", "coder@example.com"),
        ("coded_segments.csv", "notes", 3, "postcode", "M1 1AE"),
        ("codebook.csv", "code", 2, "phone", "07700 900123"),
        ("participants.csv", "role", 3, "postcode", "SW1A 2AA"),
    ]


def test_file_names_come_from_where_the_data_were_read(tmp_path):
    data = dataset(["M13 9PL"])
    data = CodedData(data.segments, data.codebook, None, {"segments": tmp_path / "seg.xlsx"})
    assert scan(data)["file"].tolist() == [str(tmp_path / "seg.xlsx")]


def test_several_findings_in_one_cell_in_order():
    data = dataset(["Sam (07700 900123, sam@example.com) lives at M13 9PL."])
    assert [(k, m) for *_rest, k, m in found(data, ["Sam"])] == [
        ("name", "Sam"), ("phone", "07700 900123"), ("email", "sam@example.com"), ("postcode", "M13 9PL"),
    ]


# --- names -------------------------------------------------------------------------------------


def test_listed_names_match_whole_words_in_any_case():
    data = dataset(["Ask JO about it", "Joanna came", "mary-ann smith said", "Mary Ann   Smith said"])
    rows = found(data, ["Jo", "Mary Ann Smith"])
    assert [(r[2], r[4]) for r in rows] == [(2, "JO"), (5, "Mary Ann   Smith")]
    assert {r[3] for r in rows} == {"name"}


def test_real_names_used_as_ids_are_caught_but_ids_are_not_pattern_matched():
    seg = pd.DataFrame({"segment_id": ["S3"], "focus_group": ["SW1A"], "question": [1],
                        "participant_id": ["Priya"], "code_id": ["07700900123"]})
    data = CodedData.from_frames(seg, CODEBOOK.assign(code_id=["07700900123", "C2"]))
    assert found(data) == []  # ids are not searched for phone numbers or outward codes
    assert found(data, ["priya"]) == [("coded_segments.csv", "participant_id", 2, "name", "Priya")]


def test_full_postcodes_and_addresses_are_found_in_ids_too():
    seg = pd.DataFrame({"segment_id": ["S1", "S2"], "focus_group": ["Leeds LS6 2QT", "Leeds LS6 2QT"],
                        "question": [1, 1], "participant_id": ["jo@example.org", "P2"],
                        "code_id": ["C1", "C2"]})
    people = pd.DataFrame({"participant_id": ["jo@example.org", "P2"],
                           "focus_group": ["Leeds LS6 2QT", "Leeds LS6 2QT"], "role": ["a", "b"]})
    assert found(CodedData.from_frames(seg, CODEBOOK, people)) == [
        ("coded_segments.csv", "focus_group", 2, "postcode", "LS6 2QT"),
        ("coded_segments.csv", "focus_group", 3, "postcode", "LS6 2QT"),
        ("coded_segments.csv", "participant_id", 2, "email", "jo@example.org"),
        ("participants.csv", "participant_id", 2, "email", "jo@example.org"),
        ("participants.csv", "focus_group", 2, "postcode", "LS6 2QT"),
        ("participants.csv", "focus_group", 3, "postcode", "LS6 2QT"),
    ]


def test_listed_names_are_found_through_disguises():
    data = dataset(["Ask Pri\u200bya Pat\u00adel", "ＰＲＩＹＡ\u00a0PATEL came", "Priyanka"])
    assert [(r[2], r[3]) for r in found(data, ["Priya Patel"])] == [(2, "name"), (3, "name")]


def test_load_identifiers_reads_names_and_skips_comments(tmp_path):
    path = tmp_path / "identifiers.txt"
    path.write_bytes("\ufeff# people named in the transcripts\nSam Smith\n\n  Zoë  \n#Not This\nsam smith\n".encode())
    assert load_identifiers(path) == ["Sam Smith", "Zoë"]
    path.write_bytes("Zoë\r\nRené\r\n".encode("cp1252"))
    assert load_identifiers(path) == ["Zoë", "René"]
    assert load_identifiers(tmp_path / "missing.txt") == []
    assert load_identifiers(None) == []
    with pytest.raises(DataError, match="is a folder, not a file; expected a text file of names"):
        load_identifiers(tmp_path)
    path.write_bytes("\ufeffZoë\r\nRené\r\n".encode("utf-16-le"))
    assert load_identifiers(path) == ["Zoë", "René"]
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(DataError, match=r"identifiers\.txt: is a named pipe \(FIFO\), not a file"):
        load_identifiers(path)


# --- what passes -------------------------------------------------------------------------------


CLEAN = [
    "It cost £3.00 a session in 2008-09 for 40,000 people.",
    "Groups of 4–5, about 2.8 million in the region, since 1998 and 2024.",
    "[name of community group] and [name of organisation] worked with [times] a week.",
    "We spoke to 0.5% of them; 10-15 minutes; 24/7; COVID-19; CO2; HS2 funding.",
    "Question 1 of 8; paragraph 977; 323 codes; 185 subthemes; P1, FG1 and Q3.",
    "[paragraph S3: text not published]",
    "doi:10.1186/s12939-024-02216-1 and ISBN 978-0-12-345678-9",
]


def test_numbers_years_and_redaction_markers_pass():
    data = dataset(CLEAN)
    assert found(data, ["Sam Smith"]) == []
    check(data)  # no error


@pytest.mark.skipif(not QUOTATIONS.exists(), reason="the published quotations are not transcribed yet")
def test_every_published_quotation_passes():
    quotes = pd.read_csv(QUOTATIONS, dtype=str, keep_default_na=False)
    assert len(quotes) >= 80
    data = dataset(quotes["quotation"].tolist())
    assert found(data) == []
    book = pd.DataFrame({"code_id": [f"C{i}" for i in range(len(quotes))],
                         "subtheme": quotes["subtheme"], "theme": quotes["theme"],
                         "valence": "success"})
    seg = data.segments.assign(code_id="C0")
    assert found(CodedData.from_frames(seg.drop_duplicates("segment_id"), book)) == []


@pytest.mark.skipif(not SUBTHEMES.exists(), reason="the published subthemes are not transcribed yet")
def test_every_published_theme_and_subtheme_name_passes():
    subs = pd.read_csv(SUBTHEMES, dtype=str, keep_default_na=False)
    book = pd.DataFrame({"code_id": [f"C{i}" for i in range(len(subs))], "subtheme": subs["subtheme"],
                         "theme": subs["theme"], "valence": subs["valence"]})
    seg = dataset(["x"]).segments
    assert found(CodedData.from_frames(seg, book)) == []


@pytest.mark.skipif(not PAPER.exists(), reason="the paper's text is not beside the repository")
def test_the_whole_paper_text_passes():
    paragraphs = [p for p in PAPER.read_text(encoding="utf-8").split("\n") if p.strip()]
    assert len(paragraphs) > 100
    assert found(dataset(paragraphs)) == []


@pytest.mark.skipif(not (ROOT / "data" / "raw" / "coded_segments.csv").exists(),
                    reason="the reconstructed dataset is not shipped yet")
def test_the_shipped_dataset_passes():
    from synth.io import load_coded_data

    data = load_coded_data(ROOT / "data" / "raw")
    assert found(data) == []


# --- check -------------------------------------------------------------------------------------


def test_check_lists_places_without_repeating_the_words(tmp_path):
    texts = ["fine", "ring 07700 900123", "fine", "SW1A 1AA", "sam@example.com", "a", "b",
             "07700 900124", "07700 900125", "Sam was there"]
    ids = tmp_path / "identifiers.txt"
    ids.write_text("# names\nSam\n")
    with pytest.raises(DataError) as info:
        check(dataset(texts), identifiers_file=ids)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("privacy check: text that may identify people (email, phone, postcode, name)")
    # "sam@example.com" is one finding (the e-mail), not also the name "Sam" inside it
    assert re.search(
        r"\(6 rows: coded_segments\.csv\[text\] row 3: phone, coded_segments\.csv\[text\] row 5: postcode, "
        r"coded_segments\.csv\[text\] row 6: email, coded_segments\.csv\[text\] row 9: phone, "
        r"coded_segments\.csv\[text\] row 10: phone, \.\.\.\)$",
        message,
    ), message
    for secret in ("07700", "SW1A", "example.com"):
        assert secret not in message
    assert info.value.count == 6


def test_check_without_identifiers_file_still_finds_patterns_but_no_names(tmp_path):
    data = dataset(["Sam was there", "fine"])
    check(data)  # no names without a list
    check(data, identifiers_file=tmp_path / "absent.txt")
    with pytest.raises(DataError, match=r"\(name\).*\(1 row: coded_segments\.csv\[text\] row 2: name\)"):
        (tmp_path / "identifiers.txt").write_text("sam\n")
        check(data, identifiers_file=tmp_path / "identifiers.txt")
    with pytest.raises(DataError, match=r"\(phone\)"):
        check(dataset(["+44 20 7946 0000"]))


def test_scan_of_clean_data_is_an_empty_table_with_the_columns():
    result = scan(dataset(["nothing to see"]))
    assert list(result.columns) == list(FINDING_COLUMNS)
    assert result.empty
    assert set(KINDS) == {"email", "phone", "postcode", "name"}


def test_check_data_reads_the_folders_identifiers_and_names_only_places(tmp_path):
    from synth.io import load_coded_data

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "codebook.csv").write_text("code_id,subtheme,theme,valence\nC1,Surveys,Research evidence,success\n")
    (folder / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id,text\n"
        "S1,Leeds LS6 2QT,1,P1,C1,We asked Priya Patel\n"
        "S2,Leeds LS6 2QT,1,P2,C1,fine\n"
    )
    data = load_coded_data(folder)
    with pytest.raises(DataError) as info:
        check_data(data, folder)
    assert str(info.value) == (
        "privacy check: text that may identify people (postcode); redact it, e.g. as [name of "
        "community group], before a report shows it (2 rows: coded_segments.csv[focus_group] row 2: "
        "postcode, coded_segments.csv[focus_group] row 3: postcode)"
    )
    (folder / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id,text\n"
        "S1,FG1,1,P1,C1,We asked Priya Patel\nS2,FG1,1,P2,C1,fine\n"
    )
    data = load_coded_data(folder)
    check_data(data, folder)  # no names listed yet
    (folder / "identifiers.txt").write_text("# real names\nPriya Patel\n")
    for call in (lambda: check_data(data, folder), lambda: check_data(data)):  # folder from data.paths
        with pytest.raises(DataError, match=r"\(name\).*\(1 row: coded_segments\.csv\[text\] row 2: name\)$") as info:
            call()
        assert "Priya" not in str(info.value) and "Patel" not in str(info.value)


# --- the report runs the check before rendering ------------------------------------------------


def test_report_refuses_data_with_identifiers_and_writes_nothing(tmp_path, capsys):
    """``synth report`` must call :func:`check` (with ``DATA/identifiers.txt``) before rendering."""
    from synth.cli import main

    data = tmp_path / "data"
    data.mkdir()
    (data / "codebook.csv").write_text(
        "code_id,subtheme,theme,valence\nC1,Surveys,Research evidence,success\n"
        "C2,Outdoor settings,Place-based factors,success\n"
    )
    (data / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id,text\n"
        "S1,FG1,1,P1,C1,Ask Priya Patel about the [name of community group] sessions\n"
        "S2,FG2,1,P2,C1,\nS3,FG2,1,P2,C2,\n"
    )
    (data / "identifiers.txt").write_text("# real names, never committed\nPriya Patel\n")
    out = tmp_path / "out"
    code = main(["report", "--data", str(data), "--out", str(out), "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[-1].startswith("synth report: error: privacy check: ")
    assert "coded_segments.csv[text] row 2: name" in err
    assert "Priya" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "--data", "{data}"],
        ["tables", "--data", "{data}", "--out", "{out}"],
        ["report", "--data", "{data}", "--out", "{out}"],
        ["manuscript", "--data", "{data}", "--out", "{out}"],
        ["export-qdpx", "--data", "{data}", "--out-file", "{out}.qdpx"],
        ["export-sav", "--data", "{data}", "--out-file", "{out}.sav"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_that_lets_text_out_runs_the_check(argv, tmp_path, capsys):
    from conftest import BASE_CODEBOOK, BASE_PARTICIPANTS, BASE_SEGMENTS
    from synth.cli import main

    data = tmp_path / "data"
    data.mkdir()
    leaky = BASE_SEGMENTS.replace("We already had an established programme.",
                                  "Write to jo.bloggs＠example.org any time.")
    (data / "coded_segments.csv").write_text(leaky, encoding="utf-8")
    (data / "codebook.csv").write_text(BASE_CODEBOOK)
    (data / "participants.csv").write_text(BASE_PARTICIPANTS)
    out = tmp_path / "out"
    assert main([a.format(data=data, out=out) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "email" in err and "jo.bloggs" not in err
    assert not any(p.name.startswith("out") for p in tmp_path.iterdir())
