"""Real QDA projects mapped without hand-editing: inspect a project, draft its mapping, import it
with the draft, and get the analysis of the known coding.

The projects are built here: a focus-group project hand-written in NVivo for Windows' dialect
(UTF-16 positions, BOM, CRLF, one selection per coding, speaker labels, "Question N:" headings,
a Theme > Subtheme node tree, cases named by speaker with a Role attribute, node sets for the
valence), our own export, and what QualCoder keeps of it."""

from __future__ import annotations

import tomllib
import unicodedata
import uuid
import warnings
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import pytest

from synth import DataError
from synth.analysis import analyse
from synth.io import CodedData
from synth.qdpx import (
    QdpxWarning,
    draft_mapping,
    export_qdpx,
    import_qdpx,
    inspect_project,
    mapping_from_dict,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "refi-qda"
NS = "urn:QDA-XML:project:1.0"

# theme -> subtheme -> valence
TREE = {
    "Funding": {"Pooled budgets": "success", "Short-term grants": "challenge"},
    "Relationships": {"Trust": "success", "Staff turnover": "challenge"},
}
ROLES = {"Anna": "researcher", "Ben": "link worker", "Chloé": "funder", "Dev": "researcher",
         "Ela": "community partner", "Fay": "link worker"}
# group -> [(question, speaker, words, [subthemes])]
GROUPS = {
    "FG01": [
        (1, "Anna", "We pooled the budgets 😀 and it worked.", ["Pooled budgets", "Trust"]),
        (1, "Ben", "Grants ran for a year only.", ["Short-term grants"]),
        (1, "Chloé", "Trust took years to build.", ["Trust"]),
        (2, "Anna", "People left every few months.", ["Staff turnover"]),
        (2, "Ben", "The money came in small pots 💷💷.", ["Short-term grants", "Pooled budgets"]),
        (2, "Chloé", "An uncoded remark.", []),
    ],
    "FG02": [
        (1, "Dev", "Budgets were shared 🤝 openly.", ["Pooled budgets"]),
        (1, "Ela", "Turnover hurt us.", ["Staff turnover"]),
        (2, "Fay", "Trust again.", ["Trust"]),
        (2, "Dev", "Short grants, again.", ["Short-term grants", "Staff turnover"]),
        (3, "Ela", "We trusted the partners.", ["Trust"]),
    ],
}


def _g(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "test:" + ":".join(parts)))


def known_coding() -> CodedData:
    """The coding the hand-written project holds, as the coded-data schema."""
    rows = []
    for group, paragraphs in GROUPS.items():
        for k, (q, speaker, _, codes) in enumerate(paragraphs):
            for code in codes:
                rows.append((f"{group}-{k}", group, q, speaker, code))
    seg = pd.DataFrame(rows, columns=["segment_id", "focus_group", "question", "participant_id", "code_id"])
    book = pd.DataFrame(
        [(sub, sub, theme, val) for theme, subs in TREE.items() for sub, val in subs.items()],
        columns=["code_id", "subtheme", "theme", "valence"],
    )
    group_of = {p[1]: g for g, ps in GROUPS.items() for p in ps}
    people = pd.DataFrame(
        [(s, group_of[s], r) for s, r in ROLES.items()], columns=["participant_id", "focus_group", "role"]
    )
    return CodedData.from_frames(seg, book, people)


