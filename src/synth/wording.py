"""What the report's prose says about a study: sentences computed from its data and its folder.

The notebooks' Markdown cells hold only what is true of any coded study. Everything that depends
on the study (how many questions, groups and themes, whether the codebook splits successes from
challenges, what is missing) is worded here from the data, and everything the paper says (its
counts, its wording) is added only for a study compared with the paper (``compare_to_paper`` in
its ``study.toml``), quoted from the published record in ``data/raw/published/``, never typed in.
What is said about the shipped reconstruction appears only for the shipped reconstruction.

Every function returns a :class:`synth.display.HTMLBlock` whose text is escaped, so a theme or a
question worded with markup is shown, never run.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .display import HTMLBlock
from .study import Study, load_study

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis
    from .io import CodedData
    from .published import Published

__all__ = [
    "Context",
    "load_context",
    "number_word",
    "counted",
    "listing",
    "paragraph",
    "notes",
    "paper_says",
    "questions_note",
    "participants_note",
    "themes_note",
    "statistics_caveat",
    "coding_note",
    "ensemble_intro",
]

_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen twenty").split()


@dataclass(frozen=True)
class Context:
    """What the prose of a report needs to know about its data folder.

    Attributes
    ----------
    study
        The study as its folder describes it (:func:`synth.study.load_study`).
    published
        The paper's published record, only for a study compared with the paper; else None.
    shipped
        Whether the folder holds the shipped reconstruction (the reconstruction notices and the
        ensemble are shown only then).
    """

    study: Study
    published: Published | None = None
    shipped: bool = False

    @property
    def compare(self) -> bool:
        """Whether the paper's numbers and wording are shown beside the study's."""
        return self.published is not None


def load_context(data_dir: str | os.PathLike[str] | None) -> Context:
    """The :class:`Context` of a data folder: its study, the paper when compared, shipped or not.

    Examples
    --------
    >>> load_context("data/raw").compare, load_context(tmp).compare
    (True, False)
    """
    from .checksums import is_shipped_reconstruction

    study = load_study(data_dir)
    published = None
    if study.compare_to_paper:
        from .published import load_published

        published = load_published()
    shipped = data_dir is not None and is_shipped_reconstruction(data_dir)
    return Context(study, published, shipped)


def number_word(n: int, *, capital: bool = False) -> str:
    """A count in words up to twenty, in digits above.

    Examples
    --------
    >>> number_word(3), number_word(12, capital=True), number_word(21)
    ('three', 'Twelve', '21')
    """
    text = _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
    return text[:1].upper() + text[1:] if capital else text


def counted(n: int, noun: str, plural: str | None = None, *, capital: bool = False) -> str:
    """``n`` and its noun, singular or plural.

    Examples
    --------
    >>> counted(1, "question"), counted(5, "focus group"), counted(2, "query", "queries")
    ('one question', 'five focus groups', 'two queries')
    """
    word = noun if n == 1 else (plural or noun + "s")
    return f"{number_word(n, capital=capital)} {word}"


def listing(items: Iterable[object]) -> str:
    """Items joined as English lists them.

    Examples
    --------
    >>> listing([1]), listing([1, 2]), listing([1, 2, 3])
    ('1', '1 and 2', '1, 2 and 3')
    """
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def paragraph(*sentences: str) -> HTMLBlock:
    """Sentences as one escaped paragraph (empty sentences are left out).

    Examples
    --------
    >>> paragraph("A <b>bold</b> claim.", "", "Another.").markup
    '<p>A &lt;b&gt;bold&lt;/b&gt; claim. Another.</p>'
    """
    text = " ".join(s.strip() for s in sentences if s and s.strip())
    return HTMLBlock(f"<p>{html.escape(text)}</p>" if text else "", text)


def notes(items: Sequence[str], heading: str = "") -> HTMLBlock:
    """Short notes (what a statistic could not do, and why) as a highlighted, escaped list.

    Examples
    --------
    >>> notes(["one group: no SD"]).text
    'one group: no SD'
    >>> notes([]).markup
    ''
    """
    if not items:
        return HTMLBlock("", "")
    head = f"<b>{html.escape(heading)}</b>" if heading else ""
    body = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    return HTMLBlock(f'<div class="synth-note">{head}<ul>{body}</ul></div>', "\n".join(items))


def paper_says(published: Published | None, *kinds: str) -> list[str]:
    """The paper's own statements of the given claim kinds (each once, in the paper's order).

    Parameters
    ----------
    published
        The published record, or None (then nothing).
    *kinds
        Claim kinds of ``claims.csv`` (``n_participants``, ``stat_mean``...).

    Examples
    --------
    >>> paper_says(published, "stat_mean")
    ['(mean = 26.92; median = 26.50; SD = 11.74; range = 40.00)']
    >>> paper_says(None, "stat_mean")
    []
    """
    if published is None:
        return []
    claims = published.claims
    rows = claims[claims["kind"].isin(kinds)]
    return list(dict.fromkeys(str(s) for s in rows["statement"]))


def _quote(statements: Sequence[str]) -> str:
    if not statements:
        return ""
    text = "; ".join(s.strip().rstrip(".") for s in statements)
    return f"The paper: \u201c{text}\u201d."


def questions_note(context: Context, data: CodedData) -> HTMLBlock:
    """What Table 1 rests on: how many questions the data answer, where their wording comes from.

    Examples
    --------
    >>> print(questions_note(load_context(tmp), data).text[:47])
    The data hold codings for eight questions (1, 2
    """
    study = context.study
    asked = list(data.questions)
    sentences = [f"The data hold codings for {counted(len(asked), 'question')} "
                 f"({listing(asked)})."]
    if not study.questions:
        sentences.append("The data folder has no questions.csv, so the questions are listed by "
                         "number; a questions.csv (question,text and an optional topic) gives "
                         "them their wording.")
    else:
        unworded = [q for q in asked if not study.question_text(q)]
        if unworded:
            sentences.append(f"questions.csv does not word question {listing(unworded)}, listed "
                             "by number.")
        silent = [q for q in study.questions if q not in asked]
        if silent:
            sentences.append(f"Question {listing(silent)} of questions.csv has no codings, so it "
                             "has no figure and no table of its own.")
    sentences.append(_quote(paper_says(context.published, "n_questions")[-1:]))
    return paragraph(*sentences)


def participants_note(context: Context, data: CodedData) -> HTMLBlock:
    """The groups and roles in a sentence, with the paper's totals for a compared study.

    Examples
    --------
    >>> print(participants_note(load_context(tmp), data).text)
    90 participants in ten focus groups of six to thirteen, with fifteen roles.
    """
    sentences = []
    people = data.participants
    if people is None:
        sentences.append("The data have no participants.csv, so groups and roles cannot be "
                         "shown.")
    else:
        sizes = people.groupby("focus_group")["participant_id"].nunique()
        small, large = int(sizes.min()), int(sizes.max())
        span = (f"of {number_word(small)}" if small == large
                else f"of {number_word(small)} to {number_word(large)}")
        n_roles = int(people["role"].nunique())
        sentences.append(f"{len(people)} participant{'s' if len(people) != 1 else ''} in "
                         f"{counted(len(sizes), 'focus group')} {span}, with "
                         f"{n_roles if n_roles > 20 else number_word(n_roles)} "
                         f"role{'s' if n_roles != 1 else ''}.")
    said = paper_says(context.published, "n_participants", "group_size_min")
    if said:
        sentences.append(_quote(said))
        sentences.append("The paper does not say who was in which group"
                         + (", so in the reconstructed data the assignment of people to groups "
                            "is one that satisfies those published totals." if context.shipped
                            else "."))
    return paragraph(*sentences)


def themes_note(context: Context, data: CodedData, analysis: Analysis) -> HTMLBlock:
    """How many codes, subthemes and themes; whether subthemes split into successes and
    challenges; with the paper's statistics for a compared study.

    Examples
    --------
    >>> print(themes_note(load_context(tmp), data, analysis).text[:58])
    323 codes in 186 subthemes with at least one code and 12 t
    """
    coded = data.coded()
    n_sub = int(coded[["theme", "subtheme"]].drop_duplicates().shape[0])
    themes = analysis.themes
    n_themes = len(themes)
    uncoded = [str(t) for t, c in zip(themes["theme"], themes["codes"], strict=True) if c == 0]
    n_major = int(themes["major"].astype(bool).sum())
    total = int(analysis.stats["total"])
    sentences = [
        f"{total} code{'s' if total != 1 else ''} in {n_sub} "
        f"subtheme{'s' if n_sub != 1 else ''} with at least one code and {n_themes} "
        f"theme{'s' if n_themes != 1 else ''}: {counted(n_major, 'major theme')} and "
        f"{counted(n_themes - n_major, 'minor theme')}."
    ]
    if uncoded:
        sentences.append(f"Never coded: {listing(uncoded)} (counted with zero codes).")
    if "valence" not in data.codebook.columns:
        sentences.append("The codebook has no valence column, so subthemes are not split into "
                         "successes and challenges.")
    sentences.append(_quote(paper_says(context.published, "stat_mean")))
    return paragraph(*sentences)


def statistics_caveat(context: Context) -> HTMLBlock:
    """For the shipped reconstruction only: what the statistics on it can and cannot say.

    Examples
    --------
    >>> statistics_caveat(load_context(tmp)).markup
    ''
    >>> statistics_caveat(load_context("data/raw")).text[:41]
    'The shipped data are reconstructed, not t'
    """
    if not context.shipped:
        return paragraph()
    return paragraph(
        "The shipped data are reconstructed, not the study's data. The coded transcripts were "
        "never published; the compendium ships one dataset rebuilt from the paper's published "
        "aggregates (see data/raw/README.md). The paper fixes the reported themes' mean "
        "percentages, the codes per theme and the group sizes; everything else here (the spread "
        "between groups, the themes no table lists, which participant made which point) was "
        "chosen by the reconstruction. The intervals, tests and sensitivity checks below are "
        "therefore computed on one dataset consistent with the paper: they show how the "
        "analysis behaves and what it would say, and they become statements about the study "
        "only when the original coded data are put in data_dir. The last section measures how "
        "much of each bar the published numbers pin down."
    )


def coding_note(context: Context) -> HTMLBlock:
    """For a study compared with the paper: how the paper says its coding was done.

    Examples
    --------
    >>> coding_note(load_context(tmp)).markup
    ''
    >>> "checked by the second researcher" in coding_note(load_context("data/raw")).text
    True
    """
    if not context.compare or context.published is None:
        return paragraph()
    from .published import load_paper

    coding = load_paper(context.published.folder).coding
    if not coding:
        return paragraph()
    return paragraph(f"The paper: \u201c{coding.strip()}\u201d No double coding, and so no "
                     "agreement statistic, was published.")


def ensemble_intro(context: Context) -> HTMLBlock:
    """For the shipped reconstruction only: what the ensemble of reconstructions shows.

    Examples
    --------
    >>> ensemble_intro(load_context(tmp)).markup
    ''
    """
    if not context.shipped:
        return paragraph()
    return paragraph(
        "Many coded datasets reproduce every number the paper publishes; the shipped one is one "
        "of them. An ensemble of reconstructions with different seeds, each of which passes the "
        "audit, shows for every bar of the figures how far it can move while the published "
        "numbers stay fixed. A bar whose range has zero width (black tick, 'fixed') is fixed by "
        "the published numbers: these should be the reported themes' means (and any theme the "
        "data rule out of a question). Everything else (the other themes' bars and every error "
        "bar) spans a range: those values in the figures come from the reconstruction, not from "
        "the study. The ensemble is computed once by make ensemble (synth ensemble, one to three "
        "minutes; make report runs it) and read here from its cached file."
    )
