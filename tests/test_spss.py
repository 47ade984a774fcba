"""SPSS export: per focus group × question, one count and one percentage per theme,
with variable and value labels; read back with pyreadstat and compared with hand-worked values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from synth.cli import main
from synth.io import CodedData, write_coded_data
from synth.spss import export_sav, sav_table

pyreadstat = pytest.importorskip("pyreadstat")


def _data() -> CodedData:
    # FG01 Q1: S1 carries Funding twice (C1, C2) and S2 Funding -> Funding 2 paragraphs, MH 0
    # FG01 Q2: S3 Mental health -> MH 1 (100%)
    # FG02 Q1: S4 carries Funding (C1) and Mental health (C3) -> 1 and 1 (50% / 50%)
    # FG02 Q2: S5 and S6 Funding (C2, by P4 and P3) -> Funding 2 (100%)
    seg = pd.DataFrame(
        {
            "segment_id": ["S1", "S1", "S2", "S3", "S4", "S4", "S5", "S6"],
            "focus_group": ["FG01", "FG01", "FG01", "FG01", "FG02", "FG02", "FG02", "FG02"],
            "question": [1, 1, 1, 2, 1, 1, 2, 2],
            "participant_id": ["P1", "P1", "P2", "P1", "P3", "P3", "P4", "P3"],
            "code_id": ["C1", "C2", "C1", "C3", "C1", "C3", "C2", "C2"],
        }
    )
    book = pd.DataFrame(
        {
            "code_id": ["C1", "C2", "C3"],
            "subtheme": ["a", "b", "c"],
            "theme": ["Funding", "Funding", "Mental health"],
            "valence": ["success", "challenge", "challenge"],
        }
    )
    return CodedData.from_frames(seg, book)


def test_sav_round_trip_matches_hand_worked_counts(tmp_path):
    path = export_sav(_data(), tmp_path / "study.sav")
    frame, meta = pyreadstat.read_sav(str(path))
    expected = pd.DataFrame(
        {
            "group": [1.0, 1.0, 2.0, 2.0],
            "question": [1.0, 2.0, 1.0, 2.0],
            "total": [2.0, 1.0, 2.0, 2.0],
            "t01_n": [2.0, 0.0, 1.0, 2.0],
            "t01_pct": [100.0, 0.0, 50.0, 100.0],
            "t02_n": [0.0, 1.0, 1.0, 0.0],
            "t02_pct": [0.0, 100.0, 50.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(frame, expected)
    assert meta.variable_value_labels["group"] == {1.0: "FG01", 2.0: "FG02"}
    assert meta.variable_value_labels["question"] == {1.0: "Question 1", 2.0: "Question 2"}
    labels = meta.column_names_to_labels
    assert labels["t01_n"] == "Funding: number of coded paragraphs"
    assert labels["t02_pct"].startswith("Mental health: %")
    assert (
        meta.variable_measure["group"] == "nominal" and meta.variable_measure["t01_pct"] == "scale"
    )


def test_percentages_sum_to_100_per_case(tmp_path):
    table = sav_table(_data()).frame
    pct = table[[c for c in table.columns if c.endswith("_pct")]].sum(axis=1)
    assert all(math.isclose(v, 100.0) for v in pct)
    counts = table[[c for c in table.columns if c.endswith("_n")]].sum(axis=1)
    assert (counts == table["total"]).all()


def test_code_unit_counts_participant_code_occurrences():
    # unit code: distinct (participant, code) per theme; FG01 Q1: P1-C1, P1-C2, P2-C1 -> Funding 3
    table = sav_table(_data(), unit="code")
    row = table.frame.iloc[0]
    assert (row["group"], row["question"], row["t01_n"], row["total"]) == (1.0, 1.0, 3.0, 3.0)
    assert table.column_labels["t01_n"] == "Funding: number of code occurrences"
    with pytest.raises(ValueError, match="unit must be one of 'paragraph', 'code'; got 'word'"):
        sav_table(_data(), unit="word")


def test_sav_bytes_are_reproducible(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = export_sav(_data(), tmp_path / "a.sav").read_bytes()
    b = export_sav(_data(), tmp_path / "b.sav").read_bytes()
    assert a == b
    _, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"))
    assert str(meta.creation_time) == "1980-01-01 00:00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    export_sav(_data(), tmp_path / "c.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "c.sav"))
    assert str(meta.creation_time) == "2023-11-14 22:13:20"


def test_cli_export_sav(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    write_coded_data(_data(), folder)
    out = tmp_path / "out.sav"
    assert main(["export-sav", "--data", str(folder), "--out-file", str(out), "--unit", "code"]) == 0
    assert "4 cases (focus group × question), 2 themes" in capsys.readouterr().err
    frame, _ = pyreadstat.read_sav(str(out))
    assert frame["t01_n"].tolist() == [3.0, 0.0, 1.0, 2.0]


def test_cli_export_sav_bad_data_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "coded_segments.csv").write_text(
        "segment_id,focus_group,question,participant_id,code_id\nS1,FG1,0,P1,C1\n"
    )
    (folder / "codebook.csv").write_text("code_id,subtheme,theme,valence\nC1,a,Funding,success\n")
    out = tmp_path / "out.sav"
    assert main(["export-sav", "--data", str(folder), "--out-file", str(out)]) == 2
    assert "question" in capsys.readouterr().err
    assert not out.exists()


def test_per_question_means_and_sds_match_the_analysis():
    # what an SPSS user gets from Descriptives on the _pct variables split by question
    from synth.analysis import question_shares

    table = sav_table(_data())
    shares = question_shares(_data())
    for i, theme in enumerate(table.themes, start=1):
        by_q = table.frame.groupby("question")[f"t{i:02d}_pct"]
        for q, stats in by_q.agg(["mean", "std"]).iterrows():
            row = shares[(shares["question"] == q) & (shares["theme"] == theme)].iloc[0]
            assert math.isclose(stats["mean"], row["mean_pct"])
            assert math.isclose(stats["std"], row["sd_pct"])
    # hand-worked: question 1, Funding: groups at 100% and 50% -> mean 75, SD 35.355...
    q1 = table.frame[table.frame["question"] == 1]["t01_pct"]
    assert math.isclose(q1.mean(), 75.0) and math.isclose(q1.std(), math.sqrt(1250))


def test_module_all_names_exist():
    import synth.spss

    assert set(synth.spss.__all__) == {
        "SavTable",
        "sav_table",
        "export_sav",
        "written_by_synth",
    }
    for name in synth.spss.__all__:
        assert hasattr(synth.spss, name)
