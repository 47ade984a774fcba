"""The paper's counting rules (synth.analysis), on hand-worked examples.

Every expected number below is worked out by hand in the comments (or, for SDs, from the hand-listed
group percentages with the standard library), never copied from the code under test.
"""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pandas as pd
import pytest

from synth import DataError
from synth.analysis import (
    Analysis,
    analyse,
    code_occurrences,
    group_shares,
    question_shares,
    select_themes,
    theme_counts,
    theme_stats,
    write_analysis,
)
from synth.cli import main
from synth.io import CodedData

SEG_COLS = ["segment_id", "focus_group", "question", "participant_id", "code_id"]

# Four themes in codebook order; Delta's code is never used in any fixture below.
CODEBOOK = pd.DataFrame(
    {
        "code_id": ["a1", "a2", "b1", "c1", "d1"],
        "subtheme": ["Alpha one", "Alpha two", "Beta one", "Gamma one", "Delta one"],
        "theme": ["Alpha", "Alpha", "Beta", "Gamma", "Delta"],
        "valence": ["success", "challenge", "success", "challenge", "success"],
    }
)
THEMES = ["Alpha", "Beta", "Gamma", "Delta"]


def coded(rows: list[tuple[str, str, int, str, str]], book: pd.DataFrame = CODEBOOK) -> CodedData:
    return CodedData.from_frames(pd.DataFrame(rows, columns=SEG_COLS), book)


def skip_rows() -> list[tuple[str, str, int, str, str]]:
    """Three groups; FG2 skips Question 2; only FG2 answers Question 3; Delta is never coded.

    Question 1 (paragraphs per theme -> percentages of the group's total):
      FG1: S01 a1, S02 a2, S03 b1          -> Alpha 2, Beta 1   of 3 -> 66.67, 33.33, 0, 0
      FG2: S04 c1                          -> Gamma 1           of 1 -> 0, 0, 100, 0
      FG3: S05 a1, S06-S08 b1              -> Alpha 1, Beta 3   of 4 -> 25, 75, 0, 0
    Question 2:
      FG1: S09 a1, S10 b1                  -> 50, 50, 0, 0
      FG3: S11 b1                          -> 0, 100, 0, 0
    Question 3:
      FG2: S12 c1                          -> 0, 0, 100, 0
    """
    return [
        ("S01", "FG1", 1, "P11", "a1"),
        ("S02", "FG1", 1, "P12", "a2"),
        ("S03", "FG1", 1, "P11", "b1"),
        ("S04", "FG2", 1, "P21", "c1"),
        ("S05", "FG3", 1, "P31", "a1"),
        ("S06", "FG3", 1, "P31", "b1"),
        ("S07", "FG3", 1, "P32", "b1"),
        ("S08", "FG3", 1, "P33", "b1"),
        ("S09", "FG1", 2, "P11", "a1"),
        ("S10", "FG1", 2, "P12", "b1"),
        ("S11", "FG3", 2, "P31", "b1"),
        ("S12", "FG2", 3, "P21", "c1"),
    ]


@pytest.fixture
def skip_data() -> CodedData:
    return coded(skip_rows())


def row(shares: pd.DataFrame, question: int, theme: str) -> pd.Series:
    hit = shares[(shares["question"] == question) & (shares["theme"] == theme)]
    assert len(hit) == 1, f"expected one row for question {question}, theme {theme}"
    return hit.iloc[0]


# --- per-question shares ---------------------------------------------------------------------


def test_group_that_skipped_a_question_is_not_in_its_mean_sd_or_n(skip_data: CodedData) -> None:
    shares = question_shares(skip_data)
    # Question 2: FG1 (50, 50) and FG3 (0, 100); FG2 did not answer, so it is not a zero.
    alpha = row(shares, 2, "Alpha")
    assert alpha["n_groups"] == 2
    assert alpha["mean_pct"] == pytest.approx(25.0)  # (50 + 0) / 2, not (50 + 0 + 0) / 3
    assert alpha["sd_pct"] == pytest.approx(statistics.stdev([50.0, 0.0]))  # 35.355...
    beta = row(shares, 2, "Beta")
    assert beta["mean_pct"] == pytest.approx(75.0)  # (50 + 100) / 2
    # and the skipping group has no rows for Question 2 in the per-group table
    per_group = group_shares(skip_data)
    assert set(per_group.loc[per_group["question"] == 2, "focus_group"]) == {"FG1", "FG3"}


