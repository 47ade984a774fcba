"""Paper-ready outputs for authors (``reports/manuscript/``), written by :func:`write_manuscript`.

The report calls :func:`write_manuscript` after the notebooks; ``synth manuscript`` runs it alone.
It writes, from the coded data and the paper's counting rules (:mod:`synth.analysis`):

- ``figures/``: one figure per question (Figures 1-8 for the paper) sized for a single (85 mm)
  and a double (170 mm) journal column, as PNG at 300 and 600 dpi, SVG, PDF (TrueType fonts
  embedded: ``pdf.fonttype`` 42) and TIFF (600 dpi, LZW), each with ``figN.txt`` (the caption, :func:`synth.plots.caption`) and ``figN.csv`` (the
  plotted numbers, :func:`synth.plots.figure_table`);
- ``tables/``: Table 1, one table per question and Appendix 1 in the paper's layout as CSV,
  Markdown, LaTeX (``longtable`` fragments; ``preview.tex`` puts them in a document) and DOCX (python-docx), built
  from :mod:`synth.tables`;
- ``numbers.json`` and ``numbers.tex``: every number the Results text cites, one LaTeX macro per
  number (``\\QOnePctRelationshipsWithPartners`` = ``28.70``), so that a manuscript's text can be
  generated rather than typed (:func:`results_numbers`);
- ``results.md``: a draft of the Results section whose sentences carry the numbers from the data
  in the paper's wording (:func:`results_text`, :func:`question_sentence`);
- ``provenance.json``: for every figure and table, the notebook and parameters that render it in
  the report, the function that wrote it, the commit, and the SHA-256 of the input data and of the
  output file;
- ``preview.tex``: a document holding ``numbers.tex`` and every table. :func:`compile_preview`
  (run by ``make report``) compiles it with pdflatex into ``preview.pdf``; characters its fonts
  lack are shown boxed as their code point rather than stopping the compile.

Participants' words appear only where the data hold them (the paper's published quotations in the
shipped reconstruction); nothing here writes words of its own into a quotation cell. The bytes are
the same on every run: fixed float formats, ``\\n`` line ends, no dates in the figures, fixed
timestamps inside the DOCX archives.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._exceptions import ReportError, UsageError
from ._provenance import git_state
from ._zip import rezip
from .analysis import Analysis, analyse
from .checksums import sha256_bytes, sha256_file
from .io import CodedData

if TYPE_CHECKING:  # pragma: no cover
    from .plots import FigureLayout
    from .published import Published
    from .study import Study

__all__ = [
    "COLUMN_WIDTHS_MM",
    "PNG_DPIS",
    "TIFF_DPI",
    "number_word",
    "macro_name",
    "markdown_text",
    "latex_text",
    "docx_text",
    "results_numbers",
    "numbers_tex",
    "question_sentence",
    "results_text",
    "paper_layout",
    "table_markdown",
    "table_latex",
    "write_docx_table",
    "manuscript_layout",
    "save_manuscript_figure",
    "write_manuscript",
    "TEX_PACKAGES",
    "PreviewPDF",
    "compile_preview",
]

#: Journal column widths (mm): single and double column.
COLUMN_WIDTHS_MM: dict[str, float] = {"single": 85.0, "double": 170.0}
#: Figure heights (mm) for each width.
_HEIGHTS_MM: dict[str, float] = {"single": 105.0, "double": 115.0}
#: Base font size (pt) for each width.
_FONT_PT: dict[str, float] = {"single": 6.5, "double": 8.0}
#: PNG resolutions written.
PNG_DPIS: tuple[int, ...] = (300, 600)
#: TIFF resolution.
TIFF_DPI = 600
#: zlib level of the PNGs: 1 is several times faster than the default 6 for files ~20% larger.
_PNG_COMPRESSION = 1
#: The 50% rule's threshold, as the Results text states it.
_THRESHOLD = 50
_MM_PER_INCH = 25.4
#: No-break space, between "Fig."/"Table" and the number (as the paper prints them).
_NBSP = "\u00a0"

_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen twenty").split()
_DIGIT_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def _quiet(message: str) -> None:
    """The default ``say``: progress goes nowhere."""


# --- numbers and names --------------------------------------------------------------------------


def number_word(n: int, *, capital: bool = False) -> str:
    """A count as the paper writes it: words up to twenty, digits above.

    Parameters
    ----------
    n
        A non-negative integer.
    capital
        Capitalise the first letter (at the start of a sentence).

    Returns
    -------
    str

    Examples
    --------
    >>> number_word(5), number_word(6, capital=True), number_word(185)
    ('five', 'Six', '185')
    """
    text = _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
    return text[:1].upper() + text[1:] if capital else text


def _latin(text: str) -> str:
    """Latin letters for a macro name: accents dropped (é -> e); a letter of another script
    spelled by its Unicode name (Greek alpha -> "Alpha", a CJK ideograph -> its code point in
    words), so names in other scripts give distinct macro names, never an empty one."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if char.isascii():
            out.append(char)
        elif unicodedata.combining(char):
            continue
        elif char.isalnum():
            name = unicodedata.name(char, "")
            word = name.rsplit(" ", 1)[-1].split("-")[-1] if name else f"{ord(char):X}"
            out.append(" " + word.capitalize() + " ")
        else:
            out.append(" ")
    return "".join(out)


def macro_name(*parts: object) -> str:
    """A LaTeX macro name (letters only) from words and numbers.

    Numbers are spelled digit by digit (``1`` → ``One``, ``12`` → ``OneTwo``), words are
    capitalised and joined, anything else is dropped.

    Parameters
    ----------
    *parts
        Pieces of the name, e.g. ``"Q", 1, "Pct", "Relationships with partners"``.

    Returns
    -------
    str
        Letters only; :class:`ValueError` when no letter or digit is left.

    Examples
    --------
    >>> macro_name("Q", 1, "Pct", "Relationships with partners")
    'QOnePctRelationshipsWithPartners'
    >>> macro_name("Theme codes", "Place-based factors")
    'ThemeCodesPlaceBasedFactors'
    >>> macro_name("Theme codes", "Αγάπη"), macro_name("Theme codes", "Ελπίδα")
    ('ThemeCodesAlphaGammaAlphaPiEta', 'ThemeCodesEpsilonLamdaPiIotaDeltaAlpha')
    """
    out = []
    for part in parts:
        for token in re.findall(r"[A-Za-z]+|[0-9]", _latin(str(part))):
            out.append(_DIGIT_WORDS[int(token)] if token.isdigit() else token[:1].upper() + token[1:])
    name = "".join(out)
    if not name:
        raise ValueError(f"no letters or digits in {parts!r} to make a macro name")
    return name


def _lower_first(theme: str) -> str:
    return theme[:1].lower() + theme[1:] if theme[1:2].islower() or len(theme) == 1 else theme


