"""The audit: every claim of the paper checked against the data, and why the percentages are
over coded paragraphs (the infeasibility computation)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from synth.audit import (
    audit,
    infeasibility_demo,
    min_theme_codes_code_unit,
    pooled_denominators,
    summary,
)
from synth.cli import main
from synth.io import load_coded_data
from synth.published import load_published

FILES = ("coded_segments.csv", "codebook.csv", "participants.csv")


@pytest.fixture(scope="module")
def published():
    return load_published()


@pytest.fixture(scope="module")
def table(published, raw) -> pd.DataFrame:
    return audit(load_coded_data(raw), published)


# --- the shipped data ------------------------------------------------------------------------


def test_every_claim_is_checked(table, published) -> None:
    assert list(table["claim_id"]) == list(published.claims["claim_id"])
    assert set(table["verdict"]) <= {"match", "explained", "MISMATCH"}


def test_shipped_data_match_or_are_explained(table) -> None:
    assert (table["verdict"] != "MISMATCH").sum() == len(table), summary(table)
    explained = table[table["verdict"] == "explained"]
    # only "185 subthemes": the data use 186 because Table 7 adds Training programmes
    assert set(explained["kind"]) == {"n_subthemes"}
    assert (explained["reproduced"] == "186").all()
    assert explained["reason"].str.contains("Table 7|Training programmes|extra").all()
    assert explained["reason"].str.match(r"I\d+: ").all()


def test_percentages_are_reproduced_to_two_decimals(table) -> None:
    pct = table[table["kind"] == "question_pct"]
    assert len(pct) == 16
    assert (pct["reproduced"] == pct["published"]).all()


def test_command_exit_codes(tmp_path, capsys, raw) -> None:
    assert main(["audit", "--data", str(raw), "--out", str(tmp_path / "audit")]) == 0
    printed = capsys.readouterr().out
    assert "0 MISMATCH" in printed
    assert "internal inconsistencies of the paper" in printed and "I11" in printed
    written = pd.read_csv(tmp_path / "audit" / "audit.csv")
    assert (written["verdict"] != "MISMATCH").all()

    # perturb a copy: one paragraph of Question 8 moves from Research evidence to Mental health
    copy = tmp_path / "perturbed"
    copy.mkdir()
    for name in FILES:
        shutil.copy(raw / name, copy / name)
    seg = pd.read_csv(copy / "coded_segments.csv", dtype=str, keep_default_na=False)
    book = pd.read_csv(copy / "codebook.csv", dtype=str, keep_default_na=False)
    mh = book.loc[book["theme"] == "Mental health", "code_id"].iloc[0]
    re_codes = set(book.loc[book["theme"] == "Research evidence", "code_id"])
    row = seg.index[(seg["question"] == "8") & seg["code_id"].isin(re_codes) & (seg["text"] == "")][0]
    seg.loc[row, "code_id"] = mh
    seg.to_csv(copy / "coded_segments.csv", index=False, lineterminator="\n")
    assert main(["audit", "--data", str(copy)]) == 1
    bad = audit(load_coded_data(copy))
    mismatched = bad[bad["verdict"] == "MISMATCH"]
    assert ((mismatched["kind"] == "question_pct") & (mismatched["question"] == 8)).any()


def test_summary_lists_what_is_not_a_match() -> None:
    t = pd.DataFrame(
        {
            "claim_id": ["C1", "C2"],
            "kind": ["n_codes", "n_themes"],
            "published": ["3", "2"],
            "reproduced": ["3", "1"],
            "verdict": ["match", "MISMATCH"],
            "reason": ["", ""],
        }
    )
    assert summary(t) == (
        "2 claims: 1 match, 0 explained, 1 MISMATCH\n"
        "  MISMATCH  C2 n_themes: published 2, reproduced 1"
    )


# --- the infeasibility computation -----------------------------------------------------------


def test_pooled_denominators_by_hand() -> None:
    # 50% and 25% are k/4 and k/8 (and every multiple of 4)
    assert pooled_denominators([50.0, 25.0], 12) == [4, 8, 12]
    # 33.33% rounds from 1/3, 2/6 and 3/9 only (up to 10)
    assert pooled_denominators([33.33], 10) == [3, 6, 9]
    assert pooled_denominators([33.33, 50.0], 5) == []


def test_no_pooled_denominator_fits_question_8(published) -> None:
    demo = infeasibility_demo(published)
    pooled = demo["pooled"].set_index("question")
    assert demo["max_denominator"] == 977
    assert pd.isna(pooled.loc[8, "smallest_denominator"])
    # 18.59, 14.48, 12.36 and 11.72 checked independently for a few denominators
    for d in (100, 250, 500, 977):
        assert not all(
            abs(100 * round(p * d / 100) / d - p) <= 0.005 for p in (18.59, 14.48, 12.36, 11.72)
        )
    # the smallest denominators of the other questions add up to more than 977 paragraphs
    assert demo["pooled_sum"] > 977


def test_min_codes_code_unit_by_hand() -> None:
    # two groups, mean 75%: one group all in the theme (1 code), one half (1 of 2): 2 codes
    assert min_theme_codes_code_unit(75.0, 2, 10) == 2
    # one group, 50%: 1 code of the theme and 1 other
    assert min_theme_codes_code_unit(50.0, 1, 5) == 1
    # one group, 95.17%: o/(h+o) must lie in (0.04825, 0.04835]; o=1 needs h+1 in [20.7, 20.72]
    # and o=2 needs h+2 in [41.4, 41.45]: no integer, so more than 32 codes would be needed
    assert min_theme_codes_code_unit(95.17, 1, 32) is None


def test_code_unit_cannot_give_question_5(published) -> None:
    demo = infeasibility_demo(published)
    assert demo["question"] == 5
    assert demo["theme"] == "Health inequalities and deprivation"
    assert demo["min_codes_q5"] == 21  # the "at least 21 of the theme's 32 codes"
    # outside Question 5 the theme still needs 5 (Table 7) + 5 (Table 9) + 12 untabled = 22
    assert demo["needed_elsewhere"] == 22
    assert demo["min_codes_q5"] + demo["needed_elsewhere"] > demo["theme_codes"] == 32
    assert demo["feasible"] is False