def test_question_one_means_and_sds_by_hand(skip_data: CodedData) -> None:
    shares = question_shares(skip_data)
    alpha = [200 / 3, 0.0, 25.0]  # FG1 2/3, FG2 0/1, FG3 1/4
    beta = [100 / 3, 0.0, 75.0]
    gamma = [0.0, 100.0, 0.0]
    for theme, values in (("Alpha", alpha), ("Beta", beta), ("Gamma", gamma)):
        got = row(shares, 1, theme)
        assert got["mean_pct"] == pytest.approx(sum(values) / 3)
        assert got["sd_pct"] == pytest.approx(statistics.stdev(values))
        assert got["n_groups"] == 3
    assert row(shares, 1, "Alpha")["mean_pct"] == pytest.approx(30.5556, abs=1e-4)


def test_one_group_gives_no_sd(skip_data: CodedData) -> None:
    gamma = row(question_shares(skip_data), 3, "Gamma")
    assert gamma["n_groups"] == 1
    assert gamma["mean_pct"] == pytest.approx(100.0)
    assert math.isnan(gamma["sd_pct"])


def test_theme_absent_everywhere_is_listed_with_zero(skip_data: CodedData) -> None:
    shares = question_shares(skip_data)
    # every question x every codebook theme, in question then codebook order
    assert shares[["question", "theme"]].values.tolist() == [
        [q, t] for q in (1, 2, 3) for t in THEMES
    ]
    delta = shares[shares["theme"] == "Delta"]
    assert delta["mean_pct"].tolist() == [0.0, 0.0, 0.0]
    assert delta["sd_pct"].iloc[:2].tolist() == [0.0, 0.0]  # questions 1 and 2: several groups
    assert math.isnan(delta["sd_pct"].iloc[2])  # question 3: one group
    counts = theme_counts(skip_data)
    assert counts["theme"].tolist() == THEMES
    assert counts.loc[
        counts["theme"] == "Delta", ["codes", "percent", "major"]
    ].values.tolist() == [[0, 0.0, False]]


def test_paragraph_coded_twice() -> None:
    # S1 carries a1 (Alpha) and b1 (Beta): it counts once for each theme.
    # S2 carries a1 and a2, both Alpha: it counts once for Alpha.
    # Alpha = {S1, S2} = 2 paragraphs, Beta = {S1} = 1; the group's total is 2 + 1 = 3.
    data = coded(
        [
            ("S1", "FG1", 1, "P1", "a1"),
            ("S1", "FG1", 1, "P1", "b1"),
            ("S2", "FG1", 1, "P1", "a1"),
            ("S2", "FG1", 1, "P1", "a2"),
        ]
    )
    per_group = group_shares(data).set_index("theme")
    assert per_group.loc["Alpha", "count"] == 2
    assert per_group.loc["Beta", "count"] == 1
    assert (per_group["total"] == 3).all()
    assert per_group.loc["Alpha", "pct"] == pytest.approx(200 / 3)
    assert per_group.loc["Beta", "pct"] == pytest.approx(100 / 3)
    # code occurrences: (P1, a1) once although in two paragraphs, (P1, a2), (P1, b1) -> 3
    counts = theme_counts(data).set_index("theme")["codes"]
    assert counts.to_dict() == {"Alpha": 2, "Beta": 1, "Gamma": 0, "Delta": 0}


def test_participant_repeating_a_point_is_one_code_occurrence() -> None:
    # P1 makes the a1 point in three paragraphs of Question 1 -> one occurrence;
    # P2 makes it once -> another; P1 makes it again in Question 2 -> another. Alpha = 3.
    data = coded(
        [
            ("S1", "FG1", 1, "P1", "a1"),
            ("S2", "FG1", 1, "P1", "a1"),
            ("S3", "FG1", 1, "P1", "a1"),
            ("S4", "FG1", 1, "P2", "a1"),
            ("S5", "FG1", 2, "P1", "a1"),
        ]
    )
    occ = code_occurrences(data)
    assert occ[["question", "participant_id", "code_id", "paragraphs"]].values.tolist() == [
        [1, "P1", "a1", 3],
        [1, "P2", "a1", 1],
        [2, "P1", "a1", 1],
    ]
    assert (occ["theme"] == "Alpha").all()
    assert theme_counts(data).set_index("theme").loc["Alpha", "codes"] == 3