def _by_codes(analysis: Analysis, major: bool) -> list[str]:
    """Themes of one class by codes descending, ties in codebook order (Appendix 1's order)."""
    themes = analysis.themes.reset_index(drop=True)
    part = themes[themes["major"].astype(bool) == major]
    order = np.lexsort((part.index.to_numpy(), -part["codes"].to_numpy()))
    return [str(t) for t in part["theme"].to_numpy()[order]]


def _subtheme_counts(data: CodedData, analysis: Analysis) -> dict[tuple[int, str], int]:
    """Distinct subthemes coded per (question, reported theme): what each Table 2-9 lists."""
    coded = data.coded()
    chosen = analysis.selected[["question", "theme"]]
    merged = coded.merge(chosen, on=["question", "theme"], how="inner")
    counts = merged.groupby(["question", "theme"])["subtheme"].nunique()
    return {(int(q), str(t)): int(n) for (q, t), n in counts.items()}


def _entry(value: float | int, text: str, what: str) -> dict[str, Any]:
    return {"value": value, "text": text, "what": what}


def results_numbers(data: CodedData, analysis: Analysis | None = None) -> dict[str, dict[str, Any]]:
    """Every number the Results text cites, keyed by its LaTeX macro name.

    Parameters
    ----------
    data
        The coded dataset.
    analysis
        :func:`synth.analysis.analyse` of ``data`` (computed when None).

    Returns
    -------
    dict
        Macro name → ``{"value": number, "text": as printed, "what": description}``, in a fixed
        order: the counts of the first paragraph (``NParagraphs``, ``NCodes``, ``NSubthemes``,
        ``NThemes``, ``NMajorThemes``, ``NMinorThemes``), the descriptive statistics of codes per
        theme (``CodesMean``, ``CodesMedian``, ``CodesSD``, ``CodesRange``, two decimals),
        Appendix 1 (``ThemeCodes<Theme>``, ``ThemePct<Theme>``) and per question the number of
        reported themes and, per reported theme, its mean percentage and number of subthemes
        (``Q<N>NReported``, ``Q<N>Pct<Theme>``, ``Q<N>Subthemes<Theme>``).

    Two themes whose names differ only in punctuation would share a macro name; the later one
    then gets a numbered name (``...Two``).

    Examples
    --------
    >>> numbers = results_numbers(data)
    >>> numbers["QOnePctRelationshipsWithPartners"]["text"]
    '28.70'
    """
    result = analysis if analysis is not None else analyse(data)
    seg = data.segments
    stats = result.stats
    majors = _by_codes(result, True)
    minors = _by_codes(result, False)
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, entry: dict[str, Any]) -> None:
        # names that differ only in punctuation ("Place-based" and "Place based") would share a
        # macro: the later one gets the next free numbered name ("...Two", "...Three")
        unique, n = name, 2
        while unique in out:
            unique, n = name + "".join(_DIGIT_WORDS[int(d)] for d in str(n)), n + 1
        out[unique] = entry

    n_par = int(seg["segment_id"].nunique())
    put("NParagraphs", _entry(n_par, str(n_par), "coded paragraphs of text"))
    put("NCodes", _entry(int(stats["total"]), str(int(stats["total"])),
                         "codes (code occurrences)"))
    coded = data.coded()
    n_sub = int(coded[["theme", "subtheme"]].drop_duplicates().shape[0])
    put("NSubthemes", _entry(n_sub, str(n_sub), "subthemes with at least one code"))
    put("NThemes", _entry(len(result.themes), str(len(result.themes)), "themes"))
    put("NMajorThemes", _entry(len(majors), str(len(majors)), "major themes"))
    put("NMinorThemes", _entry(len(minors), str(len(minors)), "minor themes"))
    for key, label in (("mean", "Mean"), ("median", "Median"), ("sd", "SD"), ("range", "Range")):
        value = float(stats[key])
        put(f"Codes{label}", _entry(value, f"{value:.2f}",
                                    f"codes per theme: {key}" + (" (ddof 1)" if key == "sd" else "")))
    for rec in result.themes.itertuples(index=False):
        put(macro_name("Theme codes", rec.theme),
            _entry(int(rec.codes), str(int(rec.codes)), f"Appendix 1: codes of {rec.theme}"))
        put(macro_name("Theme pct", rec.theme),
            _entry(float(rec.percent), f"{rec.percent:.2f}",
                   f"Appendix 1: percentage of all codes, {rec.theme}"))
    subs = _subtheme_counts(data, result)
    for q in result.questions:
        chosen = result.selected[result.selected["question"] == q]
        put(macro_name("Q", q, "N reported"),
            _entry(len(chosen), str(len(chosen)), f"Question {q}: themes reported (50% rule)"))
        for rec in chosen.itertuples(index=False):
            put(macro_name("Q", q, "Pct", rec.theme),
                _entry(float(rec.mean_pct), f"{rec.mean_pct:.2f}",
                       f"Question {q}: mean percentage of codes, {rec.theme}"))
            n = subs.get((int(q), str(rec.theme)), 0)
            put(macro_name("Q", q, "Subthemes", rec.theme),
                _entry(n, str(n), f"Question {q} (Table {q + 1}): subthemes of {rec.theme}"))
    return out


def numbers_tex(numbers: Mapping[str, Mapping[str, Any]]) -> str:
    """``numbers.tex``: one ``\\newcommand`` per number of :func:`results_numbers`.

    Parameters
    ----------
    numbers
        The output of :func:`results_numbers`.

    Returns
    -------
    str
        LaTeX source, one macro per line with its description as a comment.

    Raises
    ------
    ValueError
        A name is not letters only.

    Examples
    --------
    >>> numbers_tex({"NCodes": {"value": 323, "text": "323", "what": "codes"}}).splitlines()[-1]
    '\\\\newcommand{\\\\NCodes}{323} % codes'
    """
    example = next((n for n in numbers if re.fullmatch(r"Q[A-Za-z]*Pct[A-Za-z]+", n)),
                   next(iter(numbers), "NCodes"))
    lines = [
        "% Every number the Results text cites, computed from the data by synth.manuscript.",
        f"% Use as \\input{{numbers.tex}}, then e.g. \\{example}"
        + ("\\%." if "Pct" in example else "."),
    ]
    for name, entry in numbers.items():
        if not re.fullmatch(r"[A-Za-z]+", name):
            raise ValueError(f"LaTeX macro names are letters only, got {name!r}")
        what = latex_text(entry["what"])  # one line: the comment cannot end early
        lines.append(f"\\newcommand{{\\{name}}}{{{latex_text(entry['text'])}}} % {what}")
    return "\n".join(lines) + "\n"


# --- the Results text ---------------------------------------------------------------------------


