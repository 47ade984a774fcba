"""Tables 1-9, Appendix 1 and the participants table on a small hand-made dataset.

The dataset (three themes, two questions, two focus groups) is small enough to work out every
expected value by hand; the working is in the comments next to each expectation.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from synth import DataError
from synth.analysis import analyse
from synth.cli import main
from synth.io import CodedData
from synth.tables import (
    NO_QUOTATION,
    appendix1,
    appendix1_statistics,
    build_tables,
    participants_table,
    question_table,
    roles_table,
    table1,
    write_tables,
)

RE, FU, PB = "Research evidence", "Funding", "Place-based factors"


@pytest.fixture
def tiny() -> CodedData:
    book = pd.DataFrame(
        [
            ("C1", "Surveys", RE, "success"),
            ("C2", "arts-based methods", RE, "success"),  # lower case: sorts case-insensitively
            ("C3", "Stress of gathering evidence", RE, "challenge"),
            ("C4", "Sharing funding democratically", FU, "success"),
            ("C5", "Financial bureaucracy", FU, "challenge"),
            ("C6", "Outdoor settings", PB, "success"),
        ],
        columns=["code_id", "subtheme", "theme", "valence"],
    )
    seg = pd.DataFrame(
        [
            # segment, group, question, participant, code, text
            ("S1", "FG1", 1, "P1", "C1", "Quote one"),
            ("S2", "FG1", 1, "P1", "C2", ""),
            ("S3", "FG1", 1, "P1", "C4", ""),
            ("S4", "FG2", 1, "P3", "C1", "<script>alert(1)</script>"),
            ("S5", "FG2", 1, "P3", "C5", ""),
            ("S6", "FG2", 1, "P3", "C6", ""),
            ("S7", "FG1", 2, "P2", "C3", "Too stressful"),
            ("S8", "FG1", 2, "P2", "C6", ""),
        ],
        columns=["segment_id", "focus_group", "question", "participant_id", "code_id", "text"],
    )
    people = pd.DataFrame(
        [
            ("P1", "FG1", "principal investigator"),
            ("P2", "FG1", "researcher"),
            ("P3", "FG2", "principal investigator"),
            ("P4", "FG2", "community and voluntary"),
        ],
        columns=["participant_id", "focus_group", "role"],
    )
    return CodedData.from_frames(seg, book, people)


def test_table1_orders_questions_and_keeps_topics() -> None:
    q = pd.DataFrame(
        {"question": [3, 1, 2], "topic": ["T2", "T1", "T1"], "text": ["c?", "a?", "b?"]}
    )
    out = table1(q)
    assert out.columns.tolist() == ["topic", "question", "text"]
    assert out["question"].tolist() == [1, 2, 3]
    assert out["text"].tolist() == ["a?", "b?", "c?"]
    assert out["topic"].tolist() == ["T1", "T1", "T2"]


def test_table1_missing_column() -> None:
    with pytest.raises(DataError, match="lacks the column.*topic"):
        table1(pd.DataFrame({"question": [1], "text": ["a"]}))


def test_question_table_hand_worked(tiny: CodedData) -> None:
    # Question 1, unit paragraph. FG1: RE 2 paragraphs (S1, S2), Funding 1 -> 66.67 / 33.33 / 0.
    # FG2: RE, Funding, Place 1 each -> 33.33 each. Means: RE 50, Funding 33.33, Place 16.67.
    # RE alone reaches 50%, so Table 2 lists RE only, with its subthemes coded in question 1.
    t2 = question_table(tiny, analyse(tiny), 1)
    assert t2.columns.tolist() == ["question", "rank", "theme", "percent", "subtheme", "quotation"]
    assert t2["theme"].tolist() == [RE, RE]
    assert t2["percent"].tolist() == pytest.approx([50.0, 50.0])
    # alphabetical ignoring case: "arts-based methods" before "Surveys"
    assert t2["subtheme"].tolist() == ["arts-based methods", "Surveys"]
    # S2 has no text: never invent one. Surveys: S1 and S4 have text; S1 comes first.
    assert t2["quotation"].tolist() == [NO_QUOTATION, "Quote one"]
    # Question 2: only FG1 answered; RE 50, Place 50; the tie goes to the codebook order (RE).
    t3 = question_table(tiny, analyse(tiny), 2)
    assert t3[["theme", "subtheme", "quotation"]].values.tolist() == [
        [RE, "Stress of gathering evidence", "Too stressful"]
    ]


def test_question_table_keeps_text_verbatim_and_ranks_themes() -> None:
    # A hand-made analysis choosing two themes: ranks order the rows, whatever the theme order.
    book = pd.DataFrame(
        [("C1", "A sub", "Alpha", "success"), ("C2", "B sub", "Beta", "challenge")],
        columns=["code_id", "subtheme", "theme", "valence"],
    )
    seg = pd.DataFrame(
        [("S1", "G", 4, "P", "C1", "alpha words"), ("S2", "G", 4, "P", "C2", "<b>beta</b> & co")],
        columns=["segment_id", "focus_group", "question", "participant_id", "code_id", "text"],
    )
    data = CodedData.from_frames(seg, book)
    selected = pd.DataFrame(
        {"question": [4, 4], "rank": [1, 2], "theme": ["Beta", "Alpha"], "mean_pct": [60.0, 40.0]}
    )
    out = question_table(data, SimpleNamespace(selected=selected), 4)
    assert out["theme"].tolist() == ["Beta", "Alpha"]
    assert out["quotation"].tolist() == ["<b>beta</b> & co", "alpha words"]
    with pytest.raises(DataError, match="question 5 has no reported themes"):
        question_table(data, SimpleNamespace(selected=selected), 5)


def test_appendix1_hand_worked(tiny: CodedData) -> None:
    # Code occurrences (question, participant, code): Q1 P1:C1,C2,C4; P3:C1,C5,C6; Q2 P2:C3,C6.
    # RE = 4 (C1 twice, C2, C3), Funding = 2, Place = 2; total 8, mean 8/3 -> only RE is major.
    a1 = appendix1(tiny, analyse(tiny))
    assert a1["theme"].tolist() == [RE, RE, FU, FU, PB]
    assert a1["class"].tolist() == ["major", "major", "minor", "minor", "minor"]
    assert a1["valence"].tolist() == [
        "successes",
        "challenges",
        "successes",
        "challenges",
        "successes",
    ]
    assert a1["codes"].tolist() == [4, 4, 2, 2, 2]
    assert a1["percent"].tolist() == pytest.approx([50.0, 50.0, 25.0, 25.0, 25.0])
    assert a1["subthemes"].iloc[0] == "arts-based methods; Surveys"
    assert a1["n_subthemes"].tolist() == [2, 1, 1, 1, 1]


def test_appendix1_statistics_hand_worked(tiny: CodedData) -> None:
    # counts 4, 2, 2: mean 2.6667, median 2, SD sqrt(((4/3)^2 + 2 (2/3)^2) / 2) = 1.1547, range 2
    st = appendix1_statistics(analyse(tiny)).set_index("statistic")["value"]
    assert st.index.tolist() == ["mean", "median", "sd", "range", "total"]
    assert st.tolist() == pytest.approx([8 / 3, 2.0, 1.1547005, 2.0, 8.0])


def test_appendix1_statistics_missing() -> None:
    with pytest.raises(DataError, match="statistics lack sd, range"):
        appendix1_statistics(SimpleNamespace(stats={"mean": 1, "median": 1, "total": 3}))


def test_appendix1_theme_missing_from_analysis(tiny: CodedData) -> None:
    themes = pd.DataFrame({"theme": [RE], "codes": [4], "percent": [100.0], "major": [True]})
    with pytest.raises(DataError, match="missing from the analysis.*2 rows: Funding"):
        appendix1(tiny, SimpleNamespace(themes=themes))


def test_participants_and_roles(tiny: CodedData) -> None:
    p = participants_table(tiny)
    assert p.to_dict("list") == {
        "focus_group": ["FG1", "FG2"],
        "participants": [2, 2],
        "roles": [
            "principal investigator (1); researcher (1)",
            "community and voluntary (1); principal investigator (1)",
        ],
    }
    r = roles_table(tiny)
    assert r.to_dict("list") == {
        "role": ["principal investigator", "community and voluntary", "researcher"],
        "participants": [2, 1, 1],
        "focus_groups": [2, 1, 1],
    }


def test_participants_need_a_roster(tiny: CodedData) -> None:
    bare = CodedData(tiny.segments, tiny.codebook, None)
    with pytest.raises(DataError, match="participants.csv is needed"):
        participants_table(bare)


def test_build_and_write_tables(tiny: CodedData, tmp_path: Path) -> None:
    q = pd.DataFrame({"question": [1, 2], "topic": ["T", "T"], "text": ["a?", "b?"]})
    tables = build_tables(tiny, analyse(tiny), q)
    assert sorted(tables) == [
        "appendix1",
        "appendix1_statistics",
        "participants",
        "roles",
        "table1",
        "table2",
        "table3",
    ]
    written = write_tables(tables, tmp_path)
    assert [p.name for p in written] == sorted(f"{k}.csv" for k in tables)
    raw = (tmp_path / "table2.csv").read_bytes()
    assert b"\r\n" not in raw
    back = pd.read_csv(tmp_path / "table2.csv", keep_default_na=False)
    assert back["quotation"].tolist() == [NO_QUOTATION, "Quote one"]
    # same tables, same bytes
    again = tmp_path / "again"
    again.mkdir()
    write_tables(build_tables(tiny, analyse(tiny), q), again)
    for p in written:
        assert (again / p.name).read_bytes() == p.read_bytes()


def test_tables_command_on_shipped_data(tmp_path: Path, raw: Path, capsys) -> None:
    out = tmp_path / "tables"
    assert main(["tables", "--data", str(raw), "--out", str(out)]) == 0
    assert "wrote 13 tables" in capsys.readouterr().err
    t1 = pd.read_csv(out / "table1.csv")
    assert t1["question"].tolist() == list(range(1, 9))
    # the paper: Table 2 lists 'Relationships with partners' (28.70%) then 'Research evidence'
    t2 = pd.read_csv(out / "table2.csv")
    firsts = t2.drop_duplicates("theme")
    assert firsts["theme"].tolist() == ["Relationships with partners", "Research evidence"]
    assert [round(v, 2) for v in firsts["percent"]] == [28.70, 25.68]
    a1 = pd.read_csv(out / "appendix1.csv").drop_duplicates("theme")
    assert a1["codes"].sum() == 323
    assert (a1["class"] == "major").sum() == 6


def test_tables_command_on_a_folder(tiny: CodedData, tmp_path: Path) -> None:
    from synth.io import write_coded_data

    data = tmp_path / "data"
    data.mkdir()
    write_coded_data(tiny, data)
    out = tmp_path / "tables"
    assert main(["tables", "--data", str(data), "--out", str(out), "--unit", "code"]) == 0
    assert sorted(p.name for p in out.iterdir() if p.name != ".synth-output") == [
        "appendix1.csv",
        "appendix1_statistics.csv",
        "participants.csv",
        "roles.csv",
        "table1.csv",
        "table2.csv",
        "table3.csv",
    ]
    # Table 1 comes from the study's folder: no questions.csv, so its two questions unworded
    t1 = pd.read_csv(out / "table1.csv")
    assert t1.columns.tolist() == ["question", "text"]
    assert t1["question"].tolist() == [1, 2]
    assert t1["text"].tolist() == ["Question 1", "Question 2"]
    before = (out / "table2.csv").read_bytes()
    with pytest.raises(SystemExit):  # argparse refuses an unknown unit before any work
        main(["tables", "--data", str(data), "--out", str(out), "--unit", "words"])
    assert (out / "table2.csv").read_bytes() == before