def test_unit_switch() -> None:
    # FG1, Question 1: P1 says a1 in S1, S2, S3; P2 says b1 in S4.
    #   paragraph: Alpha 3 of 4 = 75%, Beta 1 of 4 = 25%
    #   code:      Alpha (P1, a1) 1 of 2 = 50%, Beta (P2, b1) 1 of 2 = 50%
    data = coded(
        [
            ("S1", "FG1", 1, "P1", "a1"),
            ("S2", "FG1", 1, "P1", "a1"),
            ("S3", "FG1", 1, "P1", "a1"),
            ("S4", "FG1", 1, "P2", "b1"),
        ]
    )
    by_paragraph = question_shares(data, unit="paragraph").set_index("theme")["mean_pct"]
    by_code = question_shares(data, unit="code").set_index("theme")["mean_pct"]
    assert by_paragraph[["Alpha", "Beta"]].tolist() == pytest.approx([75.0, 25.0])
    assert by_code[["Alpha", "Beta"]].tolist() == pytest.approx([50.0, 50.0])
    assert analyse(data, unit="code").unit == "code"
    # the 50% rule follows the unit: Alpha alone reaches 75 >= 50; under "code" Alpha's 50 too
    assert analyse(data).selected["theme"].tolist() == ["Alpha"]
    assert analyse(data, unit="code").selected["theme"].tolist() == ["Alpha"]


def test_unit_code_counts_distinct_participant_code_pairs() -> None:
    # Two participants make the same point (a1) -> 2; P1's a2 -> Alpha 3 occurrences in all.
    # P1 also makes b1 twice -> 1. Total 4: Alpha 75%, Beta 25%.
    data = coded(
        [
            ("S1", "FG1", 1, "P1", "a1"),
            ("S2", "FG1", 1, "P2", "a1"),
            ("S3", "FG1", 1, "P1", "a2"),
            ("S4", "FG1", 1, "P1", "b1"),
            ("S5", "FG1", 1, "P1", "b1"),
        ]
    )
    per_group = group_shares(data, unit="code").set_index("theme")
    assert per_group.loc[["Alpha", "Beta"], "count"].tolist() == [3, 1]
    assert per_group.loc["Alpha", "pct"] == pytest.approx(75.0)


def test_invalid_unit_is_refused(skip_data: CodedData) -> None:
    with pytest.raises(ValueError, match="unit must be one of 'paragraph', 'code'; got 'words'"):
        question_shares(skip_data, unit="words")  # type: ignore[arg-type]


# --- themes, major/minor and the descriptive statistics --------------------------------------


def test_major_is_strictly_greater_than_the_mean() -> None:
    # Occurrences: Alpha 3 (P1 a1, P2 a1, P3 a2), Beta 2 (P1 b1, P2 b1), Gamma 1 (P1 c1), and
    # a three-theme codebook: mean = (3 + 2 + 1) / 3 = 2. Alpha > 2 is major; Beta == 2 is minor.
    book = CODEBOOK[CODEBOOK["theme"] != "Delta"]
    data = coded(
        [
            ("S1", "FG1", 1, "P1", "a1"),
            ("S2", "FG1", 1, "P2", "a1"),
            ("S3", "FG1", 1, "P3", "a2"),
            ("S4", "FG1", 1, "P1", "b1"),
            ("S5", "FG1", 1, "P2", "b1"),
            ("S6", "FG1", 1, "P1", "c1"),
        ],
        book,
    )
    counts = theme_counts(data)
    assert counts["theme"].tolist() == ["Alpha", "Beta", "Gamma"]
    assert counts["codes"].tolist() == [3, 2, 1]
    assert counts["major"].tolist() == [True, False, False]
    assert counts["percent"].tolist() == pytest.approx([50.0, 100 / 3, 50 / 3])


def test_theme_stats_reproduce_the_paper() -> None:
    # Appendix 1's codes per theme (Funding's 40 = 323 minus the other eleven rows).
    appendix = pd.Series([52, 40, 33, 32, 32, 30, 23, 19, 18, 16, 16, 12])
    stats = theme_stats(appendix)
    # Results: "mean = 26.92; median = 26.50; SD = 11.74; range = 40.00"; 323 codes in all.
    assert round(stats["mean"], 2) == 26.92
    assert round(stats["median"], 2) == 26.50
    assert round(stats["sd"], 2) == 11.74
    assert stats["range"] == 40
    assert stats["total"] == 323
    # and the major/minor split of the paper: six themes above the mean
    assert int((appendix > stats["mean"]).sum()) == 6