#: Characters that make Markdown (CommonMark and GitHub's) out of text inside a line: emphasis,
#: code, links and images (their brackets), tables' pipes, strikethrough. Line-start markers
#: (``#``, ``-``, ``1.``) need no escape: data never start a line of synth's Markdown.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
#: Line breaks of every kind, and other characters that end or hide a line.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def markdown_text(value: object) -> str:
    """Text from data made inert in Markdown: one line, HTML escaped, Markdown's punctuation
    backslash-escaped, so a theme named ``</script>`` or ``[x](javascript:...)`` stays text.

    Examples
    --------
    >>> print(markdown_text("[x](javascript:alert(1)) <b>*bold*</b>"))
    \\[x\\](javascript:alert(1)) &lt;b&gt;\\*bold\\*&lt;/b&gt;
    >>> markdown_text("two\\nlines")
    'two lines'
    """
    text = _LINE_BREAKS.sub(" ", unicodedata.normalize("NFC", str(value)))
    text = "".join(c for c in text if c >= " " or c == "\t")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _quoted(theme: str, pct: float) -> str:
    return f"‘{markdown_text(_lower_first(theme))}’ ({pct:.2f}%)"


def _listing(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def question_sentence(
    question: int,
    reported: Sequence[Mapping[str, Any]],
    intro: str | None = None,
    *,
    question_text: str = "",
) -> str:
    """The Results sentence for one question, in the paper's wording.

    Parameters
    ----------
    question
        The question number (Figure N, Table N + 1).
    reported
        The reported themes in rank order, each with ``theme``, ``pct`` (mean percentage),
        ``major`` (bool) and ``subthemes`` (how many Table N + 1 lists).
    intro
        The sentence's opening clause (the paper's own, when the study is compared with the
        paper); default "For question N, ‘wording’" with the study's wording of the question,
        or "For Question N" without it.
    question_text
        The study's wording of the question, for the default opening.

    Returns
    -------
    str
        E.g. "For ..., themes contributing 50% or more of the total number of codes were the major
        themes of ‘relationships with partners’ (28.70%) and ‘research evidence’ (25.68%) (Fig. 1),
        each derived from five subthemes (Table 2)." Themes are grouped by class, the class of the
        highest-ranked theme first, and by rank within a class, as the paper does; "Fig." and
        "Table" are joined to their numbers by a no-break space, as in the paper.

    Raises
    ------
    ValueError
        ``reported`` is empty.

    Examples
    --------
    >>> question_sentence(4, [{"theme": "Funding", "pct": 67.434, "major": True,
    ...                        "subthemes": 5}]).replace(_NBSP, " ")
    'For Question 4, the theme contributing 50% or more of the total number of codes was the major theme of ‘funding’ (67.43%) (Fig. 4), derived from five subthemes (Table 5).'
    """
    if not reported:
        raise ValueError(f"question {question}: no reported themes to write about")
    classes: list[bool] = []
    for item in reported:
        if bool(item["major"]) not in classes:
            classes.append(bool(item["major"]))
    groups = []
    for major in classes:
        members = [_quoted(str(i["theme"]), float(i["pct"])) for i in reported
                   if bool(i["major"]) == major]
        noun = "theme" if len(members) == 1 else "themes"
        groups.append(f"the {'major' if major else 'minor'} {noun} of {_listing(members)}")
    joiner = ", and " if any(len([i for i in reported if bool(i["major"]) == m]) > 1
                             for m in classes) and len(groups) > 1 else " and "
    themes_text = joiner.join(groups)
    several = len(reported) > 1
    subject = (f"themes contributing {_THRESHOLD}% or more of the total number of codes were"
               if several else
               f"the theme contributing {_THRESHOLD}% or more of the total number of codes was")
    counts = [int(i["subthemes"]) for i in reported]
    if len(set(counts)) == 1:
        derived = (("each derived from " if several else "derived from ")
                   + f"{number_word(counts[0])} subtheme{'s' if counts[0] != 1 else ''}")
    else:
        derived = ("derived from " + _listing([number_word(c) for c in counts])
                   + " subthemes, respectively")
    if intro:
        opening = intro
    elif question_text.strip():
        opening = f"For question {question}, ‘{markdown_text(question_text.strip())}’"
    else:
        opening = f"For Question {question}"
    return (f"{opening}, {subject} {themes_text} (Fig.{_NBSP}{question}), {derived} "
            f"(Table{_NBSP}{question + 1}).")


def _published_intros(published: Published | None) -> dict[int, str]:
    """The opening clause of each question's Results sentence, from the published claims."""
    if published is None:
        return {}
    claims = published.claims
    rows = claims[claims["kind"] == "question_n_reported"]
    intros: dict[int, str] = {}
    for q, statement in zip(rows["question"], rows["statement"], strict=True):
        match = re.match(r"^(.*?), (?:the theme|themes) contributing", str(statement))
        if match and str(q).strip():
            intros[int(float(q))] = match.group(1)
    return intros


def _topics(study: Study | None) -> list[tuple[str, list[int]]]:
    """The study's topics with their questions, in question order (none without topics)."""
    if study is None:
        return []
    topics: dict[str, list[int]] = {}
    for number, question in sorted(study.questions.items()):
        if question.topic.strip():
            topics.setdefault(question.topic.strip(), []).append(int(number))
    return list(topics.items())


def results_text(
    data: CodedData,
    analysis: Analysis | None = None,
    published: Published | None = None,
    *,
    reconstructed: bool = False,
    study: Study | None = None,
) -> str:
    """``results.md``: a draft Results section whose sentences carry the numbers from the data.

    Parameters
    ----------
    data, analysis
        As for :func:`results_numbers`, whose numbers the sentences quote.
    published
        The published record (:func:`synth.published.load_published`), passed only for a study
        compared with the paper: it gives each question's opening clause in the paper's words.
        Without it the sentences open with the study's own wording of the question.
    reconstructed
        Whether ``data`` is the shipped reconstruction (the note at the top says so).
    study
        The study (:func:`synth.study.load_study`): the questions' wording and topics (the
        sections follow the topics); default the study described by the data's folder.

    Returns
    -------
    str
        Markdown: the first paragraph's numbers (paragraphs, codes, subthemes, themes, major and
        minor themes with the descriptive statistics) and one paragraph per question.

    Examples
    --------
    >>> print(results_text(data, published=published).splitlines()[0])
    # Results (draft generated from the data)
    """
    from .study import load_study

    if study is None:
        study = load_study(data.folder)
    result = analysis if analysis is not None else analyse(data)
    numbers = results_numbers(data, result)
    majors, minors = _by_codes(result, True), _by_codes(result, False)
    subs = _subtheme_counts(data, result)
    intros = _published_intros(published)
    classes = dict(zip(result.themes["theme"], result.themes["major"].astype(bool), strict=True))

    def text(name: str) -> str:
        return str(numbers[name]["text"])

    source = ("the shipped reconstructed dataset (rebuilt from the paper's published aggregates; "
              "not the study's coded data, which were never published)" if reconstructed
              else "the coded data supplied")
    lines = [
        "# Results (draft generated from the data)",
        "",
        f"<!-- Generated by synth.manuscript from {source}. Every number below is computed from "
        "the data; numbers.tex holds each one as a LaTeX macro. Edit the wording, not the "
        "numbers. -->",
        "",
        f"Responses comprising {text('NParagraphs')} paragraphs of text were categorised into "
        f"{text('NCodes')} codes. Codes were divided into {text('NSubthemes')} subthemes"
        + (", split between successes and challenges," if "valence" in data.codebook.columns
           else ",")
        + f" from which {text('NThemes')} themes were identified (Appendix 1).",
    ]
    stats = (f"(mean = {text('CodesMean')}; median = {text('CodesMedian')}; "
             f"SD = {text('CodesSD')}; range = {text('CodesRange')})")

    def theme_list(names: list[str]) -> str:
        low = [markdown_text(_lower_first(t)) for t in names]
        if len(low) <= 2:
            return " and ".join(low)
        return "; ".join(low[:-1]) + "; and " + low[-1]

    para = []
    if majors:
        noun = "theme" if len(majors) == 1 else "themes"
        verb = "was" if len(majors) == 1 else "were"
        para.append(f"{number_word(len(majors), capital=True)} {noun} ({theme_list(majors)}) "
                    f"for which the number of coded responses was greater than average {stats} "
                    f"{verb} considered {'a major theme' if len(majors) == 1 else 'major themes'}.")
    if minors:
        noun = "theme" if len(minors) == 1 else "themes"
        verb = "was" if len(minors) == 1 else "were"
        remaining = "" if len(minors) == 1 else f" {number_word(len(minors))}"
        para.append(f"The remaining{remaining} {noun} with fewer coded responses "
                    f"than average ({theme_list(minors)}) {verb} considered "
                    f"{'a minor theme' if len(minors) == 1 else 'minor themes'}.")
    lines += ["", " ".join(para)]

    def paragraph(q: int) -> str:
        chosen = result.selected[result.selected["question"] == q].sort_values("rank")
        reported = [
            {"theme": t, "pct": float(p), "major": bool(classes[t]),
             "subthemes": subs.get((q, str(t)), 0)}
            for t, p in zip(chosen["theme"], chosen["mean_pct"], strict=True)
        ]
        return question_sentence(q, reported, intros.get(q), question_text=study.question_text(q))

    done: set[int] = set()
    for topic, questions in _topics(study):
        present = [q for q in questions if q in result.questions]
        if not present:
            continue
        span = f"{present[0]}–{present[-1]}" if len(present) > 1 else str(present[0])
        heading = markdown_text(topic[:1].upper() + topic[1:])
        lines += ["", f"## {heading}: responses to questions {span}"]
        for q in present:
            lines += ["", f"### Question {q}", "", paragraph(q)]
            done.add(q)
    rest = [q for q in result.questions if q not in done]
    if rest:
        lines += ["", "## Responses to the questions"]
        for q in rest:
            lines += ["", f"### Question {q}", "", paragraph(q)]
    return "\n".join(lines) + "\n"


# --- tables in the paper's layout ---------------------------------------------------------------


def _blank_repeats(values: Sequence[str]) -> list[str]:
    out, previous = [], None
    for v in values:
        out.append("" if v == previous else v)
        previous = v
    return out


def paper_layout(name: str, table: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """A table of :mod:`synth.tables` in the paper's printed layout, with its caption.

    Parameters
    ----------
    name
        ``"table1"``, ``"table2"`` ... ``"table9"`` or ``"appendix1"``.
    table
        The matching table of :func:`synth.tables.build_tables`.

    Returns
    -------
    tuple of (str, pandas.DataFrame)
        The caption and the table with the paper's column headings; a value repeated down a
        block (a topic, a theme, a class) is shown on the block's first row only. Appendix 1's
        subthemes are one per line (``\\n``-separated).

    Raises
    ------
    ValueError
        ``name`` is not one of the paper's tables.

    Examples
    --------
    >>> t = pd.DataFrame({"topic": ["a", "a"], "question": [1, 2], "text": ["Why?", "How?"]})
    >>> paper_layout("table1", t)[1]["Topics"].tolist()
    ['A', '']
    """
    if name == "table1":
        listed = [f"{int(q)}. {t}" for q, t in zip(table["question"], table["text"], strict=True)]
        if "topic" not in table.columns:  # a study whose questions.csv gives no topics
            return "Table 1. Focus group questions", pd.DataFrame({"Questions": listed})
        topics = [str(t)[:1].upper() + str(t)[1:] for t in table["topic"]]
        return "Table 1. Focus group questions", pd.DataFrame({
            "Topics": _blank_repeats(topics),
            "Questions": listed,
        })
    match = re.fullmatch(r"table([2-9]|[1-9][0-9]+)", name)
    if match:
        number = int(match.group(1))
        return (f"Table {number}. Question {number - 1}: themes, subthemes, and associated "
                "quotations"), pd.DataFrame({
            "Theme": _blank_repeats([str(t) for t in table["theme"]]),
            "Subthemes": [str(s) for s in table["subtheme"]],
            "Quotations": [str(q) for q in table["quotation"]],
        })
    if name == "appendix1":
        classes = [f"{str(c)[:1].upper()}{str(c)[1:]} themes" for c in table["class"]]
        counts = [f"{t} {int(n)} ({p:.2f}%)" for t, n, p in
                  zip(table["theme"], table["codes"], table["percent"], strict=True)]
        columns: dict[str, list[str]] = {
            "Major/minor theme": _blank_repeats(classes),
            "No. (%age) of codes per theme": _blank_repeats(counts),
        }
        split = "valence" in table.columns  # a codebook without valence has no split
        if split:
            columns["Successes/challenges"] = [str(v)[:1].upper() + str(v)[1:]
                                               for v in table["valence"]]
        columns["Subthemes (in alphabetical order)"] = [str(s).replace("; ", "\n")
                                                        for s in table["subthemes"]]
        return ("Appendix 1. Major and minor themes with subthemes"
                + (" split by successes and challenges" if split else "")), pd.DataFrame(columns)
    raise ValueError(f"not one of the paper's tables: {name!r} (table1-table9, appendix1)")


def _md_cell(value: object) -> str:
    # a cell keeps its line breaks (as <br>); each line is inert text (markdown_text)
    lines = re.split(r"\r\n|[\r\n\u2028\u2029]", str(value))
    return "<br>".join(markdown_text(line) for line in lines)


def table_markdown(caption: str, table: pd.DataFrame) -> str:
    """A table as GitHub-flavoured Markdown (cells HTML-escaped, ``|`` escaped).

    Parameters
    ----------
    caption
        Shown in bold above the table.
    table
        The table (:func:`paper_layout`).

    Returns
    -------
    str

    Examples
    --------
    >>> print(table_markdown("T", pd.DataFrame({"a": ["<b>|x"]})))
    **T**
    <BLANKLINE>
    | a |
    | --- |
    | &lt;b&gt;\\|x |
    <BLANKLINE>
    """
    head = "| " + " | ".join(_md_cell(c) for c in table.columns) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([f"**{_md_cell(caption)}**", "", head, rule, *rows]) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))


