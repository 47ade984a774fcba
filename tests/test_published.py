"""Tests of the published record (data/raw/published/) and of synth.published.

The transcription is checked against facts that must hold between its parts (totals, rounding,
the 50% rule, the major/minor rule), not against copies of its own numbers.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import statistics
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from synth import DataError
from synth.published import (
    PUBLISHED_COLUMNS,
    Published,
    canonical_names,
    canonical_theme,
    load_published,
    reported_themes,
)

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "raw" / "published"
PAPER = ROOT.parent / "shared" / "paper" / "000_880fbc1601fead59.txt"

KINDS = {
    "n_paragraphs",
    "n_codes",
    "n_subthemes",
    "n_themes",
    "n_focus_groups",
    "n_participants",
    "group_size_min",
    "group_size_max",
    "group_size_mean",
    "group_size_median",
    "role_count",
    "n_questions",
    "n_questions_topic",
    "theme_codes",
    "theme_percent",
    "theme_class",
    "n_major_themes",
    "n_minor_themes",
    "stat_mean",
    "stat_median",
    "stat_sd",
    "stat_range",
    "question_pct",
    "question_n_reported",
    "question_reported_class",
    "table_n_subthemes",
    "table_n_quotations",
}


@pytest.fixture(scope="module")
def pub() -> Published:
    return load_published(FOLDER)


def claims(pub: Published, kind: str) -> pd.DataFrame:
    c = pub.claims[pub.claims["kind"] == kind]
    assert len(c), f"no {kind} claims"
    return c


def one_value(pub: Published, kind: str) -> float:
    """The value of a kind of claim; every claim of that kind must state the same value."""
    values = {float(v) for v in claims(pub, kind)["value"]}
    assert len(values) == 1, (kind, values)
    return values.pop()


def rounded(x: float, decimals: int) -> Decimal:
    """Round half up, as a statistics package prints (avoids binary-float surprises)."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PUBLISHED_COLUMNS))