def nvivo_project(path: Path, *, nfd_case: str = "Chloé", extra_cases: str = "", sets: str | None = None,
                  role_variable: str = "Role") -> Path:
    """The project as NVivo for Windows 12 writes it."""
    user = _g("user")
    when = f'creatingUser="{user}" creationDateTime="2024-01-05T10:00:00Z"'
    codes = []
    for theme, subs in TREE.items():
        inner = "".join(
            f'<Code guid="{_g("code", s)}" name="{s}" isCodable="true" />' for s in subs
        )
        codes.append(f'<Code guid="{_g("theme", theme)}" name="{theme}" isCodable="true">{inner}</Code>')
    sources, members = [], {}
    for group, paragraphs in GROUPS.items():
        lines, selections = [], []
        asked = set()
        for k, (q, speaker, words, subs) in enumerate(paragraphs):
            if q not in asked:
                asked.add(q)
                lines.append(f"Question {q}: what happened?")
            line_start = sum(len(x) + 2 for x in lines)  # CRLF
            label = f"{speaker}: "
            lines.append(label + words)
            for n, sub in enumerate(subs):
                # NVivo selects the paragraph once per node; some selections include the label
                start = line_start if n % 2 == 0 else line_start + len(label)
                end = line_start + len(label) + len(words)
                text = "\r\n".join(lines)
                s16 = len(text[:start].encode("utf-16-le")) // 2
                e16 = len(text[:end].encode("utf-16-le")) // 2
                sel = _g("sel", group, str(k), sub)
                selections.append(
                    f'<PlainTextSelection guid="{sel}" name="" startPosition="{s16}" endPosition="{e16}" '
                    f'{when} modifyingUser="{user}" modifiedDateTime="2024-01-05T10:00:00Z">'
                    f'<Coding guid="{_g("coding", sel)}" {when}><CodeRef targetGUID="{_g("code", sub)}" />'
                    "</Coding></PlainTextSelection>"
                )
        src = _g("source", group)
        members[f"Sources/{src}.txt"] = b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8")
        sources.append(
            f'<TextSource guid="{src}" name="{group}" plainTextPath="internal://{src}.txt" {when} '
            f'modifyingUser="{user}" modifiedDateTime="2024-01-05T10:00:00Z">{"".join(selections)}</TextSource>'
        )
    role = _g("variable", "role")
    cases = "".join(
        f'<Case guid="{_g("case", name)}" name={quoteattr(unicodedata.normalize("NFD", name) if name == nfd_case else name)}>'
        f'<VariableValue><VariableRef targetGUID="{role}" /><TextValue>{escape(r)}</TextValue></VariableValue></Case>'
        for name, r in ROLES.items()
    )
    if sets is None:
        sets = "".join(
            f'<Set guid="{_g("set", label)}" name="{label}">'
            + "".join(
                f'<MemberCode targetGUID="{_g("code", s)}" />'
                for subs in TREE.values() for s, v in subs.items() if v == valence
            )
            + "</Set>"
            for label, valence in (("Successes", "success"), ("Challenges", "challenge"))
        )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\r\n'
        f'<Project xmlns="{NS}" name="Focus groups" origin="NVivo for Windows 12.6" '
        f'creatingUserGUID="{user}" creationDateTime="2024-01-05T10:00:00Z" basePath="">\r\n'
        f'<Users><User guid="{user}" name="Coder" /></Users>'
        f'<CodeBook><Codes>{"".join(codes)}</Codes></CodeBook>'
        f'<Variables><Variable guid="{role}" name="{role_variable}" typeOfVariable="Text" /></Variables>'
        f"<Cases>{cases}{extra_cases}</Cases><Sources>{''.join(sources)}</Sources>"
        f"<Sets>{sets}</Sets></Project>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", b"\xef\xbb\xbf" + qde.encode("utf-8"))
        for name, payload in members.items():
            zf.writestr(name, payload)
    return path


def _draft(path: Path) -> tuple[str, dict]:
    text = draft_mapping(inspect_project(path))
    return text, tomllib.loads(text)


def _import(path: Path, raw: dict):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = import_qdpx(path, mapping_from_dict(raw, source="draft.toml"))
    return result, [str(w.message) for w in caught if issubclass(w.category, QdpxWarning)]


def _same_analysis(a: CodedData, b: CodedData) -> None:
    for unit in ("paragraph", "code"):
        x, y = analyse(a, unit=unit), analyse(b, unit=unit)
        for name in ("themes", "shares", "selected", "group_shares"):
            pd.testing.assert_frame_equal(getattr(x, name), getattr(y, name), check_dtype=False)


# --- the conventional NVivo project ----------------------------------------------------------


def test_inspect_shows_the_structure(tmp_path):
    text = inspect_project(nvivo_project(tmp_path / "fg.qdpx")).render()
    assert "codes: 6 in 2 root(s), 2 level(s) deep; 13 codings" in text
    assert "cases: 6; variables: 'Role'" in text
    assert "'Successes' (2 codes: 'Funding > Pooled budgets', 'Relationships > Trust')" in text
    assert "speaker labels at paragraph starts: 'Anna' (2), 'Ben' (2), 'Chloé' (2)" in text
    assert "question headings: 1, 2 (first: 'Question 1: what happened?')" in text
    assert "speaker labels at paragraph starts: 'Dev' (2), 'Ela' (2), 'Fay' (1)" in text
    assert "text positions read as UTF-16 code units" in text