def test_theme_stats_take_the_theme_counts_table() -> None:
    counts = pd.DataFrame({"theme": ["A", "B", "C"], "codes": [1, 2, 6]})
    # mean 3, median 2, SD sqrt(((1-3)^2 + (2-3)^2 + (6-3)^2) / 2) = sqrt(7), range 5, total 9
    assert theme_stats(counts) == pytest.approx(
        {"mean": 3.0, "median": 2.0, "sd": math.sqrt(7), "range": 5, "total": 9}
    )
    with pytest.raises(ValueError, match="'codes' column"):
        theme_stats(pd.DataFrame({"n": [1]}))
    with pytest.raises(ValueError, match="empty"):
        theme_stats(pd.Series([], dtype="int64"))


# --- the 50% rule ----------------------------------------------------------------------------


def shares_of(values: dict[str, float], question: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {"question": question, "theme": list(values), "mean_pct": list(values.values())}
    )


def test_fifty_percent_reached_exactly_stops_there() -> None:
    # Sorted: B 30, then A 20 and E 20 tie (A first in codebook order) -> 30 + 20 = 50 reached.
    shares = shares_of({"A": 20.0, "B": 30.0, "C": 15.0, "D": 15.0, "E": 20.0})
    picked = select_themes(shares)
    assert picked[["rank", "theme", "mean_pct", "cum_pct"]].values.tolist() == [
        [1, "B", 30.0, 30.0],
        [2, "A", 20.0, 50.0],
    ]


def test_ties_follow_the_given_theme_order() -> None:
    shares = shares_of({"A": 20.0, "B": 30.0, "C": 15.0, "D": 15.0, "E": 20.0})
    picked = select_themes(shares, theme_order=["E", "D", "C", "B", "A"])
    assert picked["theme"].tolist() == ["B", "E"]


def test_ties_in_data_follow_the_codebook_order() -> None:
    # FG1 Question 1: one paragraph each of Gamma, Beta, Alpha (in that row order) -> 33.3 each.
    # Codebook order Alpha, Beta, Gamma breaks the tie: Alpha (33.3), Beta (66.7) are reported.
    data = coded(
        [
            ("S1", "FG1", 1, "P1", "c1"),
            ("S2", "FG1", 1, "P1", "b1"),
            ("S3", "FG1", 1, "P1", "a1"),
        ]
    )
    selected = analyse(data).selected
    assert selected["theme"].tolist() == ["Alpha", "Beta"]
    assert selected["rank"].tolist() == [1, 2]


def test_one_theme_over_fifty_is_reported_alone_and_just_under_is_not() -> None:
    assert select_themes(shares_of({"A": 10.0, "B": 60.0, "C": 30.0}))["theme"].tolist() == ["B"]
    # 49.99 is short of 50: the next theme is needed
    assert select_themes(shares_of({"A": 49.99, "B": 40.0, "C": 10.01}))["theme"].tolist() == [
        "A",
        "B",
    ]
    # a cumulative sum a rounding error short of 50 has reached it
    assert select_themes(shares_of({"A": 50 - 1e-12, "B": 40.0, "C": 10.0}))["theme"].tolist() == [
        "A"
    ]


def test_selection_is_per_question(skip_data: CodedData) -> None:
    # Q1 means: Alpha 30.56, Beta 36.11, Gamma 33.33 -> Beta, then Gamma (69.44) reach 50.
    # Q2: Beta 75 alone. Q3: Gamma 100 alone.
    selected = analyse(skip_data).selected
    assert selected[["question", "rank", "theme"]].values.tolist() == [
        [1, 1, "Beta"],
        [1, 2, "Gamma"],
        [2, 1, "Beta"],
        [3, 1, "Gamma"],
    ]
    assert selected["cum_pct"].iloc[1] == pytest.approx((100 / 3 + 75) / 3 + 100 / 3)