def test_files_are_utf8_without_bom_with_lf_line_ends(name: str) -> None:
    data = (FOLDER / f"{name}.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    assert data.endswith(b"\n")
    data.decode("utf-8")  # raises if not UTF-8


def test_text_fields_have_no_tabs_or_surrounding_spaces(pub: Published) -> None:
    for name in PUBLISHED_COLUMNS:
        df = getattr(pub, name)
        for col in df.columns:
            if df[col].dtype.kind in "iufb" or str(df[col].dtype) == "Int64":
                continue
            values = [v for v in df[col] if isinstance(v, str)]
            assert not [v for v in values if "\t" in v or "\n" in v], (name, col)
            assert not [v for v in values if v != v.strip()], (name, col)


# ---------------------------------------------------------------------------------------------
# Appendix 1: themes and their statistics
# ---------------------------------------------------------------------------------------------


def test_theme_counts_sum_to_the_number_of_codes(pub: Published) -> None:
    assert len(pub.themes) == one_value(pub, "n_themes") == 12
    assert pub.themes["codes"].sum() == one_value(pub, "n_codes")


def test_only_funding_is_derived_and_it_closes_the_total(pub: Published) -> None:
    derived = pub.themes[pub.themes["derived"]]
    assert list(derived["theme"]) == ["Funding"]
    others = pub.themes.loc[~pub.themes["derived"], "codes"].sum()
    assert derived["codes"].iloc[0] == one_value(pub, "n_codes") - others
    claim = pub.claims[(pub.claims["kind"] == "theme_codes") & (pub.claims["subject"] == "Funding")]
    assert "derived" in claim["statement"].iloc[0]


def test_percentages_are_codes_over_total_at_two_decimals(pub: Published) -> None:
    total = pub.themes["codes"].sum()
    for t in pub.themes.itertuples():
        assert rounded(100 * t.codes / total, 2) == rounded(t.percent, 2), t.theme


def test_theme_claims_agree_with_themes_csv(pub: Published) -> None:
    themes = pub.themes.set_index("theme")
    for c in claims(pub, "theme_codes").itertuples():
        assert int(c.value) == themes.loc[c.subject, "codes"]
    for c in claims(pub, "theme_percent").itertuples():
        assert float(c.value) == themes.loc[c.subject, "percent"]
    # every source that calls a theme major or minor (Abstract, Results ¶1, Appendix 1 headings)
    for c in claims(pub, "theme_class").itertuples():
        assert c.value == themes.loc[canonical_theme(pub, c.subject), "class"], c.claim_id
    assert len(claims(pub, "theme_class")) == 3 * 12


def test_major_iff_more_codes_than_the_mean(pub: Published) -> None:
    mean = pub.themes["codes"].mean()
    expected = ["major" if c > mean else "minor" for c in pub.themes["codes"]]
    assert list(pub.themes["class"]) == expected
    assert (pub.themes["class"] == "major").sum() == one_value(pub, "n_major_themes")
    assert (pub.themes["class"] == "minor").sum() == one_value(pub, "n_minor_themes")


def test_descriptive_statistics_follow_from_the_theme_counts(pub: Published) -> None:
    codes = [int(c) for c in pub.themes["codes"]]
    computed = {
        "stat_mean": statistics.mean(codes),
        "stat_median": statistics.median(codes),
        "stat_sd": statistics.stdev(codes),  # sample SD, ddof = 1, as SPSS reports
        "stat_range": max(codes) - min(codes),
    }
    for kind, value in computed.items():
        (c,) = claims(pub, kind).itertuples()
        assert rounded(float(value), int(c.decimals)) == Decimal(c.value), kind


def test_appendix_themes_are_in_descending_order_of_codes(pub: Published) -> None:
    assert list(pub.themes["theme_no"]) == list(range(1, 13))
    assert pub.themes["codes"].is_monotonic_decreasing


# ---------------------------------------------------------------------------------------------
# Appendix 1: subthemes
# ---------------------------------------------------------------------------------------------


def test_185_subthemes(pub: Published) -> None:
    assert len(pub.subthemes) == one_value(pub, "n_subthemes") == 185
    assert not pub.subthemes.duplicated(["theme", "subtheme"]).any()


def test_every_theme_has_successes_and_challenges(pub: Published) -> None:
    assert set(pub.subthemes["valence"]) == {"success", "challenge"}
    assert set(pub.subthemes["theme"]) == set(pub.themes["theme"])
    sizes = pub.subthemes.groupby(["theme", "valence"]).size()
    assert len(sizes) == 2 * 12 and (sizes > 0).all()


def test_positions_number_each_list_from_one(pub: Published) -> None:
    for _, g in pub.subthemes.groupby(["theme", "valence"]):
        assert list(g["position"]) == list(range(1, len(g) + 1))


def test_building_on_established_programmes_is_under_two_themes(pub: Published) -> None:
    s = pub.subthemes
    rows = s[s["subtheme"] == "Building on established programmes"]
    assert set(rows["theme"]) == {
        "Relationships with partners",
        "Link workers and social prescribing",
    }
    # Table 2 prints it under Relationships with partners, and it resolves there
    assert canonical_names(
        pub, "Relationships with partners", "Building on established programmes"
    ) == ("Relationships with partners", "Building on established programmes", False)


# ---------------------------------------------------------------------------------------------
# Participants and questions
# ---------------------------------------------------------------------------------------------


def test_role_counts_sum_to_the_participants(pub: Published) -> None:
    assert len(pub.roles) == 15 and pub.roles["role"].is_unique
    assert pub.roles["count"].sum() == one_value(pub, "n_participants")
    by_role = pub.roles.set_index("role")["count"]
    rc = claims(pub, "role_count")
    assert sorted(rc["subject"]) == sorted(by_role.index)
    for c in rc.itertuples():
        assert int(c.value) == by_role[c.subject]


def test_group_size_claims_are_consistent(pub: Published) -> None:
    groups = one_value(pub, "n_focus_groups")
    lo, hi = one_value(pub, "group_size_min"), one_value(pub, "group_size_max")
    mean, median = one_value(pub, "group_size_mean"), one_value(pub, "group_size_median")
    assert mean * groups == one_value(pub, "n_participants")
    assert lo <= median <= hi and lo <= mean <= hi
    # a median of x.5 over an even number of groups is the mean of the two middle sizes
    assert groups % 2 == 0 and (2 * median) % 1 == 0


def test_questions_split_between_two_topics(pub: Published) -> None:
    q = pub.questions
    assert list(q["question"]) == list(range(1, int(one_value(pub, "n_questions")) + 1))
    for c in claims(pub, "n_questions_topic").itertuples():
        assert (q["topic"] == c.subject).sum() == int(c.value)
    assert all(t.endswith("?") or t.endswith("? )") for t in q["text"])


# ---------------------------------------------------------------------------------------------
# Results > Questions 1-8 and Tables 2-9
# ---------------------------------------------------------------------------------------------


def test_fifty_percent_rule_matches_the_reported_themes(pub: Published) -> None:
    rep = reported_themes(pub)
    n_reported = claims(pub, "question_n_reported").set_index("question")["value"].astype(int)
    assert sorted(rep["question"].unique()) == list(range(1, 9)) == sorted(n_reported.index)
    for q, g in rep.groupby("question"):
        pcts = sorted(g["published_pct"], reverse=True)
        cum = pd.Series(pcts).cumsum()
        # the cumulative share reaches 50 at the last reported theme and not before
        assert cum.iloc[-1] >= 50, q
        assert (cum.iloc[:-1] < 50).all(), q
        assert len(g) == n_reported[q]
        assert set(g["theme"]) <= set(pub.themes["theme"])


def test_reported_class_matches_appendix_class(pub: Published) -> None:
    themes = pub.themes.set_index("theme")
    for c in claims(pub, "question_reported_class").itertuples():
        assert c.value == themes.loc[canonical_theme(pub, c.subject), "class"], c.claim_id


def test_claim_decimals_match_the_printed_value(pub: Published) -> None:
    for c in pub.claims.itertuples():
        if pd.isna(c.decimals):
            assert c.value in {"major", "minor"}, c.claim_id
            continue
        printed = c.value.split(".")[1] if "." in c.value else ""
        assert len(printed) == c.decimals, c.claim_id


def test_claims_are_well_formed(pub: Published) -> None:
    cl = pub.claims
    assert cl["claim_id"].is_unique
    assert set(cl["kind"]) <= KINDS
    per_question = {
        "question_pct",
        "question_n_reported",
        "question_reported_class",
        "table_n_subthemes",
        "table_n_quotations",
    }
    assert cl.loc[cl["kind"].isin(per_question), "question"].notna().all()
    assert cl.loc[~cl["kind"].isin(per_question), "question"].isna().all()
    assert (cl["source"] != "").all() and (cl["statement"] != "").all()


def test_each_table_lists_the_published_number_of_subthemes(pub: Published) -> None:
    quotes = pub.quotations.copy()
    quotes["canonical"] = [canonical_theme(pub, t) for t in quotes["theme"]]
    counts = quotes.groupby(["question", "canonical"]).size()
    tns = claims(pub, "table_n_subthemes")
    expected = {
        (int(c.question), canonical_theme(pub, c.subject)): int(c.value) for c in tns.itertuples()
    }
    assert counts.to_dict() == expected
    # one quotation per subtheme, and the table of question q is Table q + 1
    assert not quotes.duplicated(["table", "theme", "subtheme"]).any()
    assert (quotes["table"] == quotes["question"] + 1).all()
    assert quotes["source"].eq("Table " + quotes["table"].astype(str)).all()
    # each table reports exactly the themes the Results text reports for its question
    rep = reported_themes(pub)
    for q, g in quotes.groupby("question"):
        assert set(g["canonical"]) == set(rep.loc[rep["question"] == q, "theme"]), q


def test_every_printed_pair_resolves_to_appendix_or_a_flagged_extra(pub: Published) -> None:
    appendix = set(zip(pub.subthemes["theme"], pub.subthemes["subtheme"], strict=True))
    extras = set()
    for r in pub.quotations.itertuples():
        theme, sub, is_extra = canonical_names(pub, r.theme, r.subtheme)
        if is_extra:
            extras.add((theme, sub))
            assert (theme, sub) not in appendix
        else:
            assert (theme, sub) in appendix, (r.theme, r.subtheme)
    assert extras == {("Health inequalities and deprivation", "Training programmes")}


def test_fewer_options_since_covid_is_joined_over_the_line_break(pub: Published) -> None:
    assert "Fewer options since COVID-19" in set(pub.quotations["subtheme"])


# ---------------------------------------------------------------------------------------------
# Aliases and inconsistencies
# ---------------------------------------------------------------------------------------------


def test_alias_targets_exist_in_the_appendix(pub: Published) -> None:
    themes = set(pub.themes["theme"])
    appendix = set(zip(pub.subthemes["theme"], pub.subthemes["subtheme"], strict=True))
    for a in pub.aliases.itertuples():
        assert a.canonical_theme in themes
        if a.level == "theme":
            assert a.canonical == a.canonical_theme and a.printed == a.printed_theme
        elif a.note.startswith("extra"):
            assert a.canonical == a.printed and (a.canonical_theme, a.canonical) not in appendix
        else:
            assert (a.canonical_theme, a.canonical) in appendix


def test_aliases_are_needed_and_printed(pub: Published) -> None:
    """Each alias maps a name Appendix 1 does not print, and the name is printed in a table
    or named in a claim."""
    themes = set(pub.themes["theme"])
    appendix = set(zip(pub.subthemes["theme"], pub.subthemes["subtheme"], strict=True))
    printed_themes = set(pub.quotations["theme"]) | set(
        pub.claims.loc[
            pub.claims["kind"].isin(
                ["theme_class", "question_pct", "question_reported_class", "table_n_subthemes"]
            ),
            "subject",
        ]
    )
    printed_pairs = set(zip(pub.quotations["theme"], pub.quotations["subtheme"], strict=True))
    assert not pub.aliases.duplicated(["level", "printed_theme", "printed"]).any()
    for a in pub.aliases.itertuples():
        if a.level == "theme":
            assert a.printed not in themes and a.printed in printed_themes, a.printed
        else:
            assert (a.canonical_theme, a.printed) not in appendix or a.note.startswith("extra")
            assert (a.printed_theme, a.printed) in printed_pairs, a.printed


def test_case_only_aliases_differ_only_in_case(pub: Published) -> None:
    for a in pub.aliases.itertuples():
        if a.note.startswith("extra"):
            continue
        same_but_case = a.printed.casefold() == a.canonical.casefold()
        assert (a.note == "case") == same_but_case, a.printed


def test_every_non_case_alias_is_listed_as_an_inconsistency(pub: Published) -> None:
    listed = " ".join(pub.inconsistencies["printed"])
    for a in pub.aliases.itertuples():
        if a.note != "case":
            assert a.printed in listed, a.printed
    assert pub.inconsistencies["inconsistency_id"].is_unique
    assert (pub.inconsistencies["resolution"] != "").all()
    text = " ".join(pub.inconsistencies.astype(str).to_numpy().ravel())
    for needle in (
        "Funding",
        "Training programmes",
        "Building on established programmes",
        "alphabetical",
        "Funders not interested in service delivery",
    ):
        assert needle in text, needle


def test_lists_flagged_as_not_alphabetical_are_not(pub: Published) -> None:
    flagged = pub.inconsistencies[pub.inconsistencies["printed"].str.contains("alphabetical")]
    assert len(flagged)
    for row in flagged.itertuples():
        m = re.search(r"; (.+), (Successes|Challenges): (.+)$", row.printed)
        theme, valence = m[1], {"Successes": "success", "Challenges": "challenge"}[m[2]]
        s = pub.subthemes[(pub.subthemes["theme"] == theme) & (pub.subthemes["valence"] == valence)]
        names = list(s.sort_values("position")["subtheme"])
        assert m[3].split("; ") == names
        assert [n.casefold() for n in names] != sorted(n.casefold() for n in names)


# ---------------------------------------------------------------------------------------------
# synth.published: name reconciliation and loading errors
# ---------------------------------------------------------------------------------------------


def test_canonical_theme_maps_printed_variants(pub: Published) -> None:
    assert (
        canonical_theme(pub, "health service and ICSs")
        == "Health service and integrated care systems"
    )
    assert canonical_theme(pub, "Longevity of programme") == "Longevity of programmes"
    assert canonical_theme(pub, "Mental health") == "Mental health"


def test_canonical_names_maps_subthemes_under_aliased_themes(pub: Published) -> None:
    assert canonical_names(pub, "Longevity of programme", "Longer-term view") == (
        "Longevity of programmes",
        "Longer-term view",
        False,
    )
    assert canonical_names(pub, "Funding", "Funders not interested in service delivery") == (
        "Funding",
        "Funders interested in service delivery",
        False,
    )
    assert canonical_names(pub, "Research evidence", "Index of Multiple Deprivation") == (
        "Research evidence",
        "Index of Multiple deprivation",
        False,
    )


def test_unknown_names_raise_data_error(pub: Published) -> None:
    with pytest.raises(
        DataError, match=r"aliases\.csv: column 'printed': unknown theme 'Fundings'"
    ):
        canonical_theme(pub, "Fundings")
    # a case variant nobody reviewed is not guessed
    with pytest.raises(DataError, match="unknown theme 'FUNDING'"):
        canonical_theme(pub, "FUNDING")
    with pytest.raises(DataError, match="unknown subtheme 'Surveys' under theme 'Funding'"):
        canonical_names(pub, "Funding", "Surveys")
    with pytest.raises(
        DataError, match="unknown subtheme 'surveys' under theme 'Research evidence'"
    ):
        canonical_names(pub, "Research evidence", "surveys")


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    dest = tmp_path / "published"
    shutil.copytree(FOLDER, dest)
    return dest


def test_load_reports_a_missing_file(copy: Path) -> None:
    (copy / "roles.csv").unlink()
    with pytest.raises(DataError, match=r"roles\.csv: published-record file missing"):
        load_published(copy)


def test_load_reports_wrong_columns(copy: Path) -> None:
    df = pd.read_csv(copy / "themes.csv", dtype=str, keep_default_na=False)
    df.rename(columns={"codes": "n"}).to_csv(copy / "themes.csv", index=False)
    with pytest.raises(DataError, match=r"themes\.csv: expected columns .*\(missing codes\)"):
        load_published(copy)


def test_load_reports_bad_integers_with_rows(copy: Path) -> None:
    df = pd.read_csv(copy / "themes.csv", dtype=str, keep_default_na=False)
    df.loc[2, "codes"] = "thirty"
    df.to_csv(copy / "themes.csv", index=False, lineterminator="\n")
    with pytest.raises(
        DataError, match=r"themes\.csv: column 'codes': not a non-negative integer \(1 row: 4\)"
    ):
        load_published(copy)


def test_load_types_columns(pub: Published) -> None:
    assert pub.themes["codes"].dtype == "int64"
    assert pub.themes["percent"].dtype == "float64"
    assert pub.themes["derived"].dtype == bool
    assert str(pub.claims["question"].dtype) == "Int64"
    assert pub.folder == FOLDER


# ---------------------------------------------------------------------------------------------
# The transcription script reproduces the committed files
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not PAPER.is_file(), reason=f"the paper's text is not at {PAPER}")
def test_transcription_script_writes_exactly_the_committed_files() -> None:
    spec = importlib.util.spec_from_file_location(
        "transcribe_paper", ROOT / "tools" / "transcribe_paper.py"
    )
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["transcribe_paper"] = mod  # dataclasses look their module up while executing it
    try:
        spec.loader.exec_module(mod)
        tables = mod.transcribe(PAPER)
    finally:
        del sys.modules["transcribe_paper"]
    assert set(tables) == {f"{n}.csv" for n in PUBLISHED_COLUMNS}
    for name, df in tables.items():
        assert mod.render(df) == (FOLDER / name).read_bytes(), name