def test_conventional_project_imports_with_the_drafted_mapping(tmp_path):
    path = nvivo_project(tmp_path / "fg.qdpx")
    text, raw = _draft(path)
    assert "FILL IN" not in text
    assert raw == {
        "question": "heading",
        "theme_level": 1,
        "subtheme_level": 2,
        "valence_sets": {"challenge": "Challenges", "success": "Successes"},
        "segment": "paragraph",
        "focus_group": "source",
        "participant": "speaker",
        "role_variable": "Role",
        "positions": "auto",
    }
    result, caught = _import(path, raw)
    assert caught == []
    got = CodedData.from_frames(result.segments, result.codebook, result.participants)
    expected = known_coding()
    _same_analysis(expected, got)
    # the quotations are the words of each paragraph, cut by NVivo's UTF-16 positions
    # (a paragraph's first selection includes the speaker label, its second does not)
    quoted = set(result.segments["text"])
    assert {"Dev: Budgets were shared 🤝 openly.", "The money came in small pots 💷💷.",
            "Ben: The money came in small pots 💷💷."} <= quoted
    people = got.participants.set_index("participant_id")
    # the case is stored decomposed (NFD), the label typed composed: they match
    assert people.loc["Chloé", "role"] == "funder"
    assert dict(people["role"]) == ROLES
    assert dict(people["focus_group"]) == dict(known_coding().participants[["participant_id", "focus_group"]].values)


def test_two_cases_for_one_speaker_is_an_error(tmp_path):
    twin = f'<Case guid="{_g("case", "twin")}" name="anna" />'
    path = nvivo_project(tmp_path / "fg.qdpx", extra_cases=twin)
    _, raw = _draft(path)
    with pytest.raises(DataError, match=r"2 cases are named like the speaker 'Anna' \('Anna', 'anna'\)"):
        _import(path, raw)


def test_a_code_in_two_valence_sets_is_an_error(tmp_path):
    both = (
        f'<Set guid="{_g("s1")}" name="Successes"><MemberCode targetGUID="{_g("code", "Trust")}" /></Set>'
        f'<Set guid="{_g("s2")}" name="Challenges"><MemberCode targetGUID="{_g("code", "Trust")}" />'
        f'<MemberCode targetGUID="{_g("code", "Staff turnover")}" /></Set>'
    )
    path = nvivo_project(tmp_path / "fg.qdpx", sets=both)
    _, raw = _draft(path)
    with pytest.raises(DataError, match=r"code 'Relationships > Trust' is in more than one valence set \(challenge, success\)"):
        _import(path, raw)


def test_without_a_role_variable_the_draft_says_what_to_fill_in(tmp_path):
    path = nvivo_project(tmp_path / "fg.qdpx", role_variable="Occupation")
    text, raw = _draft(path)
    assert "role_variable" not in raw
    assert "# - role: no case variable named like \"role\"; write role_variable" in text
    result, _ = _import(path, raw)  # accepted as it is
    assert set(result.participants["role"]) == {""}
    # a roster gives the roles
    roster = tmp_path / "roster.csv"
    roster.write_text("participant_id,role\n" + "".join(f"{k},{v}\n" for k, v in ROLES.items()))
    result, _ = _import(path, {**raw, "role": {"roster": str(roster)}})
    assert dict(zip(result.participants["participant_id"], result.participants["role"], strict=True)) == ROLES


# --- our export, and what QualCoder keeps of it -----------------------------------------------


def test_our_export_drafts_and_imports(tmp_path):
    from test_qdpx_exchange import _qualcoder_like, _study

    data = _study()
    path = export_qdpx(data, tmp_path / "s.qdpx")
    text, raw = _draft(path)
    assert "FILL IN" not in text
    assert raw["question"] == {"code_branch": "Questions"}
    assert (raw["theme_level"], raw["subtheme_level"]) == (1, 3)
    assert raw["valence"] == {"level": 2, "challenge": "Challenges", "success": "Successes"}
    assert raw["participant"] == "case" and raw["role_variable"] == "role"
    result, caught = _import(path, raw)
    assert caught == []
    _same_analysis(data, CodedData.from_frames(result.segments, result.codebook, result.participants))
    stripped = _qualcoder_like(path, tmp_path / "qc.qdpx")
    text, raw = _draft(stripped)
    assert raw["participant"] == "speaker"  # no case refers to a selection any more
    result, caught = _import(stripped, raw)
    assert caught == []
    _same_analysis(data, CodedData.from_frames(result.segments, result.codebook, result.participants))


