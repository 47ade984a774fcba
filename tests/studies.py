"""Small coded studies written into a test's folder: another study's data, not the paper's.

:func:`write_study` lays out a data folder as an analyst would (``coded_segments.csv``,
``codebook.csv``, ``participants.csv`` and, when asked, ``questions.csv`` and ``study.toml``)
with its own questions, groups, themes and roles. Every segment carries one code; segments are
dealt round-robin over the groups that answer each question, so every such group has codings
in it, and the codes cycle over the themes so every theme (or only the first ones, with
``uncoded_themes``) is coded.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["write_study", "PAPER_WORDS"]

#: Wording and numbers that belong to the paper and must not appear in another study's outputs.
PAPER_WORDS: tuple[str, ...] = (
    "partnership working",
    "health inequalities",
    "Thomson",
    "Chatterjee",
    "twelve themes",
    "eight questions",
    "26.92",
    "Relationships with partners",
    "Research evidence",
    "the paper's reading",
)


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_study(
    folder: Path,
    *,
    questions: Mapping[int, str] | Sequence[int] = (1, 2),
    groups: int = 3,
    per_group: int = 4,
    themes: Sequence[str] = ("Belonging", "Access", "Wellbeing"),
    subthemes_per_theme: int = 2,
    valence: bool = False,
    roles: Sequence[str] = ("Volunteer",),
    segments: int = 90,
    answered_by: Mapping[int, Sequence[int]] | None = None,
    uncoded_themes: int = 0,
    title: str | None = None,
    compare_to_paper: bool | None = None,
) -> Path:
    """Write a coded study into ``folder`` and return it.

    Parameters
    ----------
    folder
        Created if missing.
    questions
        Question numbers, or number to wording (then ``questions.csv`` is written).
    groups, per_group
        Focus groups ``G1``..``Gn`` of ``per_group`` participants each.
    themes, subthemes_per_theme
        The codebook: ``subthemes_per_theme`` codes per theme.
    valence
        Whether the codebook has a ``valence`` column (alternating success/challenge).
    roles
        Roles dealt round-robin to the participants.
    segments
        How many coded paragraphs, dealt over the questions in turn.
    answered_by
        Question to the group numbers (1-based) that answered it; default every group.
    uncoded_themes
        How many of the last themes get no coding at all.
    title, compare_to_paper
        When either is given, ``study.toml`` is written with them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    numbers = sorted(int(q) for q in questions)
    if isinstance(questions, Mapping):
        _write_csv(folder / "questions.csv", ["question", "text"],
                   [[q, questions[q]] for q in numbers])
    codes: list[tuple[str, str, str, str]] = []
    for t, theme in enumerate(themes):
        for s in range(subthemes_per_theme):
            codes.append((f"C{t + 1}_{s + 1}", f"{theme} aspect {s + 1}", theme,
                          "success" if s % 2 == 0 else "challenge"))
    header = ["code_id", "subtheme", "theme"] + (["valence"] if valence else [])
    _write_csv(folder / "codebook.csv", header,
               [list(c) if valence else list(c[:3]) for c in codes])
    people = [(f"P{g + 1:02d}{p + 1:02d}", f"G{g + 1}") for g in range(groups)
              for p in range(per_group)]
    _write_csv(folder / "participants.csv", ["participant_id", "focus_group", "role"],
               [[pid, grp, roles[i % len(roles)]] for i, (pid, grp) in enumerate(people)])
    usable = [c for c in codes if c[2] not in set(themes[len(themes) - uncoded_themes:])] \
        if uncoded_themes else codes
    answering = {q: list(answered_by.get(q, range(1, groups + 1))) if answered_by
                 else list(range(1, groups + 1)) for q in numbers}
    turn = {q: 0 for q in numbers}
    rows = []
    for i in range(segments):
        q = numbers[i % len(numbers)]
        group = answering[q][turn[q] % len(answering[q])]
        turn[q] += 1
        member = people[(group - 1) * per_group + (i // len(numbers)) % per_group]
        code = usable[(i * 7 + i // 5) % len(usable)]
        rows.append([f"S{i + 1:04d}", member[1], q, member[0], code[0]])
    _write_csv(folder / "coded_segments.csv",
               ["segment_id", "focus_group", "question", "participant_id", "code_id"], rows)
    if title is not None or compare_to_paper is not None:
        lines = [f'title = "{title or "A coded study"}"']
        if compare_to_paper is not None:
            lines.append(f"compare_to_paper = {'true' if compare_to_paper else 'false'}")
        (folder / "study.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