def test_select_themes_refuses_bad_arguments() -> None:
    shares = shares_of({"A": 60.0, "B": 40.0})
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 100\], got 0"):
        select_themes(shares, threshold=0)
    with pytest.raises(ValueError, match="not in theme_order: B"):
        select_themes(shares, theme_order=["A"])
    with pytest.raises(ValueError, match="lacks column"):
        select_themes(shares.drop(columns="mean_pct"))


# --- properties on random data ---------------------------------------------------------------


def random_data(seed: int, n_rows: int = 600) -> CodedData:
    rng = np.random.default_rng(seed)
    n_seg = n_rows // 2
    seg_group = rng.integers(0, 6, n_seg)
    seg_question = rng.integers(1, 9, n_seg)
    seg_person = seg_group * 10 + rng.integers(0, 8, n_seg)  # a participant stays in one group
    seg = rng.integers(0, n_seg, n_rows)
    code = rng.integers(0, 5, n_rows)
    frame = pd.DataFrame(
        {
            "segment_id": [f"S{s:04d}" for s in seg],
            "focus_group": [f"FG{g}" for g in seg_group[seg]],
            "question": seg_question[seg],
            "participant_id": [f"P{p:03d}" for p in seg_person[seg]],
            "code_id": CODEBOOK["code_id"].to_numpy()[code],
        }
    ).drop_duplicates(["segment_id", "code_id"])
    return CodedData.from_frames(frame, CODEBOOK)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("unit", ["paragraph", "code"])
def test_properties_on_random_data(seed: int, unit: str) -> None:
    data = random_data(seed)
    per_group = group_shares(data, unit=unit)  # type: ignore[arg-type]
    sums = per_group.groupby(["question", "focus_group"])["pct"].sum()
    assert np.allclose(sums, 100.0)
    # every answering (question, group) has every theme
    assert (per_group.groupby(["question", "focus_group"]).size() == len(THEMES)).all()
    answering = data.segments.groupby("question")["focus_group"].nunique()
    shares = question_shares(data, unit=unit)  # type: ignore[arg-type]
    assert ((shares["mean_pct"] >= 0) & (shares["mean_pct"] <= 100)).all()
    assert np.allclose(shares.groupby("question")["mean_pct"].sum(), 100.0)
    n = shares.groupby("question")["n_groups"].first()
    assert n.to_dict() == answering.to_dict()
    assert (shares["sd_pct"].isna() == (shares["n_groups"] == 1)).all()
    selected = select_themes(shares, theme_order=data.theme_order)
    last = selected.groupby("question")["cum_pct"].last()
    assert (last >= 50 - 1e-9).all()
    before_last = selected.groupby("question")["cum_pct"].apply(lambda s: s.iloc[:-1].max())
    assert (before_last.fillna(0) < 50).all()
    # code occurrences per theme add up to the distinct (question, participant, code) triples
    total = data.segments.drop_duplicates(["question", "participant_id", "code_id"]).shape[0]
    assert theme_counts(data)["codes"].sum() == total


def test_analysis_bundles_everything(skip_data: CodedData) -> None:
    result = analyse(skip_data)
    assert isinstance(result, Analysis)
    assert result.unit == "paragraph"
    assert result.theme_order == tuple(THEMES)
    assert result.questions == [1, 2, 3]
    assert list(result.group_shares.columns) == [
        "question",
        "focus_group",
        "theme",
        "count",
        "total",
        "pct",
    ]
    # occurrences: a1 P11 Q1, a2 P12 Q1, a1 P31 Q1, a1 P11 Q2 -> Alpha 4; Beta: P11 Q1, P31 Q1,
    # P32 Q1, P33 Q1, P12 Q2, P31 Q2 -> 6; Gamma: P21 Q1, P21 Q3 -> 2; Delta 0. Mean 3.
    assert result.themes["codes"].tolist() == [4, 6, 2, 0]
    assert result.themes["major"].tolist() == [True, True, False, False]
    assert result.stats["total"] == 12
    assert result.stats["mean"] == pytest.approx(3.0)


# --- writing and the command -----------------------------------------------------------------


