"""The reconstructed dataset: the budget, determinism, and every published target reproduced.

Expected values come from the published record (``data/raw/published/``, transcribed from the
paper by another module) or are worked out by hand in the comments, never from the code under
test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth import ReconstructionError
from synth.analysis import analyse
from synth.cli import main
from synth.io import load_coded_data
from synth.published import canonical_names, load_published, reported_themes
from synth.reconstruct import DEFAULT_SEED, _polish, reconstruct
from synth.targets import Targets, groups_needed, targets_from_published, theme_budget

FILES = ("coded_segments.csv", "codebook.csv", "participants.csv")


@pytest.fixture(scope="module")
def published():
    return load_published()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """One run of ``synth reconstruct`` with the default seed (the expensive step, done once)."""
    out = tmp_path_factory.mktemp("recon") / "out"
    assert main(["reconstruct", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def data(rebuilt):
    return load_coded_data(rebuilt)


@pytest.fixture(scope="module")
def result(data):
    return analyse(data, unit="paragraph")


def _claims(published, kind: str) -> pd.DataFrame:
    return published.claims[published.claims["kind"] == kind]


def _one(published, kind: str) -> float:
    return float(_claims(published, kind)["value"].iloc[0])


# --- the budget ------------------------------------------------------------------------------


def test_groups_needed_by_hand() -> None:
    # k of 10 groups can give at most 10k%: 95.17% needs all 10, 67.43% needs 7 (60% < 67.43)
    assert groups_needed(95.17, 10) == 10
    assert groups_needed(67.43, 10) == 7
    # exactly 30% with 3 groups would need three pure groups and nothing else: 4 are needed
    assert groups_needed(30.0, 10) == 4
    assert groups_needed(5.0, 10) == 1
    with pytest.raises(ValueError, match="must be a percentage"):
        groups_needed(120.0, 10)


def _tiny_targets(codes_a: int = 6) -> Targets:
    """Two themes, two questions, three groups; worked by hand below."""
    return Targets(
        themes=("A", "B"),
        theme_codes={"A": codes_a, "B": 5},
        subthemes=(
            ("A", "a1", "success", False),
            ("A", "a2", "success", False),
            ("A", "a3", "challenge", False),
            ("A", "a4", "challenge", False),
            ("B", "b1", "success", False),
        ),
        questions=(1, 2),
        reported={1: (("A", 70.0),), 2: (("B", 60.0),)},
        tables={(1, "A"): ("a1", "a2"), (2, "B"): ("b1",)},
        quotations=(),
        n_paragraphs=30,
        n_codes=codes_a + 5,
        n_groups=3,
        n_participants=9,
        size_min=2,
        size_max=4,
        size_mean=3,
        size_median=3,
    )


def test_theme_budget_hand_example() -> None:
    budget = theme_budget(_tiny_targets()).set_index("theme")
    # A in question 1 at 70% over 3 groups: 2 groups give at most 66.7%, so 3 groups, which is
    # more than its 2 listed subthemes -> 3; a3 and a4 are in no table -> 2 more; 5 in all.
    assert budget.loc["A", "in_tables"] == 3
    assert budget.loc["A", "untabled"] == 2
    assert budget.loc["A", "minimum"] == 5
    assert budget.loc["A", "slack"] == 1
    # B in question 2 at 60%: 2 of 3 groups give at most 66.7% > 60 -> 2; one subtheme, tabled
    assert budget.loc["B", "minimum"] == 2
    assert budget.loc["B", "slack"] == 3


def test_theme_budget_of_the_paper(published) -> None:
    budget = theme_budget(targets_from_published(published)).set_index("theme")
    codes = published.themes.set_index("theme")["codes"].astype(int)
    assert (budget["codes"] == codes.reindex(budget.index)).all()
    assert (budget["slack"] >= 0).all()
    # Health inequalities and deprivation: 10 (Q5, every group) + 5 (Table 7) + 5 (Table 9)
    # + the 12 Appendix 1 subthemes no table lists = 32, its whole count
    hi = budget.loc["Health inequalities and deprivation"]
    assert (hi["in_tables"], hi["untabled"], hi["minimum"], hi["slack"]) == (20, 12, 32, 0)
    # Mental health: 5 (Table 9) + its 2 successes, in no table = 7 of 12
    assert budget.loc["Mental health", "minimum"] == 7


def test_short_budget_is_refused(monkeypatch) -> None:
    import synth.reconstruct as rec

    monkeypatch.setattr(rec, "targets_from_published", lambda published=None: _tiny_targets(4))
    with pytest.raises(ReconstructionError, match=r"fewer codes than the tables .* A: 4 codes, 5 needed"):
        reconstruct(seed=1)


def test_polish_hits_a_target_exactly_by_hand() -> None:
    # two groups of 10 and 11 paragraphs; theme 0 reported at 52.27%, theme 1 unreported.
    # 5/10 and 6/11 give (0.5 + 0.54545)/2 = 52.27%; start from 6/10 and 5/11 (52.73%).
    codes = np.array([[1, 1], [1, 1]])
    par = np.array([[6, 4], [5, 6]])
    out = _polish(par, codes, np.array([52.27, 0.0]), np.array([True, False]), ceiling=100.0)
    assert out is not None
    assert out.sum(1).tolist() == [10, 11]  # group sizes held
    assert round(50 * (out[0, 0] / 10 + out[1, 0] / 11), 2) == 52.27


# --- the shipped dataset ---------------------------------------------------------------------


def test_default_seed_gives_the_shipped_bytes(rebuilt, raw) -> None:
    for name in FILES:
        assert (rebuilt / name).read_bytes() == (raw / name).read_bytes(), name


def test_same_seed_same_data_other_seed_other_data(raw) -> None:
    seed = DEFAULT_SEED + 1
    first, second = reconstruct(seed=seed), reconstruct(seed=seed)
    pd.testing.assert_frame_equal(first.segments, second.segments)
    shipped = load_coded_data(raw)
    assert not first.segments["participant_id"].equals(shipped.segments["participant_id"])


def test_refuses_to_write_into_raw_without_update_raw(tmp_path, capsys) -> None:
    target = tmp_path / "data" / "raw"
    assert main(["reconstruct", "--out", str(target)]) == 2
    assert "read-only input" in capsys.readouterr().err
    assert not target.exists()


def test_counts_and_groups(data, published) -> None:
    seg, people = data.segments, data.participants
    assert seg["segment_id"].nunique() == _one(published, "n_paragraphs")
    # one code per paragraph: distinct paragraphs per theme are rows
    assert len(seg) == seg["segment_id"].nunique()
    occurrences = seg[["question", "participant_id", "code_id"]].drop_duplicates()
    assert len(occurrences) == _one(published, "n_codes")
    sizes = people.groupby("focus_group").size()
    assert len(sizes) == _one(published, "n_focus_groups")
    assert len(people) == _one(published, "n_participants") == sizes.sum()
    assert sizes.min() == _one(published, "group_size_min")
    assert sizes.max() == _one(published, "group_size_max")
    assert sizes.mean() == _one(published, "group_size_mean")
    assert sizes.median() == _one(published, "group_size_median")
    assert set(seg["participant_id"]) == set(people["participant_id"])  # everyone speaks
    roles = people["role"].value_counts()
    for role, count in zip(published.roles["role"], published.roles["count"], strict=False):
        assert roles.get(role, 0) == int(count), role
    pi = people[people["role"].str.contains("principal investigator")]
    assert sorted(pi["focus_group"]) == sorted(sizes.index)  # exactly one per group


def test_theme_counts_and_statistics(result, published) -> None:
    themes = result.themes.set_index("theme")
    expected = published.themes.set_index("theme")
    assert list(themes.index) == list(expected.index)  # Appendix 1 order
    assert (themes["codes"] == expected["codes"].astype(int)).all()
    assert (themes["percent"].round(2) == expected["percent"].astype(float)).all()
    assert (np.where(themes["major"], "major", "minor") == expected["class"]).all()
    for stat in ("mean", "median", "sd", "range"):
        assert round(result.stats[stat], 2) == _one(published, f"stat_{stat}"), stat


def test_every_subtheme_used_with_its_valence(data, published) -> None:
    coded = data.coded()
    used = coded[["theme", "subtheme", "valence"]].drop_duplicates()
    appendix = published.subthemes[["theme", "subtheme", "valence"]]
    merged = appendix.merge(used, on=["theme", "subtheme", "valence"], how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    extra = data.codebook[data.codebook["extra"] == "True"]
    assert extra[["theme", "subtheme"]].values.tolist() == [
        ["Health inequalities and deprivation", "Training programmes"]
    ]


def test_per_question_percentages_and_selection(result, published) -> None:
    shares = result.shares.set_index(["question", "theme"])["mean_pct"]
    rep = reported_themes(published)
    for row in rep.itertuples(index=False):
        assert round(shares.loc[(row.question, row.theme)], 2) == row.published_pct, row
    for q, grp in rep.groupby("question"):
        chosen = result.selected.loc[result.selected["question"] == q, "theme"]
        assert list(chosen) == list(grp["theme"]), q  # same set, same order
        smallest = grp["published_pct"].min()
        others = result.shares[(result.shares["question"] == q) & ~result.shares["theme"].isin(grp["theme"])]
        assert (others["mean_pct"] < smallest).all(), q
        # every group answered every question
        assert (result.shares.loc[result.shares["question"] == q, "n_groups"] == 10).all()


def test_tables_subthemes_and_quotations(data, published) -> None:
    coded = data.coded()
    listed: dict[tuple[int, str], set[str]] = {}
    for row in published.quotations.itertuples(index=False):
        theme, sub, _ = canonical_names(published, row.theme, row.subtheme)
        listed.setdefault((int(row.question), theme), set()).add(sub)
        hit = coded[coded["text"] == row.quotation]
        assert len(hit) == 1, row.quotation[:40]
        assert (int(hit["question"].iloc[0]), hit["theme"].iloc[0], hit["subtheme"].iloc[0]) == (
            int(row.question), theme, sub,
        )
    for (q, theme), subs in listed.items():
        used = set(coded.loc[(coded["question"] == q) & (coded["theme"] == theme), "subtheme"])
        assert used == subs, (q, theme)
    counts = _claims(published, "table_n_subthemes")
    assert sorted(len(s) for s in listed.values()) == sorted(counts["value"].astype(int))
    # only the published quotations carry text
    assert (coded["text"] != "").sum() == len(published.quotations)


def test_a_code_occurrence_has_distinct_participants(data) -> None:
    seg = data.segments
    # within a question, one participant's repeated paragraphs of a code are one occurrence, so
    # the occurrences of a code in a group never need more participants than the group has
    per_cell = seg.drop_duplicates(["question", "participant_id", "code_id"]).groupby(
        ["question", "focus_group", "code_id"]
    ).size()
    sizes = data.participants.groupby("focus_group").size()
    assert (per_cell <= sizes.reindex(per_cell.index.get_level_values("focus_group")).to_numpy()).all()