# --- the paper's names against another dataset's ------------------------------------------------


def test_name_key_rules() -> None:
    from synth.published import name_key

    same = [
        ("Principal investigators", "principal investigator"),
        ("Community and voluntary sector", "community and voluntary"),
        ("Faith organisations", "faith"),
        ("Youth Organizations", "youth"),
        ("Health & social care sector", "health and social care"),
        ("arts-and-health sector", "Arts and health"),
        ("  Local   authorities ", "local authority"),
        ("Cafe\u0301 owners", "Caf\u00e9 owner"),  # NFD and NFC spellings of é
    ]
    for a, b in same:
        assert name_key(a) == name_key(b), (a, b)
    different = [("Researchers", "Co-investigators"), ("Sector", "Sectors and more"),
                 ("Mental health", "Mental health charities")]
    for a, b in different:
        assert name_key(a) != name_key(b), (a, b)
    assert name_key("Sector") == "sector"  # a generic noun alone is the name itself


def test_match_names_refuses_ambiguity_and_follows_aliases() -> None:
    from synth.published import match_names

    got = match_names(["researchers", "youth organisations", "anchor institutions"],
                      ["Researcher", "researchers ", "Youth", "Civic anchors"],
                      {"anchor institution": "Civic anchors"})
    assert got == {"researchers": None,  # two spellings in the data: not guessed
                   "youth organisations": "Youth", "anchor institutions": "Civic anchors"}
    # an alias pointing at a name the data lack matches nothing
    assert match_names(["faith"], ["Church"], {"faith": "Mosque"}) == {"faith": None}


@pytest.mark.parametrize("body, message", [
    ("kind,published\nrole,x\n", "no column.s. data"),
    ("kind,published,data\nrole,,Staff\n", "column 'published': empty"),
    ("kind,published,data\nrole,researchers,Staff\nrole,Researcher,Team\n", "listed twice"),
    ("kind,published,data\nregion,North,N\n", "kind must be one of role, theme"),
])
def test_bad_name_aliases_are_refused(tmp_path, body, message) -> None:
    from synth._exceptions import DataError
    from synth.published import load_name_aliases

    (tmp_path / "aliases.csv").write_text(body, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_name_aliases(tmp_path)