def test_write_analysis_files_and_format(skip_data: CodedData, tmp_path) -> None:
    written = write_analysis(analyse(skip_data), tmp_path / "a")
    assert [p.name for p in written] == [
        "themes.csv",
        "theme_stats.json",
        "shares.csv",
        "selected.csv",
    ]
    themes = (tmp_path / "a" / "themes.csv").read_bytes()
    assert themes.splitlines()[0] == b"theme,codes,percent,major"
    assert b"\r" not in themes
    shares = (tmp_path / "a" / "shares.csv").read_text()
    lines = shares.splitlines()
    assert lines[0] == "question,theme,mean_pct,sd_pct,n_groups"
    assert "3,Gamma,100,,1" in lines  # one group: sd_pct empty
    assert "2,Alpha,25,35.35533906,2" in lines  # 10 significant digits
    selected = (tmp_path / "a" / "selected.csv").read_text().splitlines()
    assert selected[0].split(",")[:4] == ["question", "rank", "theme", "mean_pct"]
    stats = (tmp_path / "a" / "theme_stats.json").read_text()
    assert list(json.loads(stats)) == ["mean", "median", "range", "sd", "total"]
    # the same data give the same bytes
    write_analysis(analyse(skip_data), tmp_path / "b")
    for name in ("themes.csv", "theme_stats.json", "shares.csv", "selected.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def write_inputs(folder, rows, book: pd.DataFrame = CODEBOOK):
    folder.mkdir(parents=True, exist_ok=True)
    seg = pd.DataFrame(rows, columns=SEG_COLS)
    seg.to_csv(folder / "coded_segments.csv", index=False)
    book.to_csv(folder / "codebook.csv", index=False)
    return folder / "coded_segments.csv", folder / "codebook.csv"


def test_cli_analyse_writes_the_four_files(tmp_path, capsys) -> None:
    seg, book = write_inputs(tmp_path / "in", skip_rows())
    out = tmp_path / "out"
    code = main(["analyse", "--segments", str(seg), "--codebook", str(book), "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir() if p.name != ".synth-output") == [
        "selected.csv",
        "shares.csv",
        "theme_stats.json",
        "themes.csv",
    ]
    shares = pd.read_csv(out / "shares.csv")
    assert (
        shares.loc[(shares["question"] == 2) & (shares["theme"] == "Beta"), "mean_pct"].item() == 75
    )
    assert "wrote" in capsys.readouterr().err


def test_cli_analyse_reads_xlsx_like_csv(tmp_path) -> None:
    seg, book = write_inputs(tmp_path / "in", skip_rows())
    pd.read_csv(seg).to_excel(tmp_path / "in" / "coded_segments.xlsx", index=False)
    pd.read_csv(book).to_excel(tmp_path / "in" / "codebook.xlsx", index=False)
    args = ["analyse", "--codebook"]
    assert main([*args, str(book), "--segments", str(seg), "--out", str(tmp_path / "c")]) == 0
    xlsx = [
        str(tmp_path / "in" / "codebook.xlsx"),
        "--segments",
        str(tmp_path / "in" / "coded_segments.xlsx"),
    ]
    assert main([*args, *xlsx, "--out", str(tmp_path / "x")]) == 0
    for name in ("themes.csv", "theme_stats.json", "shares.csv", "selected.csv"):
        assert (tmp_path / "c" / name).read_bytes() == (tmp_path / "x" / name).read_bytes()


def test_cli_analyse_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys) -> None:
    rows = skip_rows() + [("S13", "FG1", 1, "P11", "zz9")]  # code not in the codebook
    seg, book = write_inputs(tmp_path / "in", rows)
    out = tmp_path / "out"
    code = main(["analyse", "--segments", str(seg), "--codebook", str(book), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "code_id not in the codebook" in err[0]
    assert "coded_segments.csv" in err[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in"]  # no temporary folder left behind


def test_empty_dataset_is_a_data_error() -> None:
    empty = CodedData(pd.DataFrame(columns=SEG_COLS), CODEBOOK)
    with pytest.raises(DataError, match="no coded segments"):
        analyse(empty)


def test_distinct_rows_without_packing_agree_with_packing() -> None:
    from synth.analysis import _first

    # spans of 2**40 each cannot be packed into one int64 key: the pandas fallback is used
    big = 2**40
    assert _first(np.array([big, 0, big, 0]), np.array([big, 1, big, 2])).tolist() == [
        True,
        True,
        False,
        True,
    ]
    # the packed path on small values gives the same answer for the same pattern
    assert _first(np.array([1, 0, 1, 0]), np.array([1, 1, 1, 2])).tolist() == [
        True,
        True,
        False,
        True,
    ]
