"""Transcribe the published record of Thomson, Waterson & Chatterjee (2024) into CSV files.

Reads the paper's plain text (``../shared/paper/000_880fbc1601fead59.txt`` by default) and writes
the eight files of ``data/raw/published/`` (see docs/architecture.md)::

    python tools/transcribe_paper.py                      # write data/raw/published/
    python tools/transcribe_paper.py --out /tmp/pub       # write elsewhere
    python tools/transcribe_paper.py --check              # compare with the committed files

The tables, the appendix, the question texts, the per-question percentages and the summary
quotations are parsed from the text; what cannot be parsed (role labels, which printed name means
which appendix name, the judgement calls about inconsistencies) is written out below as data, and
every such hand-written entry is checked against the parsed text so a stale entry fails loudly.
The committed CSVs are exactly what this script writes.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PAPER = ROOT.parent / "shared" / "paper" / "000_880fbc1601fead59.txt"
DEFAULT_OUT = ROOT / "data" / "raw" / "published"

FILES = (
    "questions.csv",
    "themes.csv",
    "subthemes.csv",
    "quotations.csv",
    "roles.csv",
    "claims.csv",
    "aliases.csv",
    "inconsistencies.csv",
)

# Appendix 1 lost the heading row of its second theme ("Funding", with its count); the name is the
# one the Abstract, Results paragraph 1 and "Summary of major themes" give to the second major theme.
LOST_THEME = "Funding"

# --------------------------------------------------------------------------------------------
# Hand-transcribed data (each entry is checked against the text in the functions below)
# --------------------------------------------------------------------------------------------

# Methods > Participants. The paper elides the shared noun ("community and voluntary (n = 12),
# health and social care (n = 6), and arts-and-health (n = 6) sectors"); the labels distribute it.
# (label, the words as printed before "(n = k)", count)
ROLES: list[tuple[str, str, int]] = [
    ("principal investigators", "principal investigators", 10),
    ("co-investigators", "co-investigators", 15),
    ("researchers", "researchers", 16),
    ("community and voluntary sector", "community and voluntary", 12),
    ("health and social care sector", "health and social care", 6),
    ("arts-and-health sector", "arts-and-health", 6),
    (
        "art galleries, libraries, museums and orchestras",
        "art galleries, libraries, museums and orchestras",
        5,
    ),
    ("art-, family- and psycho-therapy practices", "art-, family- and psycho-therapy practices", 4),
    ("local authorities", "local authorities", 4),
    ("mental health charities", "mental health charities", 3),
    ("anchor institutions", "anchor institutions", 2),
    ("social prescribing organisations", "social prescribing", 3),
    ("sport and leisure organisations", "sport and leisure", 2),
    ("faith organisations", "faith", 1),
    ("youth organisations", "youth", 1),
]

# Printed names (tables and Results text) that are not Appendix 1's names, beyond case:
# (level, printed theme, printed, canonical theme, canonical, note). Case-only differences are
# found and written automatically; every printed name that matches no appendix row must be here,
# and every entry here must be printed somewhere and must differ from the appendix.
MANUAL_ALIASES: list[tuple[str, str, str, str, str, str]] = [
    (
        "theme",
        "Longevity of programme",
        "Longevity of programme",
        "Longevity of programmes",
        "Longevity of programmes",
        "wording: singular 'programme'",
    ),
    (
        "theme",
        "longevity of programme",
        "longevity of programme",
        "Longevity of programmes",
        "Longevity of programmes",
        "case and wording: singular 'programme'",
    ),
    (
        "theme",
        "Health service and ICSs",
        "Health service and ICSs",
        "Health service and integrated care systems",
        "Health service and integrated care systems",
        "abbreviation: ICSs = integrated care systems",
    ),
    (
        "theme",
        "health service and ICSs",
        "health service and ICSs",
        "Health service and integrated care systems",
        "Health service and integrated care systems",
        "case and abbreviation: ICSs = integrated care systems",
    ),
    (
        "subtheme",
        "Relationships with partners",
        "Understanding between partners",
        "Relationships with partners",
        "Understandings between partners",
        "wording: singular 'Understanding'",
    ),
    (
        "subtheme",
        "Funding",
        "Funders not interested in service delivery",
        "Funding",
        "Funders interested in service delivery",
        "contradiction in meaning: the table adds 'not'; the quotation (funders would fund the "
        "research but not the delivery) supports the table's wording",
    ),
    (
        "subtheme",
        "Funding",
        "Funding not synchronised with school year",
        "Funding",
        "Funding not synchronised with the school year",
        "wording: 'the' omitted",
    ),
    (
        "subtheme",
        "Funding",
        "Lack of financial support",
        "Funding",
        "Lack of appropriate financial support",
        "wording: 'appropriate' omitted",
    ),
    (
        "subtheme",
        "Community involvement",
        "Co-production",
        "Community involvement",
        "Perception of co-production",
        "wording: 'Perception of' omitted; no appendix subtheme is named 'Co-production'; the "
        "quotation is about co-production being 'perceived', the Discussion speaks of 'the perception "
        "of co-production', and the Summary of major themes quotes the same words; Appendix 1 lists "
        "it as a challenge although Table 8 answers the opportunities question",
    ),
    (
        "subtheme",
        "Community involvement",
        "Impact of the arts on people’s lives",
        "Community involvement",
        "Impact of the arts",
        "wording: 'on people’s lives' added",
    ),
    (
        "subtheme",
        "Community involvement",
        "Role of museums",
        "Community involvement",
        "Wider role of museums",
        "wording: 'Wider' omitted",
    ),
    (
        "subtheme",
        "Community involvement",
        "Volunteer involvement in schools",
        "Community involvement",
        "Volunteering in schools",
        "wording: 'Volunteer involvement' for 'Volunteering'",
    ),
    (
        "subtheme",
        "Community involvement",
        "Collective approach to redress the balance of power",
        "Community involvement",
        "Collective approach to redress balance of power",
        "wording: 'the' added",
    ),
    (
        "subtheme",
        "Community involvement",
        "Volunteers paying for debarring service",
        "Community involvement",
        "Volunteers paying for debarring service clearance",
        "wording: 'clearance' omitted",
    ),
    (
        "subtheme",
        "Health inequalities and deprivation",
        "Training programmes",
        "Health inequalities and deprivation",
        "Training programmes",
        "extra: not in Appendix 1",
    ),
]

# Inconsistencies that need reading, not string comparison. Each is (source, printed, appendix,
# resolution, evidence): every evidence string must occur in the paper text.
MANUAL_INCONSISTENCIES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    (
        "Appendix 1",
        "second major theme block (3 successes, 13 challenges) has no heading: name and "
        "'No. (%age) of codes' missing from the text",
        "Funding",
        "theme named Funding (the second major theme of the Abstract, Results ¶1 and the Summary "
        "of major themes); codes = 323 − sum of the other eleven = 40, percent = 12.38; "
        "themes.csv derived=True",
        ("Successes\n\tCreative ways of raising funding",),
    ),
    (
        "Summary of major themes > Funding",
        "Indicators of success comprised obtaining funding for all partners",
        "Funding, Challenges: Obtaining funding for all of the partners",
        "Appendix 1's valence kept (challenge); the Summary calls the same point a success",
        (
            "Indicators of success comprised obtaining funding for all partners",
            "Obtaining funding for all of the partners",
        ),
    ),
    (
        "Appendix 1",
        "Relationships with partners, Challenges: Few people running programmes",
        "Setting up and scaling up programmes, Challenges: Fewer people running programmes",
        "near-identical subthemes under two themes; kept as two subthemes as printed",
        ("Few people running programmes", "Fewer people running programmes"),
    ),
    (
        "Background ¶3; Methods > Design; Methods > Participants",
        "Twelve research teams ... were funded for one year in the first phase",
        "Ten online focus groups ... from ten research partnerships",
        "the coded data follow Methods: ten focus groups, one per partnership; the paper does "
        "not say why two of the twelve funded teams have no focus group",
        ("Twelve research teams", "Ten online focus groups", "from ten research partnerships"),
    ),
    (
        "Results ¶1; Appendix 1; Table 7",
        "Codes were divided into 185 subthemes",
        "185 appendix rows, 184 distinct (theme-independent) names; Table 7 adds a 186th "
        "subtheme (Training programmes)",
        "185 counts appendix rows (theme, valence, subtheme); the extra Table 7 subtheme is "
        "carried as a flagged extra and not counted in the 185",
        ("Codes were divided into 185 subthemes",),
    ),
]

# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass
class Paper:
    """The paper's text: ``lines`` exactly as in the file (tabs and no-break spaces kept), ``text``
    with no-break spaces as plain spaces (for prose statements and look-ups)."""

    raw: str
    text: str = field(init=False)
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.raw.split("\n")
        self.text = self.raw.replace("\u00a0", " ")

    def index(self, predicate_text: str, start: int = 0, exact: bool = True) -> int:
        """Index of the first line (from ``start``) equal to (or starting with) ``predicate_text``."""
        for i in range(start, len(self.lines)):
            line = self.lines[i].strip()
            if (line == predicate_text) if exact else line.startswith(predicate_text):
                return i
        raise ValueError(f"line {predicate_text!r} not found after line {start + 1}")

    def require(self, fragment: str) -> None:
        if fragment not in self.text:
            raise ValueError(f"expected text not in the paper: {fragment!r}")


def clean(s: str) -> str:
    """Strip surrounding tabs, spaces and no-break spaces (inner characters are kept as printed)."""
    return s.strip(" \t\u00a0")


def parse_questions(paper: Paper) -> pd.DataFrame:
    start = paper.index("Table 1Focus group questions", exact=False)
    end = paper.index("Procedure", start)
    rows = []
    topic = None
    for line in paper.lines[start + 1 : end]:
        s = clean(line)
        if s in ("Partnership working", "Health inequalities"):
            topic = s.lower()
            continue
        m = re.match(r"^(\d)\. (.+)$", s)
        if m:
            rows.append({"question": int(m[1]), "topic": topic, "text": m[2], "source": "Table 1"})
    df = pd.DataFrame(rows)
    assert list(df["question"]) == list(range(1, 9)), df
    return df


def parse_tables(paper: Paper) -> pd.DataFrame:
    """Tables 2-9: theme, subtheme and quotation rows exactly as printed."""
    rows = []
    for table in range(2, 10):
        start = paper.index(f"Table {table}Question", exact=False)
        question = int(re.match(rf"Table {table}Question (\d)", paper.lines[start])[1])
        header = paper.index("Quotations", start)
        # groups of non-blank lines until the next section heading (a line without a tab that
        # starts a new block after at least three blank lines)
        groups: list[list[str]] = []
        current: list[str] = []
        blank_run = 0
        for line in paper.lines[header + 1 :]:
            if line.strip() == "":
                blank_run += 1
                if current:
                    groups.append(current)
                    current = []
                continue
            if blank_run >= 3 and groups:
                break
            blank_run = 0
            if line.startswith("\t"):
                current.append(clean(line))
            else:  # a printed line break inside a cell: join with one space
                assert current, line
                current[-1] = current[-1] + " " + clean(line)
        if current:
            groups.append(current)
        theme = None
        for g in groups:
            if len(g) == 3:
                theme, subtheme, quote = g
            elif len(g) == 2:
                subtheme, quote = g
            else:
                raise ValueError(f"Table {table}: cannot read group {g!r}")
            rows.append(
                {
                    "table": table,
                    "question": question,
                    "theme": theme,
                    "subtheme": subtheme,
                    "quotation": quote,
                    "source": f"Table {table}",
                }
            )
    return pd.DataFrame(rows)


THEME_HEAD = re.compile(r"^(?P<name>.+?) (?P<codes>\d+) \((?P<pct>\d+\.\d+)%\)$")
COUNT_LINE = re.compile(r"^(?P<codes>\d+) \((?P<pct>\d+\.\d+)%\)$")


def parse_appendix(paper: Paper) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Appendix 1: themes (in order) and subthemes (in printed order within theme and valence).

    A theme heading is either ``Name 52 (16.10%)`` on one line or ``Name`` followed by a line
    ``32 (9.91%)``. A ``Successes`` line straight after a theme's ``Challenges`` block, with no
    heading between, starts a theme whose heading was lost (Funding).
    """
    start = paper.index("Appendix 1")
    begin = paper.index("Major themes", start)
    end = paper.index("Total 323", begin)
    lines = [clean(ln) for ln in paper.lines[begin:end] if clean(ln)]
    themes: list[dict[str, object]] = []
    subs: list[dict[str, object]] = []
    klass = theme = valence = None
    i = 0
    while i < len(lines):
        s = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if s in ("Major themes", "Minor themes"):
            klass = s.split()[0].lower()
        elif s in ("Successes", "Challenges"):
            if s == "Successes" and valence == "challenge":
                theme = LOST_THEME
                themes.append(
                    {"theme": theme, "codes": None, "pct": None, "class": klass, "lost": True}
                )
            valence = "success" if s == "Successes" else "challenge"
        elif THEME_HEAD.match(s):
            m = THEME_HEAD.match(s)
            theme, valence = m["name"], None
            themes.append(
                {
                    "theme": theme,
                    "codes": int(m["codes"]),
                    "pct": m["pct"],
                    "class": klass,
                    "lost": False,
                }
            )
        elif COUNT_LINE.match(nxt):
            m = COUNT_LINE.match(nxt)
            theme, valence = s, None
            themes.append(
                {
                    "theme": theme,
                    "codes": int(m["codes"]),
                    "pct": m["pct"],
                    "class": klass,
                    "lost": False,
                }
            )
            i += 1
        else:
            if theme is None or valence is None:
                raise ValueError(f"Appendix 1: subtheme outside a theme block: {s!r}")
            subs.append({"theme": theme, "valence": valence, "subtheme": s})
        i += 1
    df_t = pd.DataFrame(themes)
    df_s = pd.DataFrame(subs)
    df_s["position"] = df_s.groupby(["theme", "valence"], sort=False).cumcount() + 1
    return df_t, df_s