# --- other layouts -----------------------------------------------------------------------------


def _flat_project(path: Path, groups: dict[str, list[str]], *, source_sets: str = "") -> Path:
    """ATLAS.ti's layout: flat codes in code groups; two documents per focus group."""
    codes = "".join(f'<Code guid="{_g("code", c)}" name="{c}" isCodable="true"/>' for cs in groups.values() for c in cs)
    sets = "".join(
        f'<Set guid="{_g("group", g)}" name="{g}">'
        + "".join(f'<MemberCode targetGUID="{_g("code", c)}"/>' for c in cs)
        + "</Set>"
        for g, cs in groups.items()
    )
    all_codes = [c for cs in groups.values() for c in cs]
    sources = ""
    for doc in ("FG01 part 1", "FG01 part 2", "FG02"):
        body = "\n".join(f"Q1: question\nKim: point {c}" if k == 0 else f"Kim: point {c}" for k, c in enumerate(all_codes))
        sels = ""
        pos = 0
        for line in body.split("\n"):
            if line.startswith("Kim"):
                c = line.split("point ")[1]
                sel = _g("sel", doc, c)
                sels += (f'<PlainTextSelection guid="{sel}" startPosition="{pos}" endPosition="{pos + len(line)}">'
                         f'<Coding guid="{_g("coding", sel)}"><CodeRef targetGUID="{_g("code", c)}"/></Coding>'
                         "</PlainTextSelection>")
            pos += len(line) + 1
        sources += f'<TextSource guid="{_g("src", doc)}" name="{doc}"><PlainTextContent>{body}</PlainTextContent>{sels}</TextSource>'
    qde = (
        f'<Project xmlns="{NS}" name="atlas" origin="ATLAS.ti 9"><CodeBook><Codes>{codes}</Codes></CodeBook>'
        f"<Sources>{sources}</Sources><Sets>{sets}{source_sets}</Sets></Project>"
    )
    path.write_text(qde, encoding="utf-8")
    return path


def test_code_groups_as_themes_and_document_groups_as_focus_groups(tmp_path):
    doc_groups = (
        f'<Set guid="{_g("dg1")}" name="FG01"><MemberSource targetGUID="{_g("src", "FG01 part 1")}"/>'
        f'<MemberSource targetGUID="{_g("src", "FG01 part 2")}"/></Set>'
        f'<Set guid="{_g("dg2")}" name="FG02"><MemberSource targetGUID="{_g("src", "FG02")}"/></Set>'
    )
    path = _flat_project(tmp_path / "a.qde", {"Funding": ["grants", "budgets"], "Trust": ["partners"]},
                         source_sets=doc_groups)
    text, raw = _draft(path)
    assert raw["theme"] == "sets" and raw["focus_group"] == "source_set"
    assert raw["question"] == "heading" and raw["participant"] == "speaker"
    assert "valence" in text and "FILL IN" in text  # no valence in this project
    result, _ = _import(path, raw)
    seg = result.segments.merge(result.codebook[["code_id", "theme", "subtheme"]], on="code_id")
    assert sorted(set(zip(seg["theme"], seg["subtheme"], strict=True))) == [
        ("Funding", "budgets"), ("Funding", "grants"), ("Trust", "partners")
    ]
    assert sorted(set(seg["focus_group"])) == ["FG01", "FG02"]
    # one speaker per group: "Kim" of FG01 and "Kim" of FG02 are two people
    assert sorted(set(seg["participant_id"])) == ["Kim (FG01)", "Kim (FG02)"]
    assert set(seg["question"]) == {1}


