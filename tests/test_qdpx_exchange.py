"""Exports that other QDA software reads completely: the attributes every vendor writes, pyqdpx
reading every coding and quotation, and the round trip through what QualCoder keeps.

The vendor fixtures are the real NVivo (Mac, Windows) and ATLAS.ti exports in
``shared/fixtures/refi-qda``; the expected attributes are derived from them here, not listed by
hand."""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from synth import DataError
from synth.cli import main
from synth.io import CodedData, load_coded_data, write_coded_data
from synth.qdpx import (
    PLACEHOLDER_PATTERN,
    QdpxWarning,
    export_counts,
    export_qdpx,
    import_qdpx,
    placeholder,
    unique_names,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "refi-qda"
RAW = REPO / "data" / "raw"
STUDY_MAP = REPO / "docs" / "study-mapping.toml"
NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"
#: the elements compared with the vendors (Case is in no fixture, so it cannot be compared)
ELEMENTS = ("Project", "User", "TextSource", "PlainTextSelection", "Coding", "Code")

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"REFI-QDA fixtures not found at {FIXTURES}"
)
needs_raw = pytest.mark.skipif(
    not (RAW / "coded_segments.csv").is_file(), reason="the shipped dataset is not there"
)


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.lower().endswith(".qde") and "/" not in n)
        return zf.read(name)


def _always(xml: bytes) -> dict[str, set[str]]:
    """Element name -> the attributes every element of that name carries."""
    found: dict[str, set[str]] = {}
    for el in ET.fromstring(xml).iter():
        tag = el.tag.rsplit("}", 1)[-1]
        attrs = set(el.attrib)
        found[tag] = found[tag] & attrs if tag in found else attrs
    return found


def _study(coders: bool = True) -> CodedData:
    """Two groups; 'Building on established programmes' is a subtheme of two themes; two coders."""
    seg = pd.DataFrame(
        {
            "segment_id": ["S1", "S1", "S2", "S3", "S4", "S5", "S5", "S6"],
            "focus_group": ["FG01"] * 3 + ["FG02"] * 5,
            "question": [1, 1, 2, 1, 1, 2, 2, 3],
            "participant_id": ["P001", "P001", "P002", "P003", "P004", "P003", "P003", "P004"],
            "code_id": ["A1", "B1", "A2", "B1", "A1", "A2", "B2", "B1"],
            "text": ["We already had an established programme 😀.", "We already had an established programme 😀.",
                     "", "", "Trust took years.", "", "", ""],
        }
    )
    if coders:
        seg["coder"] = ["LT", "LT", "HW", "LT", "HW", "HW", "LT", "LT"]
    book = pd.DataFrame(
        {
            "code_id": ["A1", "A2", "B1", "B2"],
            "subtheme": ["Building on established programmes", "Short-term funding",
                         "Building on established programmes", "Trust"],
            "theme": ["Relationships with partners", "Relationships with partners",
                      "Link workers and social prescribing", "Link workers and social prescribing"],
            "valence": ["success", "challenge", "success", "success"],
        }
    )
    people = pd.DataFrame(
        {
            "participant_id": ["P001", "P002", "P003", "P004", "P005"],
            "focus_group": ["FG01", "FG01", "FG02", "FG02", "FG02"],
            "role": ["researcher", "community partner", "link worker", "researcher", "funder"],
        }
    )
    return CodedData.from_frames(seg, book, people)


def _import(path, mapping=STUDY_MAP):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = import_qdpx(path, mapping)
    return result, [str(w.message) for w in caught if issubclass(w.category, QdpxWarning)]


def _assert_same_analysis(a: CodedData, b: CodedData) -> None:
    from synth.analysis import analyse

    for unit in ("paragraph", "code"):
        x, y = analyse(a, unit=unit), analyse(b, unit=unit)
        for name in ("themes", "shares", "selected", "group_shares"):
            pd.testing.assert_frame_equal(getattr(x, name), getattr(y, name), check_dtype=False)


# --- the attributes every vendor writes ------------------------------------------------------


@needs_fixtures
def test_export_writes_every_attribute_that_all_three_vendors_write(tmp_path):
    vendors = [_always(_qde(p)) for p in sorted(FIXTURES.glob("*.qdpx"))]
    assert len(vendors) == 3
    common = {tag: set.intersection(*(v[tag] for v in vendors)) for tag in ELEMENTS}
    # what the fixtures teach: creators and dates on every selection, coding and source
    assert {"creatingUser", "creationDateTime"} <= common["PlainTextSelection"]
    assert {"creatingUser", "creationDateTime"} <= common["Coding"]
    assert "creatingUserGUID" in common["Project"] and "basePath" in common["Project"]
    ours = _always(_qde(export_qdpx(_study(), tmp_path / "s.qdpx")))
    for tag in ELEMENTS:
        assert common[tag] <= ours[tag], (tag, sorted(common[tag] - ours[tag]))
    assert {"guid", "name"} <= ours["Case"]  # the schema requires guid; every case is named