def build_themes(appendix_themes: pd.DataFrame, total: int) -> pd.DataFrame:
    t = appendix_themes.copy()
    known = int(t.loc[~t["lost"], "codes"].sum())
    t.loc[t["lost"], "codes"] = total - known
    t["codes"] = t["codes"].astype(int)
    t["percent"] = [
        f"{100 * c / total:.2f}" if lost else pct
        for c, pct, lost in zip(t["codes"], t["pct"], t["lost"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "theme_no": range(1, len(t) + 1),
            "theme": t["theme"],
            "codes": t["codes"],
            "percent": t["percent"],
            "class": t["class"],
            "derived": t["lost"].map({True: "True", False: "False"}),
            "source": [
                "Appendix 1 (heading lost in the text; name from Results ¶1, codes = 323 − the "
                "other eleven)"
                if lost
                else "Appendix 1"
                for lost in t["lost"]
            ],
        }
    )
    return out


def parse_roles(paper: Paper) -> pd.DataFrame:
    start = paper.index("Participants")
    para = paper.lines[start + 1].replace("\u00a0", " ")
    found = re.findall(r"([A-Za-z][^();]*?) \(n = (\d+)\)", para)
    printed_counts = [int(n) for _, n in found]
    # "voluntary response sample (n = 90)" is the total, not a role
    assert printed_counts[0] == 90, found
    assert printed_counts[1:] == [c for _, _, c in ROLES], (printed_counts, ROLES)
    for _, printed, count in ROLES:
        paper.require(f"{printed} (n = {count})")
    return pd.DataFrame(
        {
            "role": [r for r, _, _ in ROLES],
            "count": [c for _, _, c in ROLES],
            "source": "Methods > Participants",
        }
    )


RESULT_PCT = re.compile(
    r"(?:the (?P<cls>major|minor) themes? of )?‘(?P<name>[^’]+)’ \((?P<pct>\d+\.\d+)%\)"
)


@dataclass
class QuestionText:
    question: int
    paragraph: str
    themes: list[tuple[str, str, str]]  # (printed name, class, percent text)
    n_subthemes: int


def parse_question_paragraphs(paper: Paper) -> list[QuestionText]:
    out = []
    for q in range(1, 9):
        i = paper.index(f"Question {q}")
        para = paper.lines[i + 1].replace("\u00a0", " ")
        # class applies to the following names until the next class word
        themes = []
        cls = None
        for m in re.finditer(r"(major|minor) themes? of|‘([^’]+)’ \((\d+\.\d+)%\)", para):
            if m[1]:
                cls = m[1]
            else:
                themes.append((m[2], cls, m[3]))
        n = {"five": 5, "nine": 9}[re.search(r"derived from (five|nine) subthemes", para)[1]]
        out.append(QuestionText(q, para, themes, n))
    return out


def split_list(s: str) -> list[str]:
    """'a; b; and c' -> ['a', 'b', 'c']."""
    parts = [p.strip() for p in s.split(";")]
    return [re.sub(r"^and ", "", p) for p in parts]


def theme_class_lists(paper: Paper) -> list[tuple[str, str, list[str], str]]:
    """(source, class, names, statement) for the Abstract's and Results ¶1's major/minor lists."""
    out = []
    abstract = paper.lines[paper.index("Results") + 1]
    m = re.search(
        r"Major themes representing an above average number of coded responses were "
        r"([^.]+)\. Minor themes were ([^.]+)\.",
        abstract,
    )
    out.append(("Abstract > Results", "major", split_list(m[1]), m[0].split(". ")[0] + "."))
    out.append(("Abstract > Results", "minor", split_list(m[2]), "Minor themes were " + m[2] + "."))
    r1 = paper.lines[paper.index("Responses comprising 977", exact=False)]
    m = re.search(r"Six themes \(([^)]+)\)", r1)
    out.append(("Results ¶1", "major", split_list(m[1]), m[0]))
    m = re.search(r"remaining six themes with fewer coded responses than average \(([^)]+)\)", r1)
    out.append(("Results ¶1", "minor", split_list(m[1]), m[0]))
    return out


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------


def build_claims(paper: Paper, themes: pd.DataFrame, qtexts: list[QuestionText]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []

    def add(
        kind: str,
        value: object,
        decimals: object,
        statement: str,
        source: str,
        question: object = "",
        subject: str = "",
    ) -> None:
        rows.append(
            {
                "kind": kind,
                "question": question,
                "subject": subject,
                "value": str(value),
                "decimals": decimals,
                "statement": statement,
                "source": source,
            }
        )

    def req(statement: str) -> str:
        paper.require(statement)
        return statement

    # Abstract
    add(
        "n_focus_groups", 10, 0, req("Ten online focus groups were conducted"), "Abstract > Methods"
    )
    add(
        "n_questions",
        8,
        0,
        req(
            "Eight focus group questions were split between partnership working and health inequalities"
        ),
        "Abstract > Methods",
    )
    add(
        "n_subthemes",
        185,
        0,
        req("Thematic and content analysis produced 185 subthemes"),
        "Abstract > Results",
    )
    add("n_themes", 12, 0, req("from which 12 themes were identified"), "Abstract > Results")
    # Methods
    add(
        "n_focus_groups",
        10,
        0,
        req("Ten online focus groups were carried out with research teams"),
        "Methods > Design",
    )
    add(
        "n_participants",
        90,
        0,
        req("a voluntary response sample (n = 90)"),
        "Methods > Participants",
    )
    add(
        "n_focus_groups",
        10,
        0,
        req("from ten research partnerships across the UK"),
        "Methods > Participants",
    )
    for role, printed, count in ROLES:
        add(
            "role_count",
            count,
            0,
            req(f"{printed} (n = {count})"),
            "Methods > Participants",
            subject=role,
        )
    gs = req(
        "Between six and 13 participants took part in each focus group (mean = 9; median = 8.5)"
    )
    add("group_size_min", 6, 0, gs, "Methods > Participants")
    add("group_size_max", 13, 0, gs, "Methods > Participants")
    add("group_size_mean", 9, 0, gs, "Methods > Participants")
    add("group_size_median", "8.5", 1, gs, "Methods > Participants")
    add(
        "n_questions",
        8,
        0,
        req(
            "eight open-ended focus group questions split between the topics of partnership working and health inequalities"
        ),
        "Methods > Materials",
    )
    add(
        "n_questions_topic",
        4,
        0,
        "Table 1 lists questions 1-4 under Partnership working",
        "Table 1",
        subject="partnership working",
    )
    add(
        "n_questions_topic",
        4,
        0,
        "Table 1 lists questions 5-8 under Health inequalities",
        "Table 1",
        subject="health inequalities",
    )
    # Results ¶1
    add("n_paragraphs", 977, 0, req("Responses comprising 977 paragraphs of text"), "Results ¶1")
    add("n_codes", 323, 0, req("were categorised into 323 codes"), "Results ¶1")
    add("n_subthemes", 185, 0, req("Codes were divided into 185 subthemes"), "Results ¶1")
    add("n_themes", 12, 0, req("from which 12 themes were identified (Appendix 1)"), "Results ¶1")
    stats = req("(mean = 26.92; median = 26.50; SD = 11.74; range = 40.00)")
    add("stat_mean", "26.92", 2, stats, "Results ¶1")
    add("stat_median", "26.50", 2, stats, "Results ¶1")
    add("stat_sd", "11.74", 2, stats, "Results ¶1")
    add("stat_range", "40.00", 2, stats, "Results ¶1")
    six = re.search(
        r"Six themes \([^)]+\) for which [^(]+\([^)]+\) were considered major themes", paper.text
    )[0]
    add("n_major_themes", 6, 0, six, "Results ¶1")
    add(
        "n_minor_themes",
        6,
        0,
        req("The remaining six themes with fewer coded responses than average"),
        "Results ¶1",
    )
    for source, cls, names, statement in theme_class_lists(paper):
        for name in names:
            add("theme_class", cls, "", statement, source, subject=name)
    # Results > Questions
    for qt in qtexts:
        src = f"Results > Question {qt.question}"
        sentence = qt.paragraph.split(" (Fig.")[0]
        add("question_n_reported", len(qt.themes), 0, sentence, src, question=qt.question)
        for name, _cls, pct in qt.themes:
            add(
                "question_pct",
                pct,
                2,
                f"‘{name}’ ({pct}%)",
                src,
                question=qt.question,
                subject=name,
            )
        for name, cls, _ in qt.themes:
            add(
                "question_reported_class",
                cls,
                "",
                f"the {cls} theme of ‘{name}’",
                src,
                question=qt.question,
                subject=name,
            )
        derived = re.search(
            r"(each )?derived from (five|nine) subthemes \(Table \d\)", qt.paragraph
        )[0]
        for name, _, _ in qt.themes:
            add(
                "table_n_subthemes",
                qt.n_subthemes,
                0,
                derived,
                src,
                question=qt.question,
                subject=name,
            )
    # Appendix 1
    for t in themes.itertuples():
        if t.derived == "True":
            stmt = (
                f"{t.theme}: count and percentage lost from the text; derived as 323 − sum of "
                f"the other eleven = {t.codes} ({t.percent}%)"
            )
        else:
            stmt = (
                req(f"{t.theme}\n{t.codes} ({t.percent}%)")
                if f"{t.theme}\n{t.codes}" in paper.text
                else req(f"{t.theme} {t.codes} ({t.percent}%)")
            )
            stmt = stmt.replace("\n", " ")
        add("theme_codes", t.codes, 0, stmt, "Appendix 1", subject=t.theme)
        add("theme_percent", t.percent, 2, stmt, "Appendix 1", subject=t.theme)
        add(
            "theme_class",
            t._5,
            "",
            f"listed under '{t._5.capitalize()} themes'",
            "Appendix 1",
            subject=t.theme,
        )
    add("n_codes", 323, 0, req("Total 323"), "Appendix 1")
    # Discussion
    add("n_major_themes", 6, 0, req("produced six major and six minor themes"), "Discussion ¶1")
    add("n_minor_themes", 6, 0, req("produced six major and six minor themes"), "Discussion ¶1")
    df = pd.DataFrame(rows)
    df.insert(0, "claim_id", [f"C{i:03d}" for i in range(1, len(df) + 1)])
    return df


# --------------------------------------------------------------------------------------------
# Aliases and inconsistencies
# --------------------------------------------------------------------------------------------


def printed_names(
    quotes: pd.DataFrame, qtexts: list[QuestionText], paper: Paper
) -> list[tuple[str, str, str, str]]:
    """Every printed (level, theme, name, source) of the tables and the Results text."""
    out: list[tuple[str, str, str, str]] = []
    for r in quotes.itertuples():
        out.append(("theme", r.theme, r.theme, f"Table {r.table}"))
        out.append(("subtheme", r.theme, r.subtheme, f"Table {r.table}"))
    for qt in qtexts:
        for name, _, _ in qt.themes:
            out.append(("theme", name, name, f"Results > Question {qt.question}"))
    for source, _, names, _ in theme_class_lists(paper):
        for name in names:
            out.append(("theme", name, name, source))
    return out


def build_aliases(
    names: list[tuple[str, str, str, str]], themes: pd.DataFrame, subs: pd.DataFrame
) -> pd.DataFrame:
    canon_themes = list(themes["theme"])
    canon_pairs = set(zip(subs["theme"], subs["subtheme"], strict=True))
    manual = {(lv, pt, p): (ct, c, note) for lv, pt, p, ct, c, note in MANUAL_ALIASES}
    used: set[tuple[str, str, str]] = set()
    sources: dict[tuple[str, str, str], list[str]] = {}
    for level, ptheme, printed, source in names:
        key = (level, ptheme, printed)
        sources.setdefault(key, [])
        if source not in sources[key]:
            sources[key].append(source)

    def theme_of(printed_theme: str) -> str:
        if printed_theme in canon_themes:
            return printed_theme
        if ("theme", printed_theme, printed_theme) in manual:
            return manual[("theme", printed_theme, printed_theme)][1]
        hits = [t for t in canon_themes if t.casefold() == printed_theme.casefold()]
        assert len(hits) == 1, f"unmapped printed theme {printed_theme!r}"
        return hits[0]

    rows = []
    for key, srcs in sources.items():
        level, ptheme, printed = key
        ctheme = theme_of(ptheme)
        if level == "theme":
            if printed in canon_themes:
                continue
            if key in manual:
                used.add(key)
                ct, c, note = manual[key]
            else:
                ct = c = ctheme
                note = "case"
        else:
            if (ctheme, printed) in canon_pairs:
                continue
            if key in manual:
                used.add(key)
                ct, c, note = manual[key]
                assert ct == ctheme, (key, ct, ctheme)
            else:
                hits = [
                    s
                    for (t, s) in canon_pairs
                    if t == ctheme and s.casefold() == printed.casefold()
                ]
                if len(hits) != 1:
                    close = difflib.get_close_matches(
                        printed, [s for (t, s) in canon_pairs if t == ctheme], n=3, cutoff=0.5
                    )
                    raise ValueError(
                        f"printed subtheme {printed!r} under {ptheme!r} matches no Appendix 1 row; "
                        f"add it to MANUAL_ALIASES (close: {close})"
                    )
                ct, c, note = ctheme, hits[0], "case"
        if not note.startswith("extra"):
            assert (level == "theme" and c in canon_themes) or (ct, c) in canon_pairs, (key, ct, c)
        rows.append(
            {
                "level": level,
                "printed_theme": ptheme,
                "printed": printed,
                "canonical_theme": ct,
                "canonical": c,
                "source": "; ".join(srcs),
                "note": note,
            }
        )
    stale = set(manual) - used
    assert not stale, f"MANUAL_ALIASES entries printed nowhere: {sorted(stale)}"
    df = pd.DataFrame(rows)
    return df.sort_values(
        ["level", "canonical_theme", "canonical", "printed"],
        key=lambda s: s.str.casefold() if s.dtype == object else s,
        kind="stable",
    ).reset_index(drop=True)


def _collations(s: str) -> list[str]:
    base = s.casefold()
    letters = re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKD", base))
    words = re.sub(r"[^0-9a-z ]", " ", base)
    return [base, letters, words]


def unsorted_lists(subs: pd.DataFrame) -> list[tuple[str, str, list[str]]]:
    """Appendix lists in no alphabetical order under any of three common collations."""
    out = []
    for (theme, valence), g in subs.groupby(["theme", "valence"], sort=False):
        names = list(g.sort_values("position")["subtheme"])
        ok = False
        for k in range(3):
            keys = [_collations(n)[k] for n in names]
            if keys == sorted(keys):
                ok = True
        if not ok:
            out.append((theme, valence, names))
    return out


def _out_of_order(names: list[str]) -> list[str]:
    """Names that sit before an alphabetically earlier name (case-insensitive)."""
    keys = [n.casefold() for n in names]
    return [names[i] for i in range(len(names) - 1) if keys[i] > keys[i + 1]]


def _norm_quote(s: str) -> str:
    s = s.replace("’", "'").replace("‘", "'").casefold()
    s = s.replace("…", " ")
    s = re.sub(r"[^\w' ]", " ", s)
    return " ".join(s.split())


def _exact_key(s: str) -> str:
    """The words as printed, case-folded, minus surrounding punctuation or ellipses."""
    return s.strip(" .,;:…").casefold()


def summary_quotes(paper: Paper, theme_names: Iterable[str]) -> list[tuple[str, str]]:
    """(summary section theme, quotation) for every “...” in the Summary sections."""
    start = paper.index("Summary of major themes")
    end = paper.index("Partnership working: responses to questions 1–4")
    names = set(theme_names)
    out = []
    section = None
    for line in paper.lines[start:end]:
        s = line.strip()
        if s in names:
            section = s
            continue
        for q in re.findall(r"“([^”]+)”", line):
            out.append((section, q))
    return out


def compare_summary_quotes(
    paper: Paper, quotes: pd.DataFrame, aliases: pd.DataFrame, themes: pd.DataFrame
) -> list[dict[str, str]]:
    alias_theme = {r.printed: r.canonical_theme for r in aliases.itertuples() if r.level == "theme"}
    table_norm = [(_norm_quote(r.quotation), r) for r in quotes.itertuples()]
    found = []
    for section, q in summary_quotes(paper, themes["theme"]):
        nq = _norm_quote(q)
        hits = [r for n, r in table_norm if nq in n]
        if hits:
            r = hits[0]
            ttheme = alias_theme.get(r.theme, r.theme)
            if ttheme != section:
                found.append(
                    {
                        "source": f"Summary of themes > {section}; Table {r.table}",
                        "printed": f"“{q}” quoted in the summary of {section}",
                        "appendix": f"Table {r.table} gives the same words under {ttheme} / {r.subtheme}",
                        "resolution": "the table's theme and subtheme are used for the quotation; the "
                        "summary is prose and assigns nothing",
                    }
                )
            if _exact_key(q) not in _exact_key(r.quotation):
                found.append(
                    {
                        "source": f"Summary of themes > {section}; Table {r.table}",
                        "printed": f"“{q}”",
                        "appendix": f"Table {r.table} ({r.theme} / {r.subtheme}): “{r.quotation}”",
                        "resolution": "the table's wording is kept in quotations.csv; the summary "
                        "quotes the same words with different punctuation",
                    }
                )
            continue
        # the best-matching window of any table quotation
        best = (0.0, None)
        for n, r in table_norm:
            sm = difflib.SequenceMatcher(None, nq, n, autojunk=False)
            m = sm.find_longest_match(0, len(nq), 0, len(n))
            if m.size < 20:
                continue
            lo = max(0, m.b - m.a)
            window = n[lo : lo + len(nq) + 10]
            ratio = difflib.SequenceMatcher(None, nq, window, autojunk=False).ratio()
            if ratio > best[0]:
                best = (ratio, r)
        if best[0] >= 0.8:
            r = best[1]
            found.append(
                {
                    "source": f"Summary of themes > {section}; Table {r.table}",
                    "printed": f"“{q}”",
                    "appendix": f"Table {r.table} ({r.theme} / {r.subtheme}): “{r.quotation}”",
                    "resolution": "the table's wording is kept in quotations.csv; the summary "
                    "quotes the same passage with different words",
                }
            )
    return found


def build_inconsistencies(
    paper: Paper,
    aliases: pd.DataFrame,
    subs: pd.DataFrame,
    quotes: pd.DataFrame,
    themes: pd.DataFrame,
) -> pd.DataFrame:
    rows: list[dict[str, str]] = []
    # manual, first the lost Funding heading
    manual = []
    for source, printed, appendix, resolution, evidence in MANUAL_INCONSISTENCIES:
        for e in evidence:
            paper.require(e)
        manual.append(
            {"source": source, "printed": printed, "appendix": appendix, "resolution": resolution}
        )
    rows.append(manual[0])
    # aliases that differ by more than case, grouped case-insensitively
    groups: dict[tuple[str, str, str], list] = {}
    for r in aliases.itertuples():
        if r.note == "case":
            continue
        key = (r.level, r.canonical_theme, r.printed.casefold())
        groups.setdefault(key, []).append(r)
    for rs in groups.values():
        r = rs[0]
        srcs = "; ".join(s for x in rs for s in x.source.split("; "))
        if r.note.startswith("extra"):
            rows.append(
                {
                    "source": srcs,
                    "printed": f"{r.printed_theme} / {r.printed}",
                    "appendix": f"no such subtheme under {r.canonical_theme}",
                    "resolution": "kept as an extra subtheme of that theme, flagged "
                    "(aliases.csv note 'extra: not in Appendix 1')",
                }
            )
            continue
        what = r.printed if r.level == "theme" else f"{r.printed_theme} / {r.printed}"
        canon = r.canonical if r.level == "theme" else f"{r.canonical_theme} / {r.canonical}"
        rows.append(
            {
                "source": srcs,
                "printed": " | ".join(dict.fromkeys(x.printed for x in rs))
                if r.level == "theme"
                else what,
                "appendix": canon,
                "resolution": f"mapped to Appendix 1's name ({r.note})",
            }
        )
    # duplicate subtheme names across themes
    dup = subs.groupby("subtheme")["theme"].agg(list)
    for name, ths in dup[dup.map(len) > 1].items():
        used = sorted(
            {f"Table {r.table} under {r.theme}" for r in quotes.itertuples() if r.subtheme == name}
        )
        rows.append(
            {
                "source": "Appendix 1" + ("; " + "; ".join(used) if used else ""),
                "printed": f"{name} listed under " + " and ".join(ths),
                "appendix": "two rows: " + "; ".join(f"{t} / {name}" for t in ths),
                "resolution": "two distinct subthemes (one per theme); a table row resolves to the "
                "one under its own theme",
            }
        )
    # "(in alphabetical order)"
    paper.require("Subthemes (in alphabetical order)")
    for theme, valence, names in unsorted_lists(subs):
        bad = _out_of_order(names)
        rows.append(
            {
                "source": "Appendix 1",
                "printed": f"heading 'Subthemes (in alphabetical order)'; {theme}, "
                f"{'Successes' if valence == 'success' else 'Challenges'}: " + "; ".join(names),
                "appendix": "not alphabetical (printed before an alphabetically earlier name: "
                + "; ".join(bad)
                + ")",
                "resolution": "printed order kept (subthemes.csv position)",
            }
        )
    rows.extend(manual[1:])
    rows.extend(compare_summary_quotes(paper, quotes, aliases, themes))
    df = pd.DataFrame(rows)
    df.insert(0, "inconsistency_id", [f"I{i:02d}" for i in range(1, len(df) + 1)])
    return df


# --------------------------------------------------------------------------------------------


def transcribe(paper_path: Path) -> dict[str, pd.DataFrame]:
    """Parse the paper and return the eight tables, keyed by file name."""
    paper = Paper(paper_path.read_text(encoding="utf-8"))
    questions = parse_questions(paper)
    quotes = parse_tables(paper)
    t_app, subs = parse_appendix(paper)
    total = int(re.search(r"Total (\d+)", paper.text)[1])
    themes = build_themes(t_app, total)
    subs["valence"] = subs["valence"]
    subs["source"] = "Appendix 1"
    subs = subs[["theme", "valence", "subtheme", "position", "source"]]
    roles = parse_roles(paper)
    qtexts = parse_question_paragraphs(paper)
    claims = build_claims(paper, themes, qtexts)
    aliases = build_aliases(printed_names(quotes, qtexts, paper), themes, subs)
    incons = build_inconsistencies(paper, aliases, subs, quotes, themes)
    return {
        "questions.csv": questions,
        "themes.csv": themes,
        "subthemes.csv": subs,
        "quotations.csv": quotes,
        "roles.csv": roles,
        "claims.csv": claims,
        "aliases.csv": aliases,
        "inconsistencies.csv": incons,
    }


def render(df: pd.DataFrame) -> bytes:
    """The exact bytes written for one table."""
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paper", type=Path, default=DEFAULT_PAPER)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument(
        "--check", action="store_true", help="compare with the files in --out instead of writing"
    )
    args = ap.parse_args(argv)
    tables = transcribe(args.paper)
    if args.check:
        bad = [
            f
            for f in FILES
            if not (args.out / f).is_file() or (args.out / f).read_bytes() != render(tables[f])
        ]
        for f in FILES:
            print(f"{f}: {'DIFFERS' if f in bad else 'ok'} ({len(tables[f])} rows)")
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        (args.out / f).write_bytes(render(tables[f]))
        print(f"wrote {args.out / f} ({len(tables[f])} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