def latex_text(value: object, *, breaks: bool = False) -> str:
    """Text from data made inert in LaTeX: every special character escaped, control characters
    dropped, and no line break left in the source (a name holding ``\\n\\input{...}`` can never
    start a line of LaTeX). With ``breaks`` a line break in the text becomes ``\\newline``
    (inside a table cell), otherwise a space.

    Examples
    --------
    >>> print(latex_text("RE\\n\\\\input{/etc/passwd} 100% & $x_1$"))
    RE \\textbackslash{}input\\{/etc/passwd\\} 100\\% \\& \\$x\\_1\\$
    """
    # composed form: an accent typed as a combining mark (NFD, as some macOS exports have it)
    # becomes the accented letter pdflatex can set
    text = unicodedata.normalize("NFC", str(value))
    text = _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)
    text = _LINE_BREAKS.sub("\n", text)
    text = "".join(c for c in text if c >= " " or c in "\t\n")
    return text.replace("\n", r" \newline " if breaks else " ")


def _tex(value: object) -> str:
    return latex_text(value, breaks=True)


def table_latex(caption: str, table: pd.DataFrame, label: str,
                widths: Sequence[float] | None = None) -> str:
    """A table as a LaTeX ``longtable`` fragment (needs ``booktabs``, ``longtable``, ``array``).

    Parameters
    ----------
    caption
        The caption (escaped).
    table
        The table (:func:`paper_layout`); every cell is escaped.
    label
        The ``\\label`` (letters, digits, ``:`` and ``-``).
    widths
        Column widths as fractions of ``\\linewidth``; default equal shares.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``label`` has other characters, or ``widths`` does not match the columns.

    Examples
    --------
    >>> "\\\\&" in table_latex("T", pd.DataFrame({"a": ["x & y"]}), "tab:t")
    True
    """
    if not re.fullmatch(r"[A-Za-z0-9:-]+", label):
        raise ValueError(f"label must be letters, digits, ':' or '-', got {label!r}")
    n = len(table.columns)
    shares = list(widths) if widths is not None else [0.95 / n] * n
    if len(shares) != n:
        raise ValueError(f"widths has {len(shares)} entries for {n} columns")
    spec = "".join(f"p{{{w:.2f}\\linewidth}}" for w in shares)
    head = " & ".join(rf"\textbf{{{_tex(c)}}}" for c in table.columns) + r" \\"
    rows = [" & ".join(_tex(v) for v in row) + r" \\" for row in table.itertuples(index=False)]
    caption_tex = latex_text(re.sub(r"^(Table \d+|Appendix \d+)\. ", "", caption))
    lines = [
        f"% {latex_text(caption)}",  # one line: a line break cannot end the comment early
        "% Needs \\usepackage{booktabs,longtable,array}. Generated by synth.manuscript.",
        rf"\begin{{longtable}}{{{spec}}}",
        rf"\caption{{{caption_tex}}}\label{{{label}}} \\",
        r"\toprule",
        head,
        r"\midrule",
        r"\endfirsthead",
        r"\toprule",
        head,
        r"\midrule",
        r"\endhead",
        r"\bottomrule",
        r"\endfoot",
        *rows,
        r"\end{longtable}",
    ]
    return "\n".join(lines) + "\n"


