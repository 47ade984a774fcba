"""Tests of synth.stats on cases whose answers are known independently: hand-worked
tables, textbook reliability examples, and seeded simulations."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from synth import stats
from synth._exceptions import DataError
from synth.io import CodedData

# --- small hand-built datasets ---------------------------------------------------------------


def _book(themes: list[str], per_theme: int = 1) -> pd.DataFrame:
    rows = []
    for t, theme in enumerate(themes):
        for k in range(per_theme):
            rows.append((f"C{t}{k}", f"{theme} sub {k}", theme, "success"))
    return pd.DataFrame(rows, columns=["code_id", "subtheme", "theme", "valence"])


def _data(rows: list[tuple[str, str, int, str, str]], themes: list[str], per_theme: int = 1) -> CodedData:
    seg = pd.DataFrame(
        rows, columns=["segment_id", "focus_group", "question", "participant_id", "code_id"]
    )
    return CodedData.from_frames(seg, _book(themes, per_theme))


def _paragraphs(group: str, question: int, counts: dict[str, int], start: int = 0,
                participants: int = 1) -> list[tuple[str, str, int, str, str]]:
    """``counts[code]`` paragraphs of each code, in one group and question (participants cycle)."""
    rows = []
    i = start
    for code, n in counts.items():
        for _ in range(n):
            i += 1
            person = f"{group}P{i % participants}"
            rows.append((f"{group}Q{question}S{i}", group, question, person, code))
    return rows


@pytest.fixture(scope="module")
def two_question_data() -> CodedData:
    """Three groups, two questions, themes A and B (codes CA0, CB0).

    Q1, paragraph shares of A: FG1 80%, FG2 60%, FG3 70% -> mean 70, SD 10.
    Q2: every group all B.
    """
    rows = []
    for g, (a, b) in {"FG1": (8, 2), "FG2": (6, 4), "FG3": (7, 3)}.items():
        rows += _paragraphs(g, 1, {"CA0": a, "CB0": b})
        rows += _paragraphs(g, 2, {"CB0": 5}, start=100)
    seg = pd.DataFrame(
        rows, columns=["segment_id", "focus_group", "question", "participant_id", "code_id"]
    )
    book = pd.DataFrame({"code_id": ["CA0", "CB0"], "subtheme": ["a", "b"], "theme": ["A", "B"],
                         "valence": ["success", "challenge"]})
    return CodedData.from_frames(seg, book)


# --- 1. uncertainty ---------------------------------------------------------------------------


def test_t_interval_equals_hand_computation():
    # mean 5, SD sqrt(20/3), n 4: 5 -/+ t(0.975, 3) * SD / 2, with t(0.975, 3) = 3.182446 (tables)
    low, high = stats.t_interval([2.0, 4.0, 6.0, 8.0])
    half = 3.182446 * math.sqrt(20 / 3) / 2
    assert low == pytest.approx(5 - half, abs=1e-5)
    assert high == pytest.approx(5 + half, abs=1e-5)
    # 90%: t(0.95, 3) = 2.353363
    low90, high90 = stats.t_interval([2.0, 4.0, 6.0, 8.0], level=0.90)
    assert high90 - 5 == pytest.approx(2.353363 * math.sqrt(20 / 3) / 2, abs=1e-5)


def test_t_interval_edge_cases():
    assert all(math.isnan(v) for v in stats.t_interval([3.0]))
    assert stats.t_interval([4.0, 4.0, 4.0]) == (4.0, 4.0)
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        stats.t_interval([1.0, 2.0], level=95)


def test_cluster_bootstrap_covers_known_mean_at_nominal_rate():
    # 400 simulated studies of 15 groups each from N(40, 10); the 95% percentile interval from
    # 2,000 cluster resamples should cover 40 about 95% of the time (the percentile bootstrap
    # is a little short with 15 clusters; theory and simulation put it near 0.93).
    rng = np.random.default_rng(8)
    hits = 0
    n_sims = 400
    for _ in range(n_sims):
        sample = rng.normal(40.0, 10.0, size=15)
        low, high = stats.cluster_bootstrap(sample, n_boot=2000, seed=rng)
        hits += bool(low[0] <= 40.0 <= high[0])
    coverage = hits / n_sims
    assert 0.89 <= coverage <= 0.98, coverage


def test_cluster_bootstrap_resamples_whole_rows_and_is_seeded():
    # two columns that always move together: in every replicate the row drawn carries both, so
    # column 2 = column 1 + 100 in both interval ends
    values = np.array([[1.0, 101.0], [5.0, 105.0], [9.0, 109.0], [2.0, 102.0]])
    low, high = stats.cluster_bootstrap(values, n_boot=3000, seed=3)
    assert low[1] - low[0] == pytest.approx(100.0)
    assert high[1] - high[0] == pytest.approx(100.0)
    again = stats.cluster_bootstrap(values, n_boot=3000, seed=3)
    assert np.array_equal(low, again[0]) and np.array_equal(high, again[1])
    # with two clusters 0 and 10, the replicate means are 0, 5 or 10: the 95% interval is [0, 10]
    lo2, hi2 = stats.cluster_bootstrap([[0.0], [10.0]], n_boot=4000, seed=1)
    assert (lo2[0], hi2[0]) == (0.0, 10.0)
    with pytest.raises(ValueError, match="n_boot must be at least 1"):
        stats.cluster_bootstrap(values, n_boot=0)


def test_share_intervals_on_hand_worked_groups(two_question_data):
    table = stats.share_intervals(two_question_data, n_boot=2000, seed=5)
    q1a = table[(table["question"] == 1) & (table["theme"] == "A")].iloc[0]
    assert q1a["n_groups"] == 3
    assert q1a["mean_pct"] == pytest.approx(70.0)
    assert q1a["sd_pct"] == pytest.approx(10.0)
    half = 4.302653 * 10.0 / math.sqrt(3)  # t(0.975, 2) = 4.302653
    assert q1a["t_low"] == pytest.approx(70 - half, abs=1e-4)
    assert q1a["t_high"] == pytest.approx(70 + half, abs=1e-4)
    # a resample of three groups has a mean between the smallest and largest group
    assert 60.0 <= q1a["boot_low"] <= 70.0 <= q1a["boot_high"] <= 80.0
    # A and B add to 100 in every group, so their intervals mirror each other
    q1b = table[(table["question"] == 1) & (table["theme"] == "B")].iloc[0]
    assert q1b["boot_low"] == pytest.approx(100 - q1a["boot_high"])
    # Q2: every group 100% B: zero-width intervals
    q2b = table[(table["question"] == 2) & (table["theme"] == "B")].iloc[0]
    assert (q2b["t_low"], q2b["t_high"], q2b["boot_low"], q2b["boot_high"]) == (100, 100, 100, 100)


def test_plot_share_intervals_draws_the_three_intervals(two_question_data):
    import matplotlib.pyplot as plt

    table = stats.share_intervals(two_question_data, n_boot=500, seed=5)
    fig, ax = plt.subplots()
    out = stats.plot_share_intervals(table, question=1, ax=ax)
    assert out is ax
    assert [c.get_label() for c in ax.containers] == ["mean ± 1 SD", "t CI", "bootstrap CI"]
    row = table[(table["question"] == 1) & (table["theme"] == "A")].iloc[0]
    expected = [
        (row["mean_pct"] - row["sd_pct"], row["mean_pct"] + row["sd_pct"]),
        (row["t_low"], row["t_high"]),
        (row["boot_low"], row["boot_high"]),
    ]
    for container, (lo, hi) in zip(ax.containers, expected, strict=True):
        segments = container.lines[2][0].get_segments()
        assert segments[0][0][1] == pytest.approx(lo)
        assert segments[0][1][1] == pytest.approx(hi)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B"]
    with pytest.raises(ValueError, match="question 7 is not in the intervals"):
        stats.plot_share_intervals(table, question=7, ax=ax)


# --- 2. contingency -----------------------------------------------------------------------------


def test_chi_square_of_a_hand_computed_2x2_table():
    res = stats.chi_square_test(np.array([[10, 20], [30, 40]]))
    # expected 12, 18, 28, 42 -> X^2 = 4/12 + 4/18 + 4/28 + 4/42 = 50/63
    assert res.statistic == pytest.approx(50 / 63)
    assert res.df == 1
    assert np.allclose(res.expected.to_numpy(), [[12, 18], [28, 42]])
    # chi-square(1) survival: erfc(sqrt(x / 2))
    assert res.pvalue == pytest.approx(math.erfc(math.sqrt(50 / 63 / 2)))
    # in a 2 x 2 table every adjusted residual is +/- sqrt(X^2)
    assert np.allclose(np.abs(res.residuals.to_numpy()), math.sqrt(50 / 63))
    assert res.residuals.iloc[0, 0] < 0


def test_chi_square_of_a_hand_computed_2x3_table_with_zero_margin():
    table = pd.DataFrame([[10, 10, 0, 0], [0, 10, 10, 0]], index=["A", "B"],
                         columns=[1, 2, 3, 4])
    res = stats.chi_square_test(table)
    # column 4 is empty; the rest: expected 5, 10, 5 in each row -> X^2 = 4 * 25 / 5 = 20, df 2
    assert res.dropped == ("column 4",)
    assert res.statistic == pytest.approx(20.0)
    assert res.df == 2
    assert res.pvalue == pytest.approx(math.exp(-10.0))  # chi-square(2) survival is exp(-x / 2)
    assert res.min_expected == pytest.approx(5.0)
    with pytest.raises(ValueError, match="non-negative counts"):
        stats.chi_square_test(np.array([[1, -1], [2, 3]]))
    with pytest.raises(ValueError, match="at least two rows and two columns"):
        stats.chi_square_test(np.array([[1, 2], [0, 0]]))


def test_permute_within_keeps_each_block():
    labels = np.array([1, 1, 2, 3, 3, 3, 4, 5])
    blocks = np.array(["b", "a", "a", "b", "a", "b", "c", "c"])
    perms = stats.permute_within(labels, blocks, n_perm=200, seed=0)
    assert perms.shape == (200, 8)
    for block in "abc":
        where = blocks == block
        assert (np.sort(perms[:, where], axis=1) == np.sort(labels[where])).all()
    # labels do move: more than one distinct arrangement within block "a"
    assert len({tuple(row) for row in perms[:, blocks == "a"]}) > 1


def _association_data(associated: bool) -> CodedData:
    """Six groups, each 4 code occurrences in Q1 and 4 in Q2 (distinct participants).

    associated: Q1 all theme A, Q2 all theme B. Not associated: each question half A, half B.
    """
    rows = []
    for g in range(6):
        for q in (1, 2):
            for k in range(4):
                if associated:
                    code = "C00" if q == 1 else "C10"
                else:
                    code = "C00" if k < 2 else "C10"
                rows.append((f"G{g}Q{q}S{k}", f"G{g}", q, f"G{g}P{k}", code))
    return _data(rows, ["A", "B"])


def test_permutation_p_value_extremes():
    strong = stats.theme_question_association(_association_data(True), n_perm=999, seed=1)
    # the observed table is the most extreme possible; a within-group shuffle reproduces it with
    # probability (1 / 70) ** 6, so no permutation reaches it
    assert strong.statistic == pytest.approx(48.0)  # n * phi^2 with phi = 1
    assert strong.pvalue_perm == pytest.approx(1 / 1000)
    assert strong.n_perm == 999
    null = stats.theme_question_association(_association_data(False), n_perm=999, seed=1)
    assert null.statistic == pytest.approx(0.0)
    assert null.pvalue_perm == 1.0
    with pytest.raises(ValueError, match="n_perm must be at least 1"):
        stats.theme_question_association(_association_data(True), n_perm=0)


def test_theme_question_table_counts_code_occurrences():
    # P1 repeats code C00 in three paragraphs of Q1: one occurrence
    rows = [("S1", "G1", 1, "P1", "C00"), ("S2", "G1", 1, "P1", "C00"), ("S3", "G1", 1, "P1", "C00"),
            ("S4", "G1", 1, "P2", "C00"), ("S5", "G1", 2, "P1", "C10")]
    table = stats.theme_question_table(_data(rows, ["A", "B", "C"]))
    assert table.loc["A", 1] == 2 and table.loc["B", 2] == 1
    assert table.loc["C"].sum() == 0  # themes without codes stay as rows
    assert list(table.index) == ["A", "B", "C"]


def test_plot_residuals_annotates_every_cell():
    import matplotlib.pyplot as plt

    res = stats.chi_square_test(np.array([[10, 20], [30, 40]]))
    fig, ax = plt.subplots()
    stats.plot_residuals(res, ax=ax)
    values = [float(t.get_text()) for t in ax.texts]
    assert values == pytest.approx([-0.9, 0.9, 0.9, -0.9])


def test_count_glm_lr_equals_g2_of_the_margin_table():
    # every group answers every question, so the interaction model's fit has the closed form
    # n_tq. n_..g / n and the LR statistic equals G^2 of the theme x question table
    rng = np.random.default_rng(11)
    rows = []
    for g in range(5):
        for q in (1, 2, 3):
            for t in range(3):
                for k in range(int(rng.integers(1, 6)) + (4 if t == q - 1 else 0)):
                    rows.append((f"G{g}Q{q}T{t}S{k}", f"G{g}", q, f"G{g}Q{q}T{t}P{k}", f"C{t}0"))
    data = _data(rows, ["A", "B", "C"])
    fit = stats.count_glm(data)
    obs = stats.theme_question_table(data).to_numpy(dtype=float)
    exp = obs.sum(axis=1, keepdims=True) * obs.sum(axis=0, keepdims=True) / obs.sum()
    g2 = 2 * np.sum(obs * np.log(obs / exp))
    assert fit.lr_statistic == pytest.approx(g2, rel=1e-6)
    assert fit.lr_df == 4  # (3 - 1) * (3 - 1)
    assert fit.n_clusters == 5 and fit.n_obs == 5 * 3 * 3
    assert fit.coefficients["se"].gt(0).all()
    assert set(fit.coefficients["term"]) >= {"Intercept", "C(theme)[T.B]", "C(question)[T.02]"}


def test_count_glm_empty_cells_and_themes():
    # theme C has no codes anywhere (left out); the cell B x Q1 is empty everywhere
    rows = []
    for g in range(3):
        rows += [(f"G{g}S{k}", f"G{g}", 1, f"G{g}P{k}", "C00") for k in range(3)]
        rows += [(f"G{g}T{k}", f"G{g}", 2, f"G{g}Q{k}", "C10") for k in range(2)]
        rows += [(f"G{g}U{k}", f"G{g}", 2, f"G{g}R{k}", "C00") for k in range(2)]
    fit = stats.count_glm(_data(rows, ["A", "B", "C"]))
    assert set(fit.data["theme"]) == {"A", "B"}
    # 2 themes x 2 questions: one interaction parameter; the empty cell makes the saturated fit
    # exact, so LR = G^2 of [[9, 6], [0, 6]] computed by hand
    obs = np.array([[9.0, 6.0], [0.0, 6.0]])
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / obs.sum()
    nz = obs > 0
    g2 = 2 * np.sum(obs[nz] * np.log(obs[nz] / exp[nz]))
    assert fit.lr_df == 1
    assert fit.lr_statistic == pytest.approx(g2, rel=1e-5)


# --- 3. sensitivity -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sensitivity_data() -> CodedData:
    """Themes A, B, C, D (codebook order). Two groups; one participant per theme and group.

    Q1: one participant per group, three paragraphs of distinct A codes; in G1 one of them also
        carries D -> paragraph shares G1 A 75 / D 25, G2 A 100 -> reports A.
    Q2 paragraph shares: G1 B 60 / C 40; G2 B 40 / C 60 -> B 50, C 50 (tie: B first) -> reports B
        (50% reached exactly); at 40% B; at 60% B and C.
    """
    rows = []
    for g, (b, c) in {"G1": (3, 2), "G2": (2, 3)}.items():
        rows += [(f"{g}Q1S{k}", g, 1, f"{g}PA", f"C0{k}") for k in range(3)]
        rows += [(f"{g}Q2B{k}", g, 2, f"{g}PB", f"C1{k}") for k in range(b)]
        rows += [(f"{g}Q2C{k}", g, 2, f"{g}PC", f"C2{k}") for k in range(c)]
    # theme D once, in Q1 of G1, as a second code on an A paragraph
    rows.append(("G1Q1S0", "G1", 1, "G1PA", "C30"))
    return _data(rows, ["A", "B", "C", "D"], per_theme=3)


def test_sensitivity_rules_on_hand_worked_data(sensitivity_data):
    sens = stats.sensitivity(sensitivity_data)
    rep = sens.reported.set_index(["question", "scenario"])["themes"]
    assert rep[(1, "baseline")] == "A"
    assert rep[(2, "baseline")] == "B"  # the tie goes to the codebook order, B reaches 50
    assert rep[(2, "rule_40")] == "B"
    assert rep[(2, "rule_60")] == "B; C"
    conc = sens.conclusions.set_index("question")
    assert bool(conc.loc[2, "rule_60"]) is False and bool(conc.loc[2, "rule_40"]) is True
    # Q1 is A in every group: unchanged everywhere, including leaving either group out
    assert conc.loc[1, "robustness"] == "robust: unchanged under every check"
    assert conc.loc[1, "logo"] == "2/2"
    # Q2 without G1 is G2 alone (C 60) -> reports C; without G2 -> B
    loo = sens.leave_one_out.set_index(["question", "theme"])["reported_in"]
    assert loo[(2, "B")] == 1 and loo[(2, "C")] == 1
    assert conc.loc[2, "logo"] == "1/2"
    assert "rule_60" in conc.loc[2, "robustness"]


def test_sensitivity_major_threshold_and_participants(sensitivity_data):
    sens = stats.sensitivity(sensitivity_data)
    major = sens.major.set_index("theme")
    # code occurrences: A 6 (3 distinct codes x 2 groups), B 5, C 5, D 1 -> mean 4.25, median 5
    assert major["codes"].tolist() == [6, 5, 5, 1]
    assert major["major_mean"].tolist() == [True, True, True, False]
    assert major["major_median"].tolist() == [True, False, False, False]
    row = sens.conclusions[sens.conclusions["kind"] == "major_themes"].iloc[0]
    assert row["conclusion"] == "3 major themes: A, B and C"
    assert bool(row["median_threshold"]) is False
    # participants as units: in Q2 each participant is all B or all C -> B 50, C 50 over four
    sd = sens.sd_comparison.set_index(["question", "theme"])
    assert sd.loc[(2, "B"), "n_participants"] == 4
    assert sd.loc[(2, "B"), "mean_participants"] == pytest.approx(50.0)
    assert sd.loc[(2, "B"), "sd_participants"] == pytest.approx(np.std([100, 0, 100, 0], ddof=1))
    assert sd.loc[(2, "B"), "sd_groups"] == pytest.approx(np.std([60, 40], ddof=1))


def test_sensitivity_against_the_published_record(sensitivity_data, root):
    from synth.published import load_published

    folder = root / "data" / "raw" / "published"
    if not (folder / "claims.csv").is_file():
        pytest.skip("the published record is not in data/raw/published yet")
    sens = stats.sensitivity(sensitivity_data, published=load_published(folder))
    conc = sens.conclusions.set_index("question")
    # these toy data do not reproduce the paper
    assert conc.loc[1, "published"] == "Relationships with partners; Research evidence"
    assert not conc["matches_published"].any()


# --- 4. intercoder reliability ------------------------------------------------------------------


def test_cohen_kappa_textbook_example():
    # 50 proposals: p_o = 35/50 = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert stats.cohen_kappa([[20, 5], [10, 15]]) == pytest.approx(0.4)
    assert stats.cohen_kappa([[7, 0], [0, 0]]) == 1.0  # complete agreement, one category
    with pytest.raises(ValueError, match="square"):
        stats.cohen_kappa([[1, 2, 3], [4, 5, 6]])


def test_krippendorff_alpha_examples_from_krippendorff_2011():
    # two observers, ten units, binary: alpha = 1 - 19 * 4 / (14 * 6) = 0.095
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert stats.krippendorff_alpha([a, b]) == pytest.approx(1 - 19 * 4 / (14 * 6))
    # four observers, twelve units, nominal, with missing values: alpha = 0.743
    nan = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert stats.krippendorff_alpha(data) == pytest.approx(0.743, abs=5e-4)
    # labels may be strings; no variation at all gives NaN
    assert math.isnan(stats.krippendorff_alpha([["x", "x"], ["x", "x"]]))
    with pytest.raises(ValueError, match="coders x units"):
        stats.krippendorff_alpha([1, 2, 3])


def test_coding_comparison_hand_worked_two_coders():
    # ten paragraphs; code K1: coder A on 1-5, coder B on 1-4 and 6; code K2: A on 7, B on 7
    rows = [(f"S{i}", "K1", "A") for i in range(1, 6)]
    rows += [(f"S{i}", "K1", "B") for i in (1, 2, 3, 4, 6)]
    rows += [("S7", "K2", "A"), ("S7", "K2", "B")]
    rows += [(f"S{i}", "K3", "A") for i in (8, 9, 10)]  # paragraphs 8-10: only A, code K3
    seg = pd.DataFrame(rows, columns=["segment_id", "code_id", "coder"])
    out = stats.coding_comparison(seg).set_index("code_id")
    k1 = out.loc["K1"]
    assert k1["units"] == 10
    assert (k1["a_and_b_pct"], k1["not_a_and_not_b_pct"]) == (40.0, 40.0)
    assert (k1["a_not_b_pct"], k1["b_not_a_pct"], k1["disagreement_pct"]) == (10.0, 10.0, 20.0)
    assert k1["agreement_pct"] == 80.0
    assert k1["kappa"] == pytest.approx(0.6)  # (0.8 - 0.5) / (1 - 0.5)
    assert k1["alpha"] == pytest.approx(1 - 19 * 2 / (10 * 10))
    assert out.loc["K2", "kappa"] == 1.0 and out.loc["K2", "agreement_pct"] == 100.0
    # K3: A 3 of 10, B none: p_o 0.7, p_e 0.7 -> kappa 0
    assert out.loc["K3", "kappa"] == pytest.approx(0.0)
    total = out.loc["(all codes)"]
    assert total["kappa"] == pytest.approx((0.6 + 1.0 + 0.0) / 3)
    assert total["agreement_pct"] == pytest.approx(100 * (8 + 10 + 7) / 30)


def test_coding_comparison_errors():
    seg = pd.DataFrame({"segment_id": ["S1"], "code_id": ["K1"]})
    with pytest.raises(DataError, match="needs column.s. coder"):
        stats.coding_comparison(seg)
    three = pd.DataFrame({"segment_id": ["S1"] * 3, "code_id": ["K1"] * 3, "coder": list("ABC")})
    with pytest.raises(DataError, match="expected exactly two coders, found 3"):
        stats.coding_comparison(three)
    with pytest.raises(DataError, match="coder 'Z' has no codings"):
        stats.coding_comparison(three, coders=["A", "Z"])


def test_nvivo_windows_fixture_carries_one_coder_only(shared_dir):
    # The project's <Users> lists two users (Gergo, floriansipos), but every <Coding> was created
    # by Gergo: there is no second coding of the same text, so no agreement can be computed.
    from synth.qdpx import import_qdpx

    imported = import_qdpx(shared_dir / "fixtures" / "refi-qda" / "nvivo-win-12.6.qdpx")
    assert len(imported.segments) == 303
    assert set(imported.segments["coder"]) == {"Gergo"}
    with pytest.raises(DataError, match="expected exactly two coders, found 1: Gergo"):
        stats.coding_comparison(imported.segments)





# --- the module's surface -----------------------------------------------------------------------


def test_public_names_are_exactly_exported():
    assert sorted(stats.__all__) == sorted(set(stats.__all__))
    for name in stats.__all__:
        assert hasattr(stats, name), name
    assert dataclasses.is_dataclass(stats.ChiSquareResult)


def test_statistics_notebook_is_committed_clean(root):
    import json

    # plain JSON: nbformat's schema validation costs seconds and is not what is checked here
    nb = json.loads((root / "notebooks" / "50_statistics.ipynb").read_text(encoding="utf-8"))
    source = {id(c): "".join(c["source"]) for c in nb["cells"]}
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    for name in ("data_dir", "out_dir", "unit"):
        assert f"{name} = " in source[id(code[0])]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert not any(line.lstrip().startswith(("def ", "class ", "lambda"))
                   for c in code for line in source[id(c)].splitlines())
    text = " ".join(source[id(c)] for c in nb["cells"] if c["cell_type"] == "markdown")
    # the prose is any study's: what concerns the paper or the reconstruction is shown by code,
    # only for a study compared with the paper or for the shipped reconstruction
    for word in ("reconstructed", "ensemble", "twelve", "ten at most", "eight questions"):
        assert word not in text, word
    assert "wording.statistics_caveat(context)" in " ".join(source.values())


# --- what the data allow --------------------------------------------------------------------


def test_attempt_turns_not_applicable_into_a_note() -> None:
    one_question = _data(_paragraphs("FG1", 1, {"C00": 2, "C10": 1})
                         + _paragraphs("FG2", 1, {"C00": 1, "C10": 3}, start=10), ["A", "B"])
    out = stats.attempt("chi-square test", stats.theme_question_association, one_question,
                        n_perm=10)
    assert out.value is None and not out.ok
    assert out.notes == ("chi-square test: not computed: the data have codes in one question "
                         "only, so there is no theme x question table to test",)
    assert "<li>chi-square test: not computed" in out._repr_html_()


def test_count_glm_says_why_not() -> None:
    one_group = _data(_paragraphs("FG1", 1, {"C00": 2, "C10": 1})
                      + _paragraphs("FG1", 2, {"C00": 1, "C10": 3}, start=10), ["A", "B"])
    with pytest.raises(stats.NotApplicable, match="at least two focus groups .* one focus group"):
        stats.count_glm(one_group)
    # each question answered by its own single group: question and group cannot be told apart
    confounded = _data(_paragraphs("FG1", 1, {"C00": 2, "C10": 1})
                       + _paragraphs("FG2", 2, {"C00": 1, "C10": 3}), ["A", "B"])
    with pytest.raises(stats.NotApplicable, match="the design is singular: 1 of its 4 terms"):
        stats.count_glm(confounded)


def test_count_glm_warns_of_few_clusters(two_question_data) -> None:
    fit = stats.count_glm(two_question_data)
    assert fit.n_clusters == 3
    assert fit.notes[0].startswith("3 focus groups: cluster-robust standard errors need about 10")


def test_attempt_keeps_library_words_and_passes_synth_warnings_on() -> None:
    import warnings

    import statsmodels
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    def library_warns() -> int:
        warnings.warn_explicit("IRLS did not converge", ConvergenceWarning,
                               statsmodels.__file__, 1)
        warnings.warn_explicit("divide by zero", RuntimeWarning, statsmodels.__file__, 2)
        return 7

    out = stats.attempt("model", library_warns)
    assert out.value == 7
    assert out.notes == ("model: statsmodels warned (ConvergenceWarning): IRLS did not converge",
                         "model: statsmodels warned (RuntimeWarning): divide by zero")

    def synth_warns() -> int:
        warnings.warn_explicit("synth's own arithmetic", RuntimeWarning, stats.__file__, 1)
        return 8

    with pytest.warns(RuntimeWarning, match="synth's own arithmetic"):
        again = stats.attempt("model", synth_warns)
    assert again.value == 8 and again.notes == ()


def test_intervals_and_sensitivity_with_one_group() -> None:
    one_group = _data(_paragraphs("FG1", 1, {"C00": 2, "C10": 1})
                      + _paragraphs("FG1", 2, {"C00": 1, "C10": 3}, start=10), ["A", "B"])
    intervals = stats.share_intervals(one_group, n_boot=50)
    assert intervals[["sd_pct", "t_low", "boot_low"]].isna().all().all()
    assert stats.interval_notes(intervals) == [
        f"Question {q}: one focus group answered, so its bars have no SD, no t interval and no "
        "bootstrap interval." for q in (1, 2)]
    sens = stats.sensitivity(one_group)
    assert sens.notes and sens.notes[0].startswith("one focus group: leaving a group out")
    assert (sens.conclusions["logo"] == "0/0").all()
    assert (sens.conclusions["checks"] == 5).all()  # the leave-one-out check is not counted