def test_users_and_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = ET.fromstring(_qde(export_qdpx(_study(), tmp_path / "s.qdpx")))
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    assert sorted(users.values()) == ["HW", "LT", "synth"]  # one user per coder
    data = _study()
    coder_of = {
        (s, c): k
        for s, c, k in data.segments[["segment_id", "code_id", "coder"]].itertuples(index=False)
    }
    names = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    seen = 0
    for sel in root.iter(f"{Q}PlainTextSelection"):
        coding = sel.find(f"{Q}Coding")
        assert sel.get("creationDateTime") == coding.get("creationDateTime") == "2023-11-14T22:13:20Z"
        assert sel.get("creatingUser") == coding.get("creatingUser")
        code = names[coding.find(f"{Q}CodeRef").get("targetGUID")]
        if code.startswith("Question"):
            assert users[sel.get("creatingUser")] == "synth"
        else:
            assert users[sel.get("creatingUser")] == coder_of[(sel.get("name"), code)]
            seen += 1
    assert seen == 8
    assert root.get("creationDateTime") == "2023-11-14T22:13:20Z"


def test_counts_name_the_question_codings():
    counts = export_counts(_study())
    # FG01 answered questions 1 and 2; FG02 questions 1, 2 and 3
    assert (counts.paragraph_codings, counts.question_codings) == (8, 5)
    assert counts.describe() == (
        "2 sources, 8 codings on paragraphs + 5 on question codes, 4 codes, 5 cases"
    )


@needs_raw
def test_export_message_on_the_shipped_data(tmp_path, capsys):
    assert main(["export-qdpx", "--data", str(RAW), "--out-file", str(tmp_path / "s.qdpx")]) == 0
    data = load_coded_data(RAW)
    groups = data.segments.groupby(["focus_group", "question"]).ngroups
    assert f"{len(data.segments)} codings on paragraphs + {groups} on question codes" in (
        capsys.readouterr().err
    )
    assert (len(data.segments), groups) == (977, 80)


# --- names -----------------------------------------------------------------------------------


def test_unique_names_rule():
    nodes = [
        ("Funding", ()),
        ("Successes", ("Funding",)),
        ("Trust", ("Funding", "Successes")),
        ("Partners", ()),
        ("Successes", ("Partners",)),
        ("Trust", ("Partners", "Successes")),
        ("Trust", ("Partners", "Challenges")),  # same theme twice: the path decides
        ("x", ("Partners", "Challenges", "Trust")),
        ("x", ("Partners", "Challenges", "Trust")),  # same path twice: a number decides
    ]
    assert unique_names(nodes) == [
        "Funding",
        "Successes (Funding)",
        "Trust (Funding)",
        "Partners",
        "Successes (Partners)",
        "Trust (Partners > Successes)",
        "Trust (Partners > Challenges)",
        "x (Partners > Challenges > Trust) 8",
        "x (Partners > Challenges > Trust) 9",
    ]


def test_a_subtheme_under_two_themes_gets_unique_names(tmp_path):
    root = ET.fromstring(_qde(export_qdpx(_study(), tmp_path / "s.qdpx")))
    names = [c.get("name") for c in root.iter(f"{Q}Code")]
    assert len(names) == len({n.casefold() for n in names})
    assert "Building on established programmes (Relationships with partners)" in names
    assert "Building on established programmes (Link workers and social prescribing)" in names
    described = {
        c.get("name"): c.find(f"{Q}Description").text
        for c in root.iter(f"{Q}Code")
        if c.find(f"{Q}Description") is not None
    }
    assert described["Building on established programmes (Relationships with partners)"] == (
        "original name: Building on established programmes"
    )