def docx_text(value: object) -> str:
    """Text from data made safe for Word's XML: line breaks of every kind (Word's own manual
    break ``\\v`` included) become ``\\n``, which Word shows as a line break; other control
    characters, which XML cannot hold, are dropped.

    Examples
    --------
    >>> docx_text("one\\vtwo\\x00three")
    'one\\ntwothree'
    """
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", str(value)))
    return "".join(c for c in text if c >= " " or c in "\t\n")


def write_docx_table(caption: str, table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as a Word document (python-docx): the caption, then the table.

    Parameters
    ----------
    caption
        The caption, in bold above the table.
    table
        The table (:func:`paper_layout`); a ``\\n`` inside a cell starts a new line.
    path
        The ``.docx`` file to write.

    Returns
    -------
    Path

    Examples
    --------
    >>> write_docx_table("Table 1. Questions", pd.DataFrame({"a": ["x"]}), tmp / "t.docx").name
    't.docx'
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    if len(table.columns) > 3:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(9)
    title = doc.add_paragraph()
    title.add_run(docx_text(caption)).bold = True
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(docx_text(name)).bold = True
    for row in table.itertuples(index=False):
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = docx_text(value)
    buffer = io.BytesIO()
    doc.save(buffer)
    path = Path(path)
    path.write_bytes(rezip(buffer.getvalue()))
    return path


_LATEX_WIDTHS = {
    "table1": (0.2, 0.75),
    "table1_untopical": (0.95,),
    "question": (0.2, 0.25, 0.5),
    "appendix1": (0.14, 0.24, 0.14, 0.43),
    "appendix1_unsplit": (0.16, 0.28, 0.51),
}


#: Preamble of ``preview.tex``. pdflatex sets Latin-script text (accents, curly quotes, dashes,
#: pound signs) in Times from the Debian packages texlive-latex-base, -latex-recommended and
#: -fonts-recommended. A character no font of the document has (Greek, Cyrillic, CJK, emoji...)
#: would stop the compile ("Unicode character ... not set up for use with LaTeX"); here it is
#: printed boxed as its code point instead (``U+03A3``), named in the log
#: (``Package preview Warning: Unicode character U+03A3 boxed``) and explained in a note at the
#: end of the document.
_PREVIEW_PREAMBLE = r"""\documentclass[a4paper,10pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{mathptmx}
\usepackage[margin=20mm,landscape]{geometry}
\usepackage{booktabs,longtable,array}
\makeatletter
\newif\ifsynth@boxed
\newcommand\synthboxed[1]{\global\synth@boxedtrue
  {\fboxsep=1pt\fbox{\scriptsize #1}}\allowbreak}
\ifdefined\UTFviii@undefined@err
\ifdefined\decode@UTFviii
\ifdefined\UTFviii@hexcodepoint
  \def\synth@codepoint#1:#2\relax{%
    \expandafter\UTFviii@hexcodepoint\expandafter{\the\numexpr\decode@UTFviii#2\relax}}
  \def\UTFviii@undefined@err#1{%
    \PackageWarningNoLine{preview}{Unicode character
      \expandafter\synth@codepoint\string#1\relax\space boxed}%
    \synthboxed{\expandafter\synth@codepoint\string#1\relax}}
\fi\fi\fi
\AtEndDocument{\ifsynth@boxed\par\bigskip\noindent\textit{Note.} Characters that the fonts
  of this preview do not have are shown boxed as their Unicode code point (for example
  {\fboxsep=1pt\fbox{\scriptsize U+03A3}} for a capital sigma). The tables' CSV, Markdown and Word files
  hold the characters themselves; xelatex or lualatex with a font that has them can set
  them.\fi}
\makeatother
"""


def _preview_tex(table_files: Sequence[str]) -> str:
    inputs = "\n".join(f"\\input{{tables/{name}}}" for name in table_files)
    return (
        "% A document holding numbers.tex and every table, to check that they compile:\n"
        "%   pdflatex preview.tex   (make report compiles it into preview.pdf)\n"
        "% Characters the fonts lack (Greek, Cyrillic, CJK, ...) are shown boxed as their code\n"
        "% point (U+03A3) and named in the log, rather than stopping pdflatex. xelatex and\n"
        "% lualatex also compile it, but leave such characters out.\n"
        + _PREVIEW_PREAMBLE
        + "\\input{numbers.tex}\n"
        "\\begin{document}\n"
        "The data hold \\NCodes{} codes in \\NThemes{} themes.\n\n"
        + inputs + "\n"
        "\\end{document}\n"
    )


@dataclass(frozen=True)
class PreviewPDF:
    """What :func:`compile_preview` did.

    Attributes
    ----------
    pdf
        The PDF written, or None when no TeX engine was found.
    boxed
        The code points (``U+03A3``) the PDF shows boxed because its fonts lack them, in order
        of first appearance.
    message
        One line saying what happened.
    """

    pdf: Path | None
    boxed: tuple[str, ...]
    message: str


#: Debian packages that give pdflatex and the fonts ``preview.tex`` uses.
TEX_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended", "texlive-fonts-recommended")
_BOXED = re.compile(r"Package preview Warning: Unicode character (U\+[0-9A-F]{4,6}) boxed")
_RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|Table widths have changed")
_MAX_RUNS = 4


def compile_preview(
    folder: str | os.PathLike[str],
    *,
    engine: str = "pdflatex",
    say: Callable[[str], None] | None = None,
) -> PreviewPDF:
    """Compile ``folder/preview.tex`` into ``folder/preview.pdf`` with pdflatex.

    The compile runs in a temporary folder holding copies of ``preview.tex``, ``numbers.tex``
    and ``tables/*.tex``; only the PDF comes back, replacing an earlier one only when the
    compile succeeded. The engine runs without shell escape, as often as the log asks for a
    rerun (at most four times). The PDF's bytes are the same on every run: with
    ``SOURCE_DATE_EPOCH`` set it carries that date (``FORCE_SOURCE_DATE=1``), otherwise no date
    and no trailer ID.

    Parameters
    ----------
    folder
        A manuscript folder written by :func:`write_manuscript`.
    engine
        The TeX engine's command (found on ``PATH``).
    say
        Progress callback; told the outcome, including when the PDF is skipped.

    Returns
    -------
    PreviewPDF
        The PDF (None when ``engine`` is not installed: nothing is written) and the characters
        shown boxed.

    Raises
    ------
    ReportError
        ``preview.tex`` is missing, or the engine stopped with an error (the message names
        the file and TeX's error line).

    Examples
    --------
    >>> compile_preview("reports/manuscript", say=print).pdf  # doctest: +SKIP
    PosixPath('reports/manuscript/preview.pdf')
    """
    import shutil
    import tempfile

    note = say or _quiet
    out = Path(folder)
    source = out / "preview.tex"
    if not source.is_file():
        raise ReportError(f"{source}: not found (synth manuscript writes it)")
    program = shutil.which(engine)
    if program is None:
        message = (f"preview.pdf skipped: {engine} not found (on Debian: apt-get install "
                   f"{' '.join(TEX_PACKAGES)})")
        note(message)
        return PreviewPDF(None, (), message)
    env = dict(os.environ, max_print_line="10000")  # log lines unwrapped
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        env["FORCE_SOURCE_DATE"] = "1"
        first = r"\input{preview.tex}"
    else:
        env.pop("SOURCE_DATE_EPOCH", None)
        first = r"\pdfinfoomitdate=1 \pdftrailerid{}\input{preview.tex}"
    with tempfile.TemporaryDirectory(prefix="synth-preview-") as tmp_name:
        work = Path(tmp_name)
        env["TEXMFVAR"] = str(work / ".texmf-var")  # font caches stay out of the home folder
        shutil.copy2(source, work / "preview.tex")
        if (out / "numbers.tex").is_file():
            shutil.copy2(out / "numbers.tex", work / "numbers.tex")
        (work / "tables").mkdir()
        for tex in sorted((out / "tables").glob("*.tex")):
            shutil.copy2(tex, work / "tables" / tex.name)
        log = ""
        for _ in range(_MAX_RUNS):
            try:
                run = subprocess.run(
                    [program, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                     "-jobname=preview", first],
                    cwd=work, env=env, capture_output=True, timeout=600, check=False,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise ReportError(f"{source}: {engine} could not run: {exc}") from None
            log_path = work / "preview.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() \
                else run.stdout.decode("utf-8", errors="replace")
            if run.returncode != 0 or not (work / "preview.pdf").is_file():
                raise ReportError(f"{source}: {engine} stopped: {_tex_error(log)}")
            if not _RERUN.search(log):
                break
        pdf = out / "preview.pdf"
        partial = out / ".preview.pdf.tmp"
        shutil.copyfile(work / "preview.pdf", partial)
        os.replace(partial, pdf)
    boxed = tuple(dict.fromkeys(_BOXED.findall(log)))
    message = f"wrote {pdf}"
    if boxed:
        shown = ", ".join(boxed[:6]) + (", ..." if len(boxed) > 6 else "")
        message += f"; {len(boxed)} character(s) the fonts lack are shown boxed: {shown}"
    note(message)
    return PreviewPDF(pdf, boxed, message)


def _tex_error(log: str) -> str:
    """TeX's first error in a log, with its line number, as one short line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("! "):
            where = next((m.group(1) for m in (re.match(r"l\.(\d+)", x) for x in lines[i:i + 12])
                          if m), None)
            text = line[2:].strip()[:200]
            return f"{text} (line {where})" if where else text
    return "no error message in the log"


# --- figures ------------------------------------------------------------------------------------


def manuscript_layout(width: str) -> FigureLayout:
    """The :class:`synth.plots.FigureLayout` of a journal column: no title (the caption carries
    it), the legend above the axes, fonts for print, TrueType fonts embedded in the PDF and the
    SVG's text as paths.

    Parameters
    ----------
    width
        ``"single"`` (85 mm) or ``"double"`` (170 mm).

    Raises
    ------
    UsageError
        ``width`` is unknown.

    Examples
    --------
    >>> [round(x * 25.4) for x in manuscript_layout("single").size]
    [85, 105]
    """
    from .plots import FigureLayout

    if width not in COLUMN_WIDTHS_MM:
        raise UsageError(f"width must be one of {', '.join(COLUMN_WIDTHS_MM)}, got {width!r}")
    base = _FONT_PT[width]
    rc: dict[str, Any] = {
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "synth",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": base,
        "axes.titlesize": base,
        "axes.labelsize": base,
        "xtick.labelsize": base - 1,
        "ytick.labelsize": base - 1,
        "legend.fontsize": base - 1,
        "axes.linewidth": 0.6,
        "lines.linewidth": 0.8,
    }
    # theme names: upright columns in a single column, 45 degrees in a double one
    wrap, angle = (22, 90.0) if width == "single" else (18, 45.0)
    return FigureLayout(
        size=(COLUMN_WIDTHS_MM[width] / _MM_PER_INCH, _HEIGHTS_MM[width] / _MM_PER_INCH),
        title=False,
        rc=rc,
        tick_wrap=wrap,
        tick_rotation=angle,
        tick_fontsize=base - 1.5,
        legend="above",
        xlabel=False,
    )


def save_manuscript_figure(
    analysis: Analysis,
    question: int,
    folder: str | os.PathLike[str],
    width: str = "single",
) -> list[Path]:
    """Draw Figure *question* at a journal column width and save it in every format.

    The figure is :func:`synth.plots.draw_figure` at :func:`manuscript_layout`: the same drawing
    as Figure N of the report, without a title, with the legend above the axes and fonts for
    print. No file carries a date.

    Parameters
    ----------
    analysis
        :func:`synth.analysis.analyse` output.
    question
        The question (Figure N shows Question N).
    folder
        Where to write (created if missing).
    width
        ``"single"`` (85 mm) or ``"double"`` (170 mm).

    Returns
    -------
    list of Path
        ``figN_<width>_300dpi.png``, ``figN_<width>_600dpi.png``, ``figN_<width>.svg``,
        ``figN_<width>.pdf`` and ``figN_<width>.tiff`` (600 dpi, LZW).

    Raises
    ------
    UsageError
        ``width`` is unknown.
    DataError
        ``question`` has no codings.

    Examples
    --------
    >>> [p.name for p in save_manuscript_figure(analysis, 1, tmp, "double")][:2]
    ['fig1_double_300dpi.png', 'fig1_double_600dpi.png']
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from .plots import draw_figure

    layout = manuscript_layout(width)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"fig{question}_{width}"
    written: list[Path] = []
    fig = draw_figure(analysis, question, layout=layout)
    with mpl.rc_context(dict(layout.rc)):  # type: ignore[arg-type]
        # one Agg render, at the highest resolution (the 600 dpi PNG and the TIFF); a lower
        # resolution that divides it is the same render reduced (each pixel the mean of a block:
        # supersampled, not drawn again), any other one is drawn once more
        canvas = FigureCanvasAgg(fig)
        tiff = folder / f"{stem}.tiff"
        top = max(set(PNG_DPIS) | {TIFF_DPI})
        full: Any = None
        for dpi in sorted(set(PNG_DPIS) | {TIFF_DPI}, reverse=True):
            if full is not None and top % dpi == 0:
                pixels = full.reduce(top // dpi)
            else:
                fig.set_dpi(dpi)
                canvas.draw()
                fig.set_layout_engine("none")  # freeze the constrained layout just computed
                pixels = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())
                if dpi == top:
                    full = pixels
            if dpi in PNG_DPIS:
                path = folder / f"{stem}_{dpi}dpi.png"
                pixels.save(path, format="PNG", dpi=(dpi, dpi), compress_level=_PNG_COMPRESSION)
                written.append(path)
            if dpi == TIFF_DPI:
                pixels.save(tiff, format="TIFF", compression="tiff_lzw", dpi=(dpi, dpi))
        written.sort(key=lambda p: p.name)
        fig.set_dpi(72)
        for fmt, meta in (("svg", {"Date": None}), ("pdf", {"CreationDate": None})):
            path = folder / f"{stem}.{fmt}"
            fig.savefig(path, format=fmt, metadata=meta)
            written.append(path)
        written.append(tiff)
    return written


def _figure_task(task: tuple[Analysis, int, str, str]) -> list[Path]:
    """One (question, width) figure; module-level so a process pool can run it."""
    analysis, question, folder, width = task
    return save_manuscript_figure(analysis, question, folder, width)


# --- provenance ----------------------------------------------------------------------------------


def _data_checksums(data: CodedData) -> dict[str, str]:
    if data.paths:
        return {str(Path(p).name): sha256_file(Path(p)) for _, p in sorted(data.paths.items())}
    out = {}
    for name, frame in (("coded_segments (in memory, as CSV)", data.segments),
                        ("codebook (in memory, as CSV)", data.codebook),
                        ("participants (in memory, as CSV)", data.participants)):
        if frame is not None:
            text = frame.to_csv(index=False, lineterminator="\n")
            out[name] = sha256_bytes(text.encode("utf-8"))
    return out


def _commit() -> dict[str, Any]:
    try:
        from .paths import project_root

        root: Path | None = project_root()
    except FileNotFoundError:
        root = None
    state = git_state(root)
    if state.commit is None:
        return {"commit": None, "note": state.note}
    return {"commit": state.commit, "uncommitted_changes": state.dirty}


# --- everything ----------------------------------------------------------------------------------


def write_manuscript(
    data: CodedData,
    out_dir: str | os.PathLike[str],
    *,
    analysis: Analysis | None = None,
    published: Published | None = None,
    reconstructed: bool | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    study: Study | None = None,
    widths: Sequence[str] = ("single", "double"),
    jobs: int = 1,
    pdf: bool = False,
    say: Callable[[str], None] | None = None,
    drawn: Mapping[tuple[int, str], Sequence[Path]] | None = None,
) -> list[Path]:
    """Write the manuscript folder: figures, tables, numbers, the Results draft and provenance.

    Parameters
    ----------
    data
        The coded dataset.
    out_dir
        The folder to write into (created if missing; same-named files are replaced). Commands
        pass a temporary folder of :func:`synth._atomic.atomic_dir`.
    analysis
        :func:`synth.analysis.analyse` of ``data`` (computed, unit ``paragraph``, when None).
    published
        The published record, for the Results wording in the paper's words; used only when the
        study is compared with the paper (loaded from ``data/raw/published`` when None).
    reconstructed
        Whether the data are the shipped reconstruction (decides the captions' wording); when None,
        decided by :func:`synth.checksums.is_shipped_reconstruction` on ``data_dir`` or the data's
        folder.
    data_dir
        The data folder, recorded in the provenance as the notebooks' ``data_dir`` parameter.
    study
        The study: Table 1, the questions' wording in the captions and the Results draft, and
        whether it is compared with the paper (default: :func:`synth.study.load_study` of the
        data folder).
    widths
        The column widths to draw (``"single"``, ``"double"``).
    jobs
        Figures drawn at once (in separate processes when more than one); the files are the
        same whatever the number.
    pdf
        Also compile ``preview.tex`` to ``preview.pdf`` (:func:`compile_preview`) when pdflatex
        is installed; without it the PDF is skipped and ``say`` is told why.
    say
        Progress callback.
    drawn
        Figures already drawn into ``out_dir/figures`` by :func:`save_manuscript_figure`, by
        ``(question, width)``: recorded as they are instead of drawn again (the report draws
        them in its notebook kernels).

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    DataError
        The data have no codings.

    Examples
    --------
    >>> files = write_manuscript(data, tmp, widths=("single",))
    >>> sorted(p.name for p in files if p.parent == tmp)[:3]
    ['numbers.json', 'numbers.tex', 'preview.tex']
    """
    from . import __version__
    from .checksums import is_shipped_reconstruction
    from .plots import caption, figure_table
    from .tables import build_tables

    note = say or _quiet
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    from .study import load_study

    result = analysis if analysis is not None else analyse(data)
    folder = Path(data_dir) if data_dir is not None else (
        Path(next(iter(data.paths.values()))).parent if data.paths else None)
    if study is None:
        study = load_study(folder)
    if not study.compare_to_paper:
        published = None  # another study: nothing is worded or numbered after the paper
    elif published is None:
        try:
            from .published import load_published

            published = load_published()
        except Exception:  # the published record is optional here
            published = None
    texts = study.question_texts()
    if reconstructed is None:
        reconstructed = bool(folder is not None and is_shipped_reconstruction(folder))
    params_base: dict[str, Any] = {"data_dir": str(folder) if folder is not None else None,
                                   "unit": result.unit}
    provenance: dict[str, dict[str, Any]] = {}
    written: list[Path] = []

    def record(path: Path, **info: Any) -> None:
        written.append(path)
        provenance[path.relative_to(out).as_posix()] = {**info, "sha256": sha256_file(path)}

    tasks = [(result, int(q), str(out / "figures"), width)
             for q in result.questions for width in widths]
    if drawn is not None:
        made = {key: list(paths) for key, paths in drawn.items()}
    elif jobs > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        note(f"  manuscript: drawing {len(tasks)} figures, {jobs} at a time")
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
            done = list(pool.map(_figure_task, tasks))
    else:
        done = [_figure_task(task) for task in tasks]
    if drawn is None:
        made = {(task[1], task[3]): paths for task, paths in zip(tasks, done, strict=True)}
    for q in result.questions:
        figure = {"paper_item": f"Figure {q}", "notebook": "notebooks/20_question.ipynb",
                  "parameters": {**params_base, "question": int(q)},
                  "made_by": "synth.manuscript.save_manuscript_figure (synth.plots.plot_question)"}
        for width in widths:
            for path in made[(int(q), width)]:
                record(path, kind="figure", width_mm=COLUMN_WIDTHS_MM[width], **figure)
        table = figure_table(result, q)
        csv = out / "figures" / f"fig{q}.csv"
        table.to_csv(csv, index=False, lineterminator="\n", encoding="utf-8", float_format="%.10g")
        record(csv, kind="figure data", **figure)
        text = out / "figures" / f"fig{q}.txt"
        text.write_text(caption(q, table, reconstructed=reconstructed, unit=result.unit,
                                question_text=texts.get(q, "")) + "\n",
                        encoding="utf-8", newline="\n")
        record(text, kind="caption", **figure)
        note(f"  manuscript: Figure {q} ({', '.join(widths)} column)")

    built = build_tables(data, result, study)
    names = [n for n in built if n == "table1" or re.fullmatch(r"table\d+", n)
             or n == "appendix1"]
    names.sort(key=lambda n: (n == "appendix1", int(n[5:]) if n.startswith("table") else 0))
    tex_files = []
    for name in names:
        cap, layout = paper_layout(name, built[name])
        params = dict(params_base)
        if name == "table1":
            notebook, kind = "notebooks/00_data_and_participants.ipynb", "Table 1"
            widths_tex = _LATEX_WIDTHS["table1" if layout.shape[1] == 2 else "table1_untopical"]
        elif name == "appendix1":
            notebook, kind = "notebooks/10_themes_appendix1.ipynb", "Appendix 1"
            widths_tex = _LATEX_WIDTHS["appendix1" if layout.shape[1] == 4 else "appendix1_unsplit"]
        else:
            number = int(name[5:])
            notebook, kind = "notebooks/20_question.ipynb", f"Table {number}"
            params = {**params_base, "question": number - 1}
            widths_tex = _LATEX_WIDTHS["question"]
        info = {"paper_item": kind, "notebook": notebook, "parameters": params,
                "made_by": f"synth.manuscript.paper_layout (synth.tables.build_tables: {name})"}
        base = out / "tables" / name
        path = base.with_suffix(".csv")
        layout.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        record(path, kind="table", **info)
        path = base.with_suffix(".md")
        path.write_text(table_markdown(cap, layout), encoding="utf-8", newline="\n")
        record(path, kind="table", **info)
        path = base.with_suffix(".tex")
        path.write_text(table_latex(cap, layout, f"tab:{name}", widths_tex), encoding="utf-8",
                        newline="\n")
        record(path, kind="table", **info)
        tex_files.append(name)
        path = write_docx_table(cap, layout, base.with_suffix(".docx"))
        record(path, kind="table", **info)
    note(f"  manuscript: {len(names)} tables as CSV, Markdown, LaTeX and DOCX")

    numbers = results_numbers(data, result)
    nums_info = {"kind": "numbers", "paper_item": "Results text",
                 "notebook": None, "parameters": dict(params_base),
                 "made_by": "synth.manuscript.results_numbers"}
    path = out / "numbers.json"
    path.write_text(json.dumps(numbers, indent=1, ensure_ascii=False) + "\n", encoding="utf-8",
                    newline="\n")
    record(path, **nums_info)
    path = out / "numbers.tex"
    path.write_text(numbers_tex(numbers), encoding="utf-8", newline="\n")
    record(path, **nums_info)
    path = out / "results.md"
    path.write_text(results_text(data, result, published, reconstructed=reconstructed,
                                 study=study),
                    encoding="utf-8", newline="\n")
    record(path, **{**nums_info, "kind": "text", "made_by": "synth.manuscript.results_text"})
    path = out / "preview.tex"
    path.write_text(_preview_tex(tex_files), encoding="utf-8", newline="\n")
    record(path, kind="text", paper_item=None, notebook=None, parameters={},
           made_by="synth.manuscript (a document to compile the tables)")
    if pdf:
        compiled = compile_preview(out, say=note).pdf
        if compiled is not None:
            record(compiled, kind="text", paper_item=None, notebook=None, parameters={},
                   made_by="synth.manuscript.compile_preview (pdflatex on preview.tex)")

    inputs: dict[str, Any] = {"data": _data_checksums(data)}
    if published is not None and getattr(published, "folder", None) is not None:
        pub = Path(published.folder)
        inputs["published"] = {p.name: sha256_file(p) for p in sorted(pub.glob("*.csv"))}
    document = {
        "generator": "synth.manuscript.write_manuscript",
        "synth_version": __version__,
        **_commit(),
        "unit": result.unit,
        "reconstructed_data": bool(reconstructed),
        "inputs": inputs,
        "outputs": dict(sorted(provenance.items())),
    }
    path = out / "provenance.json"
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8",
                    newline="\n")
    written.append(path)
    note(f"  manuscript: {len(written)} files")
    return written
