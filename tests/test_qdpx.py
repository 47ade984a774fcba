"""REFI-QDA import and export: real vendor exports, hand-made projects for each quirk,
hostile files, the mapping, and export -> import -> analyse round trips."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from synth import DataError, UnsafeInputError
from synth._qdpx.archive import Limits
from synth.cli import main
from synth.io import CodedData, load_coded_data, write_coded_data
from synth.qdpx import (
    PLACEHOLDER_PATTERN,
    Mapping,
    QdpxWarning,
    export_qdpx,
    import_qdpx,
    load_mapping,
    mapping_from_dict,
    project_xml,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures" / "refi-qda"
XSD = Path(__file__).parent / "data" / "refi-qda" / "Project-mrt2019.xsd"
STUDY_MAP = REPO / "docs" / "study-mapping.toml"
NS = "urn:QDA-XML:project:1.0"

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(),
    reason=f"REFI-QDA fixtures not found at {FIXTURES} (shared/ beside the repo)",
)


def _import(path, mapping=None, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = import_qdpx(path, mapping, **kw)
    return result, [w for w in caught if issubclass(w.category, QdpxWarning)]


# --- hand-made projects ----------------------------------------------------------------------

C1 = "11111111-1111-1111-1111-111111111111"
C2 = "22222222-2222-2222-2222-222222222222"
C3 = "33333333-3333-3333-3333-333333333333"
SRC = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
SRC2 = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
USER = "cccccccc-cccc-cccc-cccc-cccccccccccc"


def _guid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def _selection(guid: str, start: int, end: int, codes: list[str]) -> str:
    codings = "".join(
        f'<Coding guid="{_guid(900 + i + start * 10)}" creatingUser="{USER}"><CodeRef targetGUID="{c}"/></Coding>'
        for i, c in enumerate(codes)
    )
    return f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}">{codings}</PlainTextSelection>'


def _qde(selections: str, *, origin: str = "NVivo for Mac 12.7.0", extra_sources: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Project xmlns="{NS}" name="t" origin="{origin}">'
        f'<Users><User guid="{USER}" name="coder one"/></Users>'
        "<CodeBook><Codes>"
        f'<Code guid="{C1}" name="Theme A" isCodable="true"><Code guid="{C2}" name="Sub a" isCodable="true"/></Code>'
        f'<Code guid="{C3}" name="Theme B" isCodable="true"/>'
        "</Codes></CodeBook>"
        f'<Sources><TextSource guid="{SRC}" name="FG01" plainTextPath="internal://{SRC}.txt">{selections}</TextSource>'
        f"{extra_sources}</Sources></Project>"
    )


def _qdpx(
    tmp_path: Path, qde: str, files: dict[str, bytes], *, qde_name: str = "project.qde"
) -> Path:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qde_name, qde.encode("utf-8"))
        for name, payload in files.items():
            zf.writestr(name, payload)
    return path


TEXT = "I 😀 love cake. Bye"  # "love" is code points 4-8 and UTF-16 units 5-9


def test_nvivo_origin_cuts_utf16_code_units(tmp_path):
    path = _qdpx(
        tmp_path, _qde(_selection(_guid(1), 5, 9, [C2])), {f"sources/{SRC}.txt": TEXT.encode()}
    )
    result, caught = _import(path)
    assert result.units == "utf16"
    assert result.segments.loc[0, "text"] == "love"
    assert result.boundary_share == 1.0
    assert not caught


def test_other_origins_cut_code_points(tmp_path):
    qde = _qde(_selection(_guid(1), 4, 8, [C2]), origin="QualCoder 3.5")
    path = _qdpx(tmp_path, qde, {f"sources/{SRC}.txt": TEXT.encode()})
    result, _ = _import(path)
    assert (result.units, result.segments.loc[0, "text"]) == ("codepoints", "love")


def test_mapping_can_force_position_units(tmp_path):
    qde = _qde(_selection(_guid(1), 4, 8, [C2]))  # NVivo origin but code-point positions
    path = _qdpx(tmp_path, qde, {f"sources/{SRC}.txt": TEXT.encode()})
    result, _ = _import(path, Mapping(positions="codepoints"))
    assert result.segments.loc[0, "text"] == "love"


def test_warns_when_most_cuts_miss_word_boundaries(tmp_path):
    # read as code points, the UTF-16 positions 5-9 give " lov": cut inside a word
    qde = _qde(_selection(_guid(1), 5, 9, [C2]) + _selection(_guid(2), 6, 10, [C3]), origin="X")
    path = _qdpx(tmp_path, qde, {f"sources/{SRC}.txt": TEXT.encode()})
    result, caught = _import(path)
    assert result.boundary_share == 0.0
    assert len(caught) == 1 and "0 of 2 text cuts land on word boundaries" in str(caught[0].message)


@pytest.mark.parametrize(
    ("folder", "qde_name"),
    [("sources", "project.qde"), ("Sources", "Project.qde"), ("SOURCES", "PROJECT.QDE")],
)
def test_folder_and_file_name_case_varies(tmp_path, folder, qde_name):
    path = _qdpx(
        tmp_path,
        _qde(_selection(_guid(1), 5, 9, [C2])),
        {f"{folder}/{SRC}.txt": TEXT.encode()},
        qde_name=qde_name,
    )
    result, caught = _import(path)
    assert result.segments.loc[0, "text"] == "love" and not caught


def test_bom_and_crlf_in_sources(tmp_path):
    text = "Hello there\r\nI 😀 love cake"
    # NVivo for Windows: positions exclude the BOM and count CR and LF
    start = len("Hello there\r\nI 😀 ".encode("utf-16-le")) // 2
    qde = _qde(
        _selection(_guid(1), start, start + 4, [C2]) + _selection(_guid(2), 6, start + 4, [C3])
    )
    qde = "\ufeff" + qde.replace("\n", "\r\n")
    raw = b"\xef\xbb\xbf" + text.encode()
    path = _qdpx(tmp_path, qde, {f"Sources/{SRC}.txt": raw})
    result, _ = _import(path)
    assert list(result.segments["text"]) == ["love", "there\nI 😀 love"]  # CRLF becomes LF


def test_missing_source_keeps_codings_and_warns_once(tmp_path):
    sels = _selection(_guid(1), 0, 4, [C2]) + _selection(_guid(2), 5, 9, [C2, C3])
    path = _qdpx(tmp_path, _qde(sels), {})
    result, caught = _import(path)
    assert len(result.segments) == 3
    assert (result.segments["text"] == "").all()
    assert len(caught) == 1
    assert "'FG01'" in str(caught[0].message) and "3 codings" in str(caught[0].message)


def test_one_selection_with_several_codings(tmp_path):
    path = _qdpx(
        tmp_path, _qde(_selection(_guid(1), 5, 9, [C2, C3])), {f"sources/{SRC}.txt": TEXT.encode()}
    )
    result, _ = _import(path)
    seg = result.segments
    assert len(seg) == 2 and seg["segment_id"].nunique() == 1
    assert set(seg["code_id"]) == {C2, C3}
    assert list(seg["coder"]) == ["coder one", "coder one"]


def test_same_span_selected_once_per_code_is_one_paragraph_with_span_mapping(tmp_path):
    sels = _selection(_guid(1), 5, 9, [C2]) + _selection(_guid(2), 5, 9, [C3])
    path = _qdpx(tmp_path, _qde(sels), {f"sources/{SRC}.txt": TEXT.encode()})
    plain, _ = _import(path)
    assert plain.segments["segment_id"].nunique() == 2  # default: one segment per selection
    spans, _ = _import(path, Mapping(segment="span"))
    assert spans.segments["segment_id"].nunique() == 1
    assert spans.segments["segment_id"].iloc[0] == _guid(1)  # the first selection's guid


def test_codebook_paths_depths_and_levels(tmp_path):
    path = _qdpx(tmp_path, _qde(""), {})
    result, _ = _import(path, Mapping(theme_level=1, subtheme_level=2))
    tree = result.code_tree.set_index("name")
    assert tree.loc["Sub a", "path"] == "Theme A > Sub a"
    assert (tree.loc["Sub a", "depth"], tree.loc["Theme A", "depth"]) == (2, 1)
    assert tree.loc["Sub a", "parent_id"] == C1
    assert (tree.loc["Sub a", "theme"], tree.loc["Sub a", "subtheme"]) == ("Theme A", "Sub a")
    assert tree.loc["Theme B", "subtheme"] == ""
    assert list(result.codebook["name"]) == ["Sub a"]  # only codes carrying theme and subtheme


def test_bare_qde_file_reads_inline_text(tmp_path):
    inline = f'<TextSource guid="{SRC2}" name="FG02"><PlainTextContent>{TEXT}</PlainTextContent>{_selection(_guid(3), 5, 9, [C3])}</TextSource>'
    path = tmp_path / "p.qde"
    path.write_text(_qde("", extra_sources=inline), encoding="utf-8")
    result, caught = _import(path)
    assert list(result.segments["text"]) == ["love"] and not caught


def test_unmapped_import_says_it_is_for_inspection(tmp_path, capsys):
    path = _qdpx(
        tmp_path, _qde(_selection(_guid(1), 5, 9, [C2])), {f"sources/{SRC}.txt": TEXT.encode()}
    )
    out = tmp_path / "out"
    assert main(["import-qdpx", str(path), "--out", str(out)]) == 0
    notes = (out / "import-notes.txt").read_text()
    assert "NOT FOR ANALYSIS" in notes
    assert "for inspection" in capsys.readouterr().err
    seg = pd.read_csv(out / "coded_segments.csv", keep_default_na=False)
    assert list(seg.columns[:5]) == [
        "segment_id",
        "focus_group",
        "question",
        "participant_id",
        "code_id",
    ]
    assert (seg.loc[0, "focus_group"], seg.loc[0, "question"], seg.loc[0, "participant_id"]) == (
        "FG01",
        "",
        "",
    )
    with pytest.raises(DataError, match=r"codebook.csv: missing required column\(s\) valence"):
        load_coded_data(out)


# --- malformed and hostile input -------------------------------------------------------------


def test_unknown_code_reference_is_a_data_error(tmp_path):
    path = _qdpx(tmp_path, _qde(_selection(_guid(1), 0, 4, [_guid(77)])), {})
    with pytest.raises(
        DataError, match=r"not in the codebook \(1 row: 00000000-0000-0000-0000-000000000077\)"
    ):
        import_qdpx(path)


def test_not_a_project(tmp_path):
    path = tmp_path / "x.qde"
    path.write_text('<?xml version="1.0"?><Other/>')
    with pytest.raises(DataError, match=r"root element is <Other>"):
        import_qdpx(path)
    path.write_text("<Project><unclosed></Project>")
    with pytest.raises(DataError, match="not well formed"):
        import_qdpx(path)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="neither a .qdpx archive"):
        import_qdpx(path)
    empty = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "no project")
    with pytest.raises(DataError, match="no project.qde"):
        import_qdpx(empty)


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    qde = (
        f'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<Project xmlns="{NS}" name="&x;"/>'
    )
    path = _qdpx(tmp_path, qde, {})
    with pytest.raises(UnsafeInputError, match="DTD, entities or external references"):
        import_qdpx(path)


def test_entity_bomb_is_refused(tmp_path):
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    qde = f'<?xml version="1.0"?><!DOCTYPE P [<!ENTITY l0 "lol">{lol}]><Project xmlns="{NS}" name="&l9;"/>'
    path = tmp_path / "bomb.qde"
    path.write_text(qde)
    with pytest.raises(UnsafeInputError, match="refusing it"):
        import_qdpx(path)


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "sources/../../evil.txt"])
def test_member_leaving_the_archive_is_refused(tmp_path, member):
    path = _qdpx(tmp_path, _qde(""), {member: b"x"})
    with pytest.raises(UnsafeInputError, match="leave the archive"):
        import_qdpx(path)


def test_source_path_leaving_the_archive_is_refused(tmp_path):
    qde = _qde(_selection(_guid(1), 0, 4, [C2])).replace(
        f"internal://{SRC}.txt", "internal://../../etc/passwd"
    )
    path = _qdpx(tmp_path, qde, {})
    with pytest.raises(UnsafeInputError, match="leaves the archive"):
        import_qdpx(path)


def test_sources_outside_the_archive_are_never_opened(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(TEXT)
    qde = _qde(_selection(_guid(1), 5, 9, [C2])).replace(
        f"internal://{SRC}.txt", f"relative:///{outside}"
    )
    path = _qdpx(tmp_path, qde, {})
    result, caught = _import(path)
    assert result.segments.loc[0, "text"] == "" and len(caught) == 1


def test_zip_bomb_is_refused_before_reading(tmp_path):
    path = _qdpx(tmp_path, _qde(""), {f"sources/{SRC}.txt": b"\0" * (8 * 1024**2)})
    with pytest.raises(UnsafeInputError, match="likely zip bomb"):
        import_qdpx(path)


def test_declared_size_limits(tmp_path):
    path = _qdpx(tmp_path, _qde(""), {f"sources/{SRC}.txt": TEXT.encode() * 100})
    with pytest.raises(
        UnsafeInputError, match=r"declares 2,?\d+ bytes uncompressed \(limit 1,000\)"
    ):
        import_qdpx(path, limits=Limits(max_member=1000))
    with pytest.raises(UnsafeInputError, match=r"the archive declares .* \(limit 1,500\)"):
        import_qdpx(path, limits=Limits(max_total=1500))
    with pytest.raises(UnsafeInputError, match="larger than the limit"):
        import_qdpx(path, limits=Limits(max_file=100))


def test_cli_refuses_hostile_file_with_one_line_and_writes_nothing(tmp_path, capsys):
    path = _qdpx(tmp_path, _qde(""), {"../evil.txt": b"x"})
    out = tmp_path / "out"
    assert main(["import-qdpx", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "leave the archive" in err and "Traceback" not in err
    assert not out.exists()


# --- the mapping -----------------------------------------------------------------------------


def test_study_mapping_toml_and_yaml_agree(tmp_path):
    toml_map = load_mapping(STUDY_MAP)
    yaml_file = tmp_path / "m.yaml"
    yaml_file.write_text(
        "theme_level: 1\nsubtheme_level: 3\nsegment: span\nfocus_group: source\n"
        "question: {code_branch: Questions}\nparticipant: speaker\nrole_variable: role\n"
        "positions: auto\nvalence: {level: 2, success: Successes, challenge: Challenges}\n"
    )
    yaml_map = load_mapping(yaml_file)
    assert {k: v for k, v in vars(toml_map).items() if k != "source"} == {
        k: v for k, v in vars(yaml_map).items() if k != "source"
    }
    assert toml_map.question_branch == "Questions" and toml_map.participant_speaker
    assert toml_map.valence_level == 2 and (toml_map.theme_level, toml_map.subtheme_level) == (1, 3)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"themes": 1}, r"column 'themes': unknown key"),
        ({"segment": "line"}, r"must be 'selection', 'span' or 'paragraph'"),
        ({"theme_level": 0}, r"must be a positive integer"),
        ({"question": {"source_pattern": "Q\\d+"}}, r"needs one group"),
        ({"question": "Questions"}, r"must be \{code_branch = NAME\}"),
        ({"focus_group": {"case_variable": "fg"}}, r"needs participant = 'case' or 'speaker'"),
        ({"theme_level": 3, "subtheme_level": 2}, r"theme level \(3\) is deeper than the subtheme"),
        ({"valence": "maybe"}, r"column 'valence': must be 'none', 'sets' or \{level = N\}"),
        ({"valence": {"level": 2}, "valence_sets": {}}, r"valence or valence_sets, not both"),
        ({"participant": "person"}, r"must be 'case', 'speaker', 'source'"),
        ({"question": "headings"}, r"'heading' or \{heading_pattern = REGEX\}"),
        ({"role": {"column": "x"}}, r"\{case_variable = NAME\} or \{roster = FILE.csv\}"),
    ],
)
def test_mapping_errors(raw, message):
    with pytest.raises(DataError, match=message):
        mapping_from_dict(raw, source="m.toml")


def test_question_by_source_pattern(tmp_path):
    inline = f'<TextSource guid="{SRC2}" name="FG02 Q3"><PlainTextContent>{TEXT}</PlainTextContent>{_selection(_guid(3), 5, 9, [C2])}</TextSource>'
    path = tmp_path / "p.qde"
    path.write_text(_qde("", extra_sources=inline), encoding="utf-8")
    mapping = mapping_from_dict(
        {"question": {"source_pattern": r"Q(\d+)"}, "focus_group": {"source_pattern": r"(FG\d+)"}}
    )
    result, _ = _import(path, mapping)
    assert (result.segments.loc[0, "question"], result.segments.loc[0, "focus_group"]) == (
        3,
        "FG02",
    )


# --- real exports ----------------------------------------------------------------------------


@needs_fixtures
@pytest.mark.parametrize(
    ("name", "codings", "codes"),
    [
        ("nvivo-mac-12.7.qdpx", 297, 152),
        ("nvivo-win-12.6.qdpx", 303, 152),
        ("atlasti-8.4-spec-example.qdpx", 16, 14),
    ],
)
def test_fixture_counts(name, codings, codes):
    result, _ = _import(FIXTURES / name)
    assert len(result.segments) == codings
    assert len(result.codebook) == codes
    assert result.segments["coding_id"].is_unique


@needs_fixtures
@pytest.mark.parametrize("name", ["nvivo-mac-12.7.qdpx", "nvivo-win-12.6.qdpx"])
def test_nvivo_quotations_match_utf16_cuts(name):
    result, caught = _import(FIXTURES / name)
    assert result.units == "utf16" and not caught
    assert result.boundary_share >= 0.98  # measured: 294/297 (Mac), 300/303 (Windows)
    assert not result.segments["text"].str.contains("\r").any()
    assert not result.segments["text"].str.startswith("\ufeff").any()
    # read as code points the same positions miss most word boundaries, and the import says so
    wrong, caught = _import(FIXTURES / name, Mapping(positions="codepoints"))
    assert wrong.boundary_share < 0.25
    assert any("word boundaries" in str(w.message) for w in caught)


@needs_fixtures
def test_atlasti_missing_sources_warn_once_each():
    result, caught = _import(FIXTURES / "atlasti-8.4-spec-example.qdpx")
    messages = [str(w.message) for w in caught]
    assert len(messages) == 4 and all("is not in the file" in m for m in messages)
    assert len(set(messages)) == 4
    seg = result.segments
    assert (seg["text"].where(seg["selection_type"] == "PlainTextSelection", "") == "").all()
    # one selection carrying three codings
    assert (seg["segment_id"] == "2F24EA88-C6A7-482B-8F89-893EF66D7A21").sum() == 3
    assert set(seg["selection_type"]) >= {
        "PlainTextSelection",
        "PictureSelection",
        "PDFSelection",
        "VideoSelection",
    }


@needs_fixtures
def test_fixtures_validate_against_the_shipped_schema():
    etree = pytest.importorskip("lxml.etree", reason="lxml (dev dependency) is not installed")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    for path in sorted(FIXTURES.glob("*.qdpx")):
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.lower().endswith(".qde"))
            assert schema.validate(etree.fromstring(zf.read(name))), (path.name, schema.error_log)


@needs_fixtures
def test_cli_import_prints_warnings_and_writes_outputs(tmp_path, capsys):
    out = tmp_path / "atlas"
    assert (
        main(["import-qdpx", str(FIXTURES / "atlasti-8.4-spec-example.qdpx"), "--out", str(out)])
        == 0
    )
    err = capsys.readouterr().err
    assert err.count("warning: ") == 4
    assert sorted(p.name for p in out.iterdir()) == [
        "code_tree.csv",
        "codebook.csv",
        "coded_segments.csv",
        "import-notes.txt",
    ]
    assert len(pd.read_csv(out / "coded_segments.csv")) == 16


# --- export and round trip -------------------------------------------------------------------


def _study() -> CodedData:
    seg = pd.DataFrame(
        {
            "segment_id": [
                "S0001",
                "S0001",
                "S0002",
                "S0003",
                "S0004",
                "S0004",
                "S0005",
                "S0006",
                "S0007",
            ],
            "focus_group": ["FG01"] * 4 + ["FG02"] * 5,
            "question": [1, 1, 1, 2, 1, 1, 2, 2, 3],
            "participant_id": [
                "P001",
                "P001",
                "P002",
                "P001",
                "P003",
                "P003",
                "P004",
                "P003",
                "P004",
            ],
            "code_id": ["C1", "C2", "C1", "C3", "C1", "C3", "C2", "C2", "C4"],
            "text": ["it's the system 😀 that has to change"] * 2
            + ["", "", "<b>x</b> & y", "<b>x</b> & y", "", "", ""],
        }
    )
    book = pd.DataFrame(
        {
            "code_id": ["C1", "C2", "C3", "C4"],
            "subtheme": ["Sharing funding", "Short-term funding", "Loneliness", "Sharing funding"],
            "theme": ["Funding", "Funding", "Mental health", "Funding"],
            "valence": ["success", "challenge", "challenge", "success"],
            "code": ["democratic funding", "short grants", "isolation", "pooled budgets"],
        }
    )
    people = pd.DataFrame(
        {
            "participant_id": ["P001", "P002", "P003", "P004", "P005"],
            "focus_group": ["FG01", "FG01", "FG02", "FG02", "FG02"],
            "role": [
                "researcher",
                "community and voluntary",
                "principal investigator",
                "researcher",
                "faith",  # on the roster without codings
            ],
        }
    )
    return CodedData.from_frames(seg, book, people)


def _round_trip(data: CodedData, tmp_path: Path) -> tuple[CodedData, Path]:
    path = export_qdpx(data, tmp_path / "study.qdpx")
    result, caught = _import(path, STUDY_MAP)
    assert not caught, [str(w.message) for w in caught]
    back = CodedData.from_frames(result.segments, result.codebook, result.participants)
    return back, path


def _assert_same_analysis(a: CodedData, b: CodedData) -> None:
    from synth.analysis import analyse

    for unit in ("paragraph", "code"):
        x, y = analyse(a, unit=unit), analyse(b, unit=unit)
        for name in ("themes", "shares", "selected", "group_shares"):
            pd.testing.assert_frame_equal(getattr(x, name), getattr(y, name), check_dtype=False)
        assert x.stats == y.stats


def test_export_round_trips_through_import_and_analysis(tmp_path):
    data = _study()
    back, _ = _round_trip(data, tmp_path)
    _assert_same_analysis(data, back)
    seg, orig = back.segments, data.segments
    assert len(seg) == len(orig) and seg["segment_id"].nunique() == orig["segment_id"].nunique()
    people = back.participants.set_index("participant_id")
    expected = data.participants.set_index("participant_id")
    assert people.loc[expected.index, ["focus_group", "role"]].equals(
        expected[["focus_group", "role"]]
    )
    # published words come back; placeholders come back as empty text
    assert set(seg["text"]) == {"it's the system 😀 that has to change", "<b>x</b> & y", ""}
    # codes keep their labels and valence
    merged = back.codebook.set_index("code")
    assert merged.loc["short grants", "valence"] == "challenge"
    assert merged.loc["isolation", ["theme", "subtheme"]].tolist() == [
        "Mental health",
        "Loneliness",
    ]


def test_export_is_byte_reproducible_and_valid(tmp_path):
    data = _study()
    first = export_qdpx(data, tmp_path / "a.qdpx").read_bytes()
    second = export_qdpx(data, tmp_path / "b.qdpx").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        names = zf.namelist()
        # two focus groups, each as plain text and as a Word document
        assert names[0] == "project.qde" and len(names) == 5
        assert sorted(n.rsplit(".", 1)[1] for n in names[1:]) == ["docx", "docx", "txt", "txt"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        xml = zf.read("project.qde")
        texts = [zf.read(n).decode("utf-8") for n in names[1:] if n.endswith(".txt")]
    etree = pytest.importorskip("lxml.etree", reason="lxml (dev dependency) is not installed")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.fromstring(xml)), schema.error_log
    joined = "\n".join(texts)
    assert "P002: [paragraph S0002: text not published]" in joined
    assert "[paragraph S0001" not in joined  # published words are written instead
    # each line is a question heading or a paragraph opening with its speaker's label
    for line in filter(None, joined.split("\n")):
        if line.startswith("Question "):
            assert line[len("Question ") :] in {"1", "2", "3"}
            continue
        speaker, words = line.split(": ", 1)
        assert speaker in {"P001", "P002", "P003", "P004"}, line
        assert PLACEHOLDER_PATTERN.match(words) or "system" in words or "<b>" in words


def test_export_structure(tmp_path):
    xml, sources = project_xml(_study())
    root = __import__("xml.etree.ElementTree", fromlist=["x"]).fromstring(xml)
    ns = {"q": NS}
    themes = root.findall("q:CodeBook/q:Codes/q:Code", ns)
    assert [t.get("name") for t in themes] == ["Funding", "Mental health", "Questions"]
    # Theme > valence > Subtheme > Code; "Challenges" occurs under both themes, so both carry
    # their theme in brackets and keep the original name in their description
    funding = {v.get("name"): v for v in themes[0].findall("q:Code", ns)}
    assert list(funding) == ["Successes", "Challenges (Funding)"]
    assert funding["Challenges (Funding)"].find("q:Description", ns).text == (
        "original name: Challenges"
    )
    assert funding["Successes"].find("q:Description", ns) is None  # not renamed
    sharing = funding["Successes"].findall("q:Code", ns)
    assert [c.get("name") for c in sharing] == ["Sharing funding"]
    assert [c.get("name") for c in sharing[0].findall("q:Code", ns)] == [
        "democratic funding",
        "pooled budgets",
    ]
    assert [v.get("name") for v in themes[1].findall("q:Code", ns)] == [
        "Challenges (Mental health)"
    ]
    assert len(root.findall(".//q:Code[@isCodable='true']", ns)) == 4 + 3  # codes + question codes
    cases = root.findall("q:Cases/q:Case", ns)
    assert [c.get("name") for c in cases] == ["P001", "P002", "P003", "P004", "P005"]
    # one selection and one coding per coding reference, plus one per (group, question) span
    coded = [
        s for s in root.iter(f"{{{NS}}}PlainTextSelection") if not s.get("name").startswith("FG")
    ]
    assert len(coded) == 9 and all(len(s.findall("q:Coding", ns)) == 1 for s in coded)
    assert (
        len([s for s in root.iter(f"{{{NS}}}PlainTextSelection") if s.get("name").startswith("FG")])
        == 5
    )
    sets = {s.get("name"): len(s) for s in root.findall("q:Sets/q:Set", ns)}
    assert sets == {"Challenges": 2, "Successes": 2}


def test_cli_export_then_import(tmp_path, capsys):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_coded_data(_study(), data_dir)
    out = tmp_path / "study.qdpx"
    assert main(["export-qdpx", "--data", str(data_dir), "--out-file", str(out)]) == 0
    # 5 question codings: FG01 answered questions 1 and 2, FG02 questions 1, 2 and 3
    assert (
        "2 sources, 9 codings on paragraphs + 5 on question codes, 4 codes, 5 cases"
        in capsys.readouterr().err
    )
    back_dir = tmp_path / "back"
    assert main(["import-qdpx", str(out), "--out", str(back_dir), "--map", str(STUDY_MAP)]) == 0
    back = load_coded_data(back_dir)
    _assert_same_analysis(_study(), back)


@pytest.mark.skipif(
    not (REPO / "data" / "raw" / "coded_segments.csv").is_file(),
    reason="the shipped dataset is not there yet",
)
def test_shipped_data_round_trips(tmp_path):
    data = load_coded_data(REPO / "data" / "raw")
    back, path = _round_trip(data, tmp_path)
    _assert_same_analysis(data, back)
    assert len(back.segments) == len(data.segments)
    etree = pytest.importorskip("lxml.etree", reason="lxml (dev dependency) is not installed")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    with zipfile.ZipFile(path) as zf:
        assert schema.validate(etree.fromstring(zf.read("project.qde"))), schema.error_log


def test_module_all_names_exist():
    import synth.qdpx

    for name in synth.qdpx.__all__:
        assert hasattr(synth.qdpx, name), name
    assert issubclass(QdpxWarning, UserWarning)