# --- characters XML forbids, labels ----------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "value", "row"),
    [
        ("coded_segments", "text", "a vertical\x0btab", 3),
        ("codebook", "subtheme", "bell\x07", 2),
        ("participants", "role", "unit\x1fseparator", 4),  # (NUL: the loader refuses it first)
    ],
)
def test_characters_xml_forbids_are_refused_naming_the_row(tmp_path, capsys, table, column, value, row):
    data = _study()
    frames = {"coded_segments": data.segments, "codebook": data.codebook, "participants": data.participants}
    frames[table].loc[row - 2, column] = value
    folder = tmp_path / "data"
    folder.mkdir()
    write_coded_data(CodedData(frames["coded_segments"], frames["codebook"], frames["participants"]), folder)
    out = tmp_path / "s.qdpx"
    assert main(["export-qdpx", "--data", str(folder), "--out-file", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{table}.csv: column '{column}'" in err
    code = f"U+{ord(next(ch for ch in value if ord(ch) < 32 and ch not in chr(9) + chr(10) + chr(13))):04X}"
    assert code in err and f"(1 row: {row})" in err
    assert not out.exists()


def test_participant_ids_must_work_as_speaker_labels():
    data = _study()
    seg = data.segments.copy()
    seg.loc[seg["participant_id"] == "P002", "participant_id"] = "P:2"
    people = data.participants.replace({"P002": "P:2"})
    with pytest.raises(DataError, match=r"column 'participant_id': a participant_id must work .* \(1 row: 'P:2'\)"):
        export_qdpx(CodedData.from_frames(seg, data.codebook, people), "unused.qdpx")


def test_text_carries_labels_headings_and_a_word_copy(tmp_path):
    docx = pytest.importorskip("docx", reason="python-docx is not installed")
    path = export_qdpx(_study(), tmp_path / "s.qdpx")
    with zipfile.ZipFile(path) as zf:
        members = zf.namelist()
        texts = {n: zf.read(n).decode("utf-8") for n in members if n.endswith(".txt")}
        words = {n: zf.read(n) for n in members if n.endswith(".docx")}
    assert len(texts) == len(words) == 2
    fg01 = next(t for t in texts.values() if "P001" in t)
    assert fg01 == (
        "Question 1\nP001: We already had an established programme 😀.\n"
        f"Question 2\nP002: {placeholder('S2')}\n"
    )
    for name, text in texts.items():
        document = docx.Document(io.BytesIO(words[name[: -len("txt")] + "docx"]))
        assert [p.text for p in document.paragraphs] == text.rstrip("\n").split("\n")


# --- pyqdpx ----------------------------------------------------------------------------------


def _pyqdpx_read(path: Path):
    pyqdpx = pytest.importorskip("pyqdpx", reason="pyqdpx (dev dependency) is not installed")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        project = pyqdpx.QDPX(str(path)).get_project()
        selections = [s for src in project.sources.values() for s in src.coded_selections.values()]
        for src in project.sources.values():  # the source each selection was read from
            for sel in src.coded_selections.values():
                sel.source_name = src.name
    return project, selections, printed.getvalue()


def _expected_quotations(xml: bytes, data: CodedData) -> dict[str, tuple[str, str, str]]:
    """selection guid -> (code name, the words it must quote, segment_id), from our own XML and
    the data."""
    root = ET.fromstring(xml)
    code_names = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    words = {}
    for sid, text in data.segments[["segment_id", "text"]].itertuples(index=False):
        words[sid] = text or words.get(sid) or placeholder(sid)
    out = {}
    for sel in root.iter(f"{Q}PlainTextSelection"):
        code = code_names[sel.find(f"{Q}Coding/{Q}CodeRef").get("targetGUID")]
        out[sel.get("guid")] = (code, words.get(sel.get("name"), ""), sel.get("name"))
    return out


def test_pyqdpx_reads_every_coding_quotation_and_coder(tmp_path):
    data = _study()
    path = export_qdpx(data, tmp_path / "s.qdpx")
    project, selections, printed = _pyqdpx_read(path)
    assert "Skipping" not in printed and "Error" not in printed, printed
    expected = _expected_quotations(_qde(path), data)
    assert len(selections) == len(expected) == 8 + 5
    seg = data.segments
    coder_of = dict(zip(zip(seg["segment_id"], seg["code_id"], strict=True), seg["coder"], strict=True))
    with zipfile.ZipFile(path) as zf:
        source = next(zf.read(n).decode() for n in zf.namelist() if n.endswith(".txt") and b"P001" in zf.read(n))
    for sel in selections:
        code, words, sid = expected[sel.guid]
        assert sel.code.name == code
        if code.startswith("Question"):
            continue
        assert sel.user.name == coder_of[(sid, code)]  # the leaf code is named by its code_id
        if sel.source_name == "FG01" and "😀" in source[: sel.end]:
            # pyqdpx counts positions in UTF-16 units, as NVivo does; the export counts code
            # points, as the standard says, so past an emoji pyqdpx cuts one unit early
            units = source.encode("utf-16-le")
            assert sel.text.replace("\u200b", "") == units[2 * sel.start : 2 * sel.end].decode("utf-16-le")
            assert sel.text != words
        else:
            assert sel.text == words


@needs_raw
def test_pyqdpx_reads_the_shipped_export_completely(tmp_path):
    data = load_coded_data(RAW)
    path = export_qdpx(data, tmp_path / "study.qdpx")
    project, selections, printed = _pyqdpx_read(path)
    assert printed == "", printed[:300]
    expected = _expected_quotations(_qde(path), data)
    assert len(selections) == len(expected) == 977 + 80
    paragraphs = 0
    for sel in selections:
        code, words, _ = expected[sel.guid]
        assert sel.code.name == code
        if code.startswith("Question"):
            assert sel.text.startswith("P")  # a question's span opens with a speaker label
        else:
            assert sel.text == words, (sel.guid, sel.text[:60], words[:60])
            paragraphs += 1
    assert paragraphs == 977
    published = set(data.segments["text"]) - {""}
    assert published <= {s.text for s in selections}  # every published quotation, verbatim
    assert {u.name for u in project.users.values()} == {"synth"}


# --- round trips -----------------------------------------------------------------------------


def _qualcoder_like(src: Path, dst: Path) -> Path:
    """What QualCoder keeps of a project through its import and export: no SelectionRef in
    cases, no sets, no descriptions, its own user guids (the names stay), and one code per name
    (a second code of the same name is merged into the first)."""
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    ET.register_namespace("", NS)
    root = ET.fromstring(members["project.qde"])
    parent = {c: p for p in root.iter() for c in p}
    for el in list(root.iter()):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("SelectionRef", "Sets", "Description"):
            parent[el].remove(el)
    fresh = {}
    for user in root.iter(f"{Q}User"):
        fresh[user.get("guid")] = str(uuid.uuid5(uuid.NAMESPACE_URL, "qualcoder:" + user.get("name")))
        user.set("guid", fresh[user.get("guid")])
    for el in root.iter():
        for attr in ("creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID"):
            if el.get(attr) in fresh:
                el.set(attr, fresh[el.get(attr)])
    first: dict[str, str] = {}
    merged: dict[str, str] = {}
    for code in list(root.iter(f"{Q}Code")):
        name = code.get("name")
        if name in first:
            merged[code.get("guid")] = first[name]
            for child in list(code):
                parent[code].append(child)
            parent[code].remove(code)
        else:
            first[name] = code.get("guid")
    for ref in root.iter(f"{Q}CodeRef"):
        ref.set("targetGUID", merged.get(ref.get("targetGUID"), ref.get("targetGUID")))
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return dst


def _check_round_trip(data: CodedData, path: Path) -> None:
    result, caught = _import(path)
    assert caught == []
    back = CodedData.from_frames(result.segments, result.codebook, result.participants)
    _assert_same_analysis(data, back)
    # participants: ids, groups and roles, also those without codings
    people = back.participants.set_index("participant_id")[["focus_group", "role"]]
    expected = data.participants.set_index("participant_id")[["focus_group", "role"]]
    pd.testing.assert_frame_equal(people.sort_index(), expected.sort_index())
    # every code keeps its theme, subtheme and valence (the leaf carries the code_id)
    book = back.codebook.set_index("code")[["theme", "subtheme", "valence"]].sort_index()
    pd.testing.assert_frame_equal(
        book, data.codebook.set_index("code_id")[["theme", "subtheme", "valence"]].sort_index(),
        check_names=False,
    )
    # each coding keeps its participant and coder
    code_of = dict(zip(back.codebook["code_id"], back.codebook["code"], strict=True))
    got = sorted(
        (p, code_of[c], k)
        for p, c, k in back.segments[["participant_id", "code_id", "coder"]].itertuples(index=False)
    )
    if "coder" in data.segments.columns:
        want = sorted(data.segments[["participant_id", "code_id", "coder"]].itertuples(index=False, name=None))
        assert got == want


def test_round_trip_keeps_participants_valence_coder_and_names(tmp_path):
    data = _study()
    _check_round_trip(data, export_qdpx(data, tmp_path / "s.qdpx"))


def test_round_trip_through_what_qualcoder_keeps(tmp_path):
    data = _study()
    path = _qualcoder_like(export_qdpx(data, tmp_path / "s.qdpx"), tmp_path / "qc.qdpx")
    root = ET.fromstring(_qde(path))
    assert root.find(f".//{Q}SelectionRef") is None and root.find(f"{Q}Sets") is None
    assert root.find(f".//{Q}Description") is None
    _check_round_trip(data, path)


@needs_raw
def test_shipped_data_round_trips_through_what_qualcoder_keeps(tmp_path):
    data = load_coded_data(RAW)
    path = _qualcoder_like(export_qdpx(data, tmp_path / "s.qdpx"), tmp_path / "qc.qdpx")
    _check_round_trip(data, path)
    result, _ = _import(path)
    assert (result.codebook["subtheme"] == "Building on established programmes").sum() == 2
    assert not any(PLACEHOLDER_PATTERN.match(t) for t in result.segments["text"] if t)
