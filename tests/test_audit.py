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
    assert set(table["verdict"]) <= {"match", "explained", "unmatched name", "MISMATCH"}


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
            "statement": ["into 3 codes", "from which 2 themes were identified"],
        }
    )
    assert summary(t) == (
        "2 claims: 1 match, 0 explained, 0 unmatched name, 1 MISMATCH\n"
        "  MISMATCH  C2 n_themes (“from which 2 themes were identified”): published 2, "
        "reproduced 1"
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


# --- another dataset's names -------------------------------------------------------------------

#: The paper's roles as an analyst's roster might spell them.
RESPELLED = {
    "principal investigators": "Principal investigator",
    "co-investigators": "Co-Investigator",
    "researchers": "Researcher",
    "community and voluntary sector": "Community and voluntary",
    "health and social care sector": "Health & social care",
    "arts-and-health sector": "Arts and health",
    "local authorities": "Local  Authority",
    "mental health charities": "Mental health charity",
    "faith organisations": "Faith organization",
    "youth organisations": "Youth",
    "social prescribing organisations": "Social prescribing",
}


def _respelled(raw, folder, respell):
    folder.mkdir()
    for name in FILES:
        shutil.copy(raw / name, folder / name)
    people = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
    people["role"] = [respell.get(r, r) for r in people["role"]]
    people.to_csv(folder / "participants.csv", index=False, lineterminator="\n")
    return folder


def test_role_names_spelled_differently_still_match(tmp_path, capsys, raw) -> None:
    folder = _respelled(raw, tmp_path / "roster", RESPELLED)
    assert main(["audit", "--data", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "0 unmatched name, 0 MISMATCH" in printed
    roles = audit(load_coded_data(folder))
    roles = roles[roles["kind"] == "role_count"]
    assert len(roles) == 15 and (roles["verdict"] == "match").all()
    # every line names its subject: the claims with their words or subject, the inconsistencies
    # with what the paper prints and what Appendix 1 says
    lines = printed.splitlines()
    claims = [line for line in lines if line.startswith("  explained")]
    assert claims and all("(“" in line and "subthemes”)" in line for line in claims)
    incons = [line for line in lines if line.startswith("  I")]
    assert len(incons) == 30
    assert all(" prints " in line and "; Appendix 1: " in line and "; resolution: " in line
               for line in incons)


def test_a_role_the_data_lack_is_an_unmatched_name(tmp_path, capsys, raw) -> None:
    folder = _respelled(raw, tmp_path / "roster",
                        {**RESPELLED, "principal investigators": "Lead investigator"})
    assert main(["audit", "--data", str(folder)]) == 1
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if "unmatched name C008" in x)
    assert "role_count (principal investigators): published 10 (" in line
    assert "reproduced" not in line  # never "published 10, reproduced 0"
    assert "closest: " in line and "'Lead investigator'" in line.split("closest: ")[1]
    # the analyst's aliases.csv names it; the audit passes again
    (folder / "aliases.csv").write_text(
        "kind,published,data\nrole,Principal investigators,Lead investigator\n", encoding="utf-8")
    assert main(["audit", "--data", str(folder)]) == 0


def test_a_bad_aliases_file_is_one_line(tmp_path, capsys, raw) -> None:
    folder = _respelled(raw, tmp_path / "roster", RESPELLED)
    (folder / "aliases.csv").write_text("kind,published,data\nplace,Leeds,Leeds city\n",
                                        encoding="utf-8")
    assert main(["audit", "--data", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "aliases.csv" in err and "kind must be one of role, theme" in err


def test_subtheme_count_is_explained_only_for_the_shipped_reconstruction(tmp_path, raw) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in FILES:
        shutil.copy(raw / name, copy / name)
    book = pd.read_csv(copy / "codebook.csv", dtype=str, keep_default_na=False)
    book.to_csv(copy / "codebook.csv", index=False, lineterminator="\r\n")  # same data, new bytes
    table = audit(load_coded_data(copy))
    counts = table[table["kind"] == "n_subthemes"]
    assert (counts["verdict"] == "MISMATCH").all() and (counts["reason"] == "").all()
    shipped = audit(load_coded_data(raw))
    assert (shipped.loc[shipped["kind"] == "n_subthemes", "verdict"] == "explained").all()