def test_a_code_in_two_theme_sets_and_a_source_in_two_group_sets_are_errors(tmp_path):
    path = _flat_project(tmp_path / "a.qde", {"Funding": ["grants"], "Money": ["grants"]})
    with pytest.raises(DataError, match=r"code 'grants' is in more than one theme set \(Funding, Money\)"):
        _import(path, {"theme": "sets", "participant": "speaker"})
    doc_groups = (
        f'<Set guid="{_g("dg1")}" name="FG01"><MemberSource targetGUID="{_g("src", "FG02")}"/></Set>'
        f'<Set guid="{_g("dg2")}" name="FG02"><MemberSource targetGUID="{_g("src", "FG02")}"/></Set>'
    )
    path = _flat_project(tmp_path / "b.qde", {"Funding": ["grants"]}, source_sets=doc_groups)
    with pytest.raises(DataError, match=r"source 'FG02' is in two group sets \('FG01' and 'FG02'\)"):
        _import(path, {"focus_group": "source_set", "participant": "speaker"})


def test_participant_is_the_source(tmp_path):
    path = _flat_project(tmp_path / "a.qde", {"Funding": ["grants"]})
    result, _ = _import(path, {"theme": "sets", "participant": "source", "question": "heading"})
    assert sorted(set(result.segments["participant_id"])) == ["FG01 part 1", "FG01 part 2", "FG02"]


@pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"REFI-QDA fixtures not found at {FIXTURES}")
@pytest.mark.parametrize("name", ["nvivo-mac-12.7.qdpx", "nvivo-win-12.6.qdpx", "atlasti-8.4-spec-example.qdpx"])
def test_drafts_for_the_vendor_fixtures_are_accepted_as_they_are(name):
    structure = inspect_project(FIXTURES / name)
    assert structure.codings == {"nvivo-mac-12.7.qdpx": 297, "nvivo-win-12.6.qdpx": 303,
                                 "atlasti-8.4-spec-example.qdpx": 16}[name]
    text = draft_mapping(structure)
    assert "FILL IN" in text  # none of them holds questions, participants or valence
    result, _ = _import(FIXTURES / name, tomllib.loads(text))
    assert len(result.code_tree) == len(structure.codes)


# --- end to end, on the command line ------------------------------------------------------------


def test_inspect_import_validate_analyse_end_to_end(tmp_path, capsys):
    from synth.cli import main

    project = nvivo_project(tmp_path / "focus-groups.qdpx")
    mapping = tmp_path / "mapping.toml"
    assert main(["inspect", str(project), "--mapping-out", str(mapping)]) == 0
    shown = capsys.readouterr()
    assert "speaker labels at paragraph starts: 'Anna' (2)" in shown.out
    assert f"wrote the draft mapping {mapping}" in shown.err
    assert 'participant = "speaker"' in mapping.read_text()
    data = tmp_path / "imported"
    assert main(["import-qdpx", str(project), "--map", str(mapping), "--out", str(data)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["validate", "--data", str(data)]) == 0
    assert "13 coding references on 10 paragraphs" in capsys.readouterr().out
    out = tmp_path / "analysis"
    assert main(["analyse", "--data", str(data), "--out", str(out)]) == 0
    shares = pd.read_csv(out / "shares.csv").set_index(["question", "theme"])
    # worked by hand from GROUPS: the share of each group's coded paragraphs per theme, averaged
    # over the groups that answered. Q1: FG01 2+2 paragraphs, FG02 1+1: 50/50 in both. Q2: FG01
    # 1 Funding, 1 Relationships; FG02 1 Funding, 2 Relationships (Dev's paragraph carries both):
    # Funding (50 + 33.33)/2, SD |50 - 33.33|/sqrt(2). Q3: FG02 only, all Relationships.
    expected = {
        (1, "Funding"): (50.0, 0.0, 2),
        (1, "Relationships"): (50.0, 0.0, 2),
        (2, "Funding"): (125 / 3, 50 / 3 / 2**0.5, 2),
        (2, "Relationships"): (175 / 3, 50 / 3 / 2**0.5, 2),
        (3, "Funding"): (0.0, None, 1),
        (3, "Relationships"): (100.0, None, 1),
    }
    assert sorted(shares.index) == sorted(expected)
    for key, (mean, sd, n) in expected.items():
        row = shares.loc[key]
        assert row["mean_pct"] == pytest.approx(mean, abs=1e-6), key
        assert (pd.isna(row["sd_pct"]) if sd is None else row["sd_pct"] == pytest.approx(sd, abs=1e-6)), key
        assert row["n_groups"] == n
