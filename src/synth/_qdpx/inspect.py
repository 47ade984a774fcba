"""What a REFI-QDA project holds, and a draft mapping for it.

:func:`inspect_project` reads a project once and describes it: the code tree (roots, depths,
counts, names restored from an export's unique-name rule), code and source sets, cases with their
variables and references, sources, the speaker labels found at the start of paragraphs and the
question headings found in the transcripts. :func:`draft_mapping` turns that description into a
mapping file (TOML) for :func:`synth.qdpx.import_qdpx`; where it cannot decide it leaves the key
out and says, in a ``# FILL IN`` comment, what to write.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from .archive import Limits, excerpt, open_project
from .export import write_bytes_atomic
from .importer import lines, restored_names
from .mapping import DEFAULT_HEADING_PATTERN, DEFAULT_SPEAKER_PATTERN, name_key
from .read import QdpxWarning, read_project

__all__ = [
    "CodeInfo",
    "SetInfo",
    "CaseInfo",
    "SourceInfo",
    "ProjectStructure",
    "inspect_project",
    "draft_mapping",
    "write_mapping",
]

_SHOWN = 8
_QUESTION_CODE = re.compile(r"(?i)^\s*(?:question|q)\s*\d+")


@dataclass(frozen=True)
class CodeInfo:
    """One code: its path of (restored) names from the root, whether it is codable, and how many
    codings it carries itself."""

    guid: str
    path: tuple[str, ...]
    codable: bool
    codings: int

    @property
    def depth(self) -> int:
        """1 for root codes."""
        return len(self.path)


@dataclass(frozen=True)
class SetInfo:
    """A set: ``kind`` is ``"codes"`` or ``"sources"``; ``members`` their names."""

    name: str
    kind: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class CaseInfo:
    """A case with its variables and how many selections and sources it refers to."""

    name: str
    variables: tuple[tuple[str, str], ...]
    selection_refs: int
    source_refs: int


@dataclass(frozen=True)
class SourceInfo:
    """A source: its codings, whether its text was read, its non-empty paragraphs, the speaker
    labels found at the start of paragraphs (label, paragraphs) and the question headings
    (number, line)."""

    name: str
    kind: str
    codings: int
    has_text: bool
    paragraphs: int
    speakers: tuple[tuple[str, int], ...]
    headings: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ProjectStructure:
    """The structure of a REFI-QDA project, from :func:`inspect_project`.

    Attributes
    ----------
    file, name, origin, units
        The file, the project's name and origin, and how text positions are read.
    codes
        Every code in document order.
    sets, cases, variables, sources
        As found.
    shared_spans
        Selections whose (source, start, end) another selection repeats (a span selected once per
        code).
    codings
        All codings.
    """

    file: str
    name: str
    origin: str
    units: str
    codes: tuple[CodeInfo, ...]
    sets: tuple[SetInfo, ...]
    cases: tuple[CaseInfo, ...]
    variables: tuple[str, ...]
    sources: tuple[SourceInfo, ...]
    shared_spans: int
    codings: int

    @property
    def roots(self) -> list[tuple[str, int, int, int]]:
        """(name, deepest level below it, codes, codings) of each root code."""
        out: dict[str, list[int]] = {}
        for c in self.codes:
            entry = out.setdefault(c.path[0], [1, 0, 0])
            entry[0] = max(entry[0], c.depth)
            entry[1] += 1
            entry[2] += c.codings
        return [(name, v[0], v[1], v[2]) for name, v in out.items()]

    def render(self) -> str:
        """The structure as text for a person."""
        out = [
            f"{self.file}: project {excerpt(self.name)}, origin {excerpt(self.origin)}; "
            f"text positions read as {'UTF-16 code units' if self.units == 'utf16' else 'code points'}",
            f"codes: {len(self.codes)} in {len(self.roots)} root(s), "
            f"{max((c.depth for c in self.codes), default=0)} level(s) deep; {self.codings} codings",
        ]
        depth_rows: dict[int, list[int]] = {}
        for c in self.codes:
            row = depth_rows.setdefault(c.depth, [0, 0])
            row[0] += 1
            row[1] += c.codings
        for depth in sorted(depth_rows):
            n, k = depth_rows[depth]
            examples = [c.path[-1] for c in self.codes if c.depth == depth][:3]
            out.append(
                f"  level {depth}: {n} codes, {k} codings on them (e.g. "
                f"{', '.join(excerpt(e, 40) for e in examples)})"
            )
        out.append("root codes (levels, codes, codings):")
        for name, depth, n, k in self.roots[: 3 * _SHOWN]:
            out.append(f"  {excerpt(name, 50)}: {depth} level(s), {n} codes, {k} codings")
        if len(self.roots) > 3 * _SHOWN:
            out.append(f"  ... and {len(self.roots) - 3 * _SHOWN} more")
        out.append(f"sets: {len(self.sets)}")
        for s in self.sets:
            shown = ", ".join(excerpt(m, 30) for m in s.members[:_SHOWN])
            more = ", ..." if len(s.members) > _SHOWN else ""
            out.append(f"  {excerpt(s.name, 40)} ({len(s.members)} {s.kind}: {shown}{more})")
        out.append(
            f"cases: {len(self.cases)}"
            + (f"; variables: {', '.join(excerpt(v, 30) for v in self.variables)}" if self.variables else "")
        )
        for case in self.cases[:_SHOWN]:
            values = "; ".join(f"{excerpt(k, 20)}={excerpt(v, 30)}" for k, v in case.variables)
            out.append(
                f"  {excerpt(case.name, 40)}: {values or 'no variables'}; refers to "
                f"{case.selection_refs} selection(s), {case.source_refs} source(s)"
            )
        if len(self.cases) > _SHOWN:
            out.append(f"  ... and {len(self.cases) - _SHOWN} more")
        out.append(f"sources: {len(self.sources)}")
        for src in self.sources:
            text = f"{src.paragraphs} paragraphs" if src.has_text else "no text in the file"
            out.append(f"  {excerpt(src.name, 40)} ({src.kind}): {src.codings} codings; {text}")
            if src.speakers:
                shown = ", ".join(f"{excerpt(k, 30)} ({n})" for k, n in src.speakers[: 2 * _SHOWN])
                more = f", ... ({len(src.speakers)} in all)" if len(src.speakers) > 2 * _SHOWN else ""
                out.append(f"    speaker labels at paragraph starts: {shown}{more}")
            if src.headings:
                numbers = ", ".join(str(n) for n, _ in src.headings)
                out.append(
                    f"    question headings: {numbers} (first: {excerpt(src.headings[0][1], 50)})"
                )
        if self.shared_spans:
            out.append(f"selections repeating another selection's span: {self.shared_spans}")
        return "\n".join(out)


def inspect_project(
    path: str | os.PathLike[str], *, positions: str = "auto", limits: Limits | None = None
) -> ProjectStructure:
    """Read a REFI-QDA project and describe its structure.

    Parameters
    ----------
    path
        A ``.qdpx`` archive or a bare ``.qde`` file.
    positions
        How text positions are counted (``"auto"``, ``"utf16"``, ``"codepoints"``).
    limits
        Size limits for hostile input.

    Returns
    -------
    ProjectStructure
        :meth:`ProjectStructure.render` gives the text; :func:`draft_mapping` a mapping.

    Raises
    ------
    DataError, UnsafeInputError
        As :func:`synth.qdpx.import_qdpx`.

    Examples
    --------
    >>> print(inspect_project("project.qdpx").render())  # doctest: +SKIP
    """
    files = open_project(path, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QdpxWarning)
            project = read_project(files, positions=positions)
    finally:
        files.close()
    names = restored_names(project.codes)
    codings: dict[str, int] = {}
    for r in project.rows:
        codings[r.code_id] = codings.get(r.code_id, 0) + 1
    by_guid = {c.guid: c for c in project.codes}

    def path_of(guid: str) -> tuple[str, ...]:
        chain = []
        g: str | None = guid
        while g is not None and g in by_guid:
            chain.append(names[g])
            g = by_guid[g].parent
        return tuple(reversed(chain))

    codes = tuple(
        CodeInfo(c.guid, path_of(c.guid), c.is_codable, codings.get(c.guid, 0)) for c in project.codes
    )
    code_names = {c.guid: " > ".join(path_of(c.guid)) for c in project.codes}
    source_names = {g: n for g, n, _ in project.sources}
    sets = tuple(
        [SetInfo(n, "codes", tuple(code_names.get(g, g) for g in m)) for n, m in project.sets.items()]
        + [
            SetInfo(n, "sources", tuple(source_names.get(g, g) for g in m))
            for n, m in project.source_sets.items()
        ]
    )
    cases = tuple(
        CaseInfo(
            c.name,
            tuple(c.variables.items()),
            len(c.selection_refs),
            len(c.source_refs),
        )
        for c in project.cases
    )
    by_source: dict[str, int] = {}
    for r in project.rows:
        by_source[r.source_id] = by_source.get(r.source_id, 0) + 1
    texts = {t.source_id: t.text for t in project.texts.values()}
    speaker = re.compile(DEFAULT_SPEAKER_PATTERN)
    heading = re.compile(DEFAULT_HEADING_PATTERN)
    sources = []
    for guid, name, kind in project.sources:
        text = texts.get(guid)
        found: dict[str, int] = {}
        heads: list[tuple[int, str]] = []
        paragraphs = 0
        for _, line in lines(text or ""):
            if not line.strip():
                continue
            paragraphs += 1
            h = heading.search(line)
            number = next((g for g in h.groups() if g), None) if h else None
            if number is not None:
                heads.append((int(number), line.strip()))
                continue
            said = speaker.search(line + "\n")
            if said:
                label = unicodedata.normalize("NFC", said.group(1)).strip()
                found[label] = found.get(label, 0) + 1
        sources.append(
            SourceInfo(
                name=name,
                kind=kind,
                codings=by_source.get(guid, 0),
                has_text=text is not None,
                paragraphs=paragraphs,
                speakers=tuple(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))),
                headings=tuple(heads),
            )
        )
    spans: dict[tuple[str, int, int], int] = {}
    for span in project.selections.values():
        spans[span] = spans.get(span, 0) + 1
    shared = sum(n for n in spans.values() if n > 1)
    return ProjectStructure(
        file=Path(path).name,
        name=project.name,
        origin=project.origin,
        units=project.units,
        codes=codes,
        sets=sets,
        cases=cases,
        variables=tuple(project.variables),
        sources=tuple(sources),
        shared_spans=shared,
        codings=len(project.rows),
    )


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _valence_name(name: str) -> str | None:
    key = name_key(name)
    if key.startswith("success"):
        return "success"
    if key.startswith("challenge"):
        return "challenge"
    return None


def draft_mapping(structure: ProjectStructure) -> str:
    """A mapping file (TOML) for :func:`synth.qdpx.import_qdpx`, drafted from a project's
    structure.

    Each decision is explained in a comment. Where the structure does not decide a key, the key
    is left out (so the file is still accepted as it is) and a ``# FILL IN`` comment says what to
    write.

    Parameters
    ----------
    structure
        From :func:`inspect_project`.

    Returns
    -------
    str
        The TOML text.

    Examples
    --------
    >>> print(draft_mapping(inspect_project("project.qdpx")))  # doctest: +SKIP
    """
    s = structure
    out = [
        f"# Mapping drafted by `synth inspect` from {s.file} (origin {excerpt(s.origin)}).",
        "# Check each choice against the project; docs/qdpx-mapping.md explains every key.",
        "",
    ]
    fill: list[str] = []

    # questions: a root whose children are numbered question codes, or headings in the texts
    branch = None
    for name, depth, _, k in s.roots:
        kids = [c for c in s.codes if c.depth == 2 and c.path[0] == name]
        numbered = [c for c in kids if _QUESTION_CODE.match(c.path[-1])]
        if kids and len(numbered) == len(kids) and k > 0 and depth == 2:
            branch = name
            break
    with_headings = [src for src in s.sources if src.headings]
    if branch is not None:
        out += [
            f"# The root code {excerpt(branch)} holds one code per question, coding the answers.",
            f"question = {{ code_branch = {_toml(branch)} }}",
        ]
    elif with_headings:
        out += [
            f"# {len(with_headings)} of {len(s.sources)} source(s) have question headings "
            "('Question 3:', 'Q3.', '3.'); a paragraph belongs to the last heading above it.",
            'question = "heading"',
        ]
    else:
        fill.append(
            "question: no question branch or headings found; write question = { code_branch = "
            '"NAME" }, question = { source_pattern = "Q(\\\\d+)" } or question = { '
            'heading_pattern = "REGEX" }'
        )
    out.append("")

    # the theme tree, without the question branch
    tree = [c for c in s.codes if c.path[0] != branch]
    coded = [c for c in tree if c.codings]
    deepest = max((c.depth for c in coded), default=0)
    valence_sets = {}
    for st in s.sets:
        v = _valence_name(st.name) if st.kind == "codes" else None
        if v and v not in valence_sets:
            valence_sets[v] = st.name
    valence_level = None
    names: dict[str, str] = {}
    for level in range(2, deepest):
        at = {c.path[level - 1] for c in tree if c.depth >= level}
        if at and all(_valence_name(n) for n in at):
            valence_level = level
            names = {v: n for n in sorted(at) if (v := _valence_name(n))}
            break
    levels = [lv for lv in range(1, deepest + 1) if lv != valence_level]
    theme_sets = [st for st in s.sets if st.kind == "codes" and not _valence_name(st.name)]
    in_sets = [m for st in theme_sets for m in st.members]
    if len(in_sets) != len(set(in_sets)):
        theme_sets = []  # a code in two code sets: the sets are not themes
    if len(levels) >= 2:
        out += [
            f"# Codings sit up to level {deepest}: themes are the root codes, subthemes the codes "
            f"at level {levels[1]}.",
            f"theme_level = {levels[0]}",
            f"subtheme_level = {levels[1]}",
        ]
    elif deepest == 1 and theme_sets:
        out += [
            f"# The codes are flat and {len(theme_sets)} code set(s) (code groups) hold them: "
            "each code's theme is its set, its subtheme the code.",
            'theme = "sets"',
        ]
    else:
        fill.append(
            "themes: the code tree has one level and no code sets that hold each code once; "
            'write theme_level and subtheme_level, or theme = { sets = "REGEX" } (the sets whose '
            "names match are the themes)"
        )
    if valence_level is not None:
        pairs = ", ".join(f"{v} = {_toml(n)}" for v, n in sorted(names.items()))
        out += [
            f"# The codes at level {valence_level} name the valence.",
            f"valence = {{ level = {valence_level}, {pairs} }}",
        ]
    elif len(valence_sets) == 2:
        out += [
            "# Two code sets name the valence.",
            "valence_sets = { "
            + ", ".join(f"{v} = {_toml(n)}" for v, n in sorted(valence_sets.items()))
            + " }",
        ]
    else:
        fill.append(
            "valence: no 'Successes'/'Challenges' sets or tree level found; synth validate needs "
            "success or challenge for every code: write valence_sets = { success = \"SET\", "
            'challenge = "SET" } or valence = { level = N }'
        )
    out.append("")

    # segments, groups, participants, roles
    transcripts = any(src.speakers or src.headings for src in s.sources)
    if transcripts:
        out += [
            "# Transcripts: selections that start in the same paragraph are one coded paragraph.",
            'segment = "paragraph"',
        ]
    elif s.shared_spans:
        out += [
            f"# {s.shared_spans} selections repeat another selection's span: one paragraph each.",
            'segment = "span"',
        ]
    else:
        out.append('segment = "selection"')
    group_sets = [st for st in s.sets if st.kind == "sources"]
    covered = {m for st in group_sets for m in st.members}
    once = sum(len(st.members) for st in group_sets) == len(covered)
    if group_sets and once and len(group_sets) < len(s.sources) and covered >= {src.name for src in s.sources}:
        out += [
            f"# {len(group_sets)} source sets (document groups) hold all sources: one per group.",
            'focus_group = "source_set"',
        ]
    else:
        out += [
            f"# One source per focus group ({len(s.sources)} sources).",
            'focus_group = "source"',
        ]
    with_refs = [c for c in s.cases if c.selection_refs or c.source_refs]
    speakers = sorted({k for src in s.sources for k, _ in src.speakers})
    if with_refs:
        out += [
            f"# {len(with_refs)} case(s) refer to selections or sources: the participant is the "
            "case that covers the coding.",
            'participant = "case"',
        ]
    elif speakers:
        out += [
            f"# {len(speakers)} speaker label(s) open paragraphs (e.g. "
            f"{', '.join(excerpt(k, 20) for k in speakers[:4])}): the participant is the label "
            "of the coded paragraph, within its focus group.",
            'participant = "speaker"',
        ]
    else:
        fill.append(
            'participant: no cases with references and no speaker labels; write participant = '
            '"case", "speaker", "source" or { speaker_pattern = "REGEX" }'
        )
    role = next((v for v in s.variables if "role" in name_key(v)), None)
    if role is not None:
        out += [
            f"# The case variable {excerpt(role)} holds the role"
            + (" (cases are matched to speakers by name)." if not with_refs else "."),
            f"role_variable = {_toml(role)}",
        ]
    else:
        fill.append(
            'role: no case variable named like "role"; write role_variable = "NAME" or '
            'role = { roster = "roster.csv" } (columns participant_id, role)'
        )
    out += [
        "# NVivo counts positions in UTF-16 code units; 'auto' decides by the project's origin.",
        'positions = "auto"',
    ]
    if fill:
        out += ["", "# FILL IN (the project did not decide these; the import works without them):"]
        out += [f"# - {line}" for line in fill]
    return "\n".join(out) + "\n"


def write_mapping(text: str, out: str | os.PathLike[str]) -> Path:
    """Write a drafted mapping to ``out`` atomically (UTF-8).

    Raises
    ------
    SynthError
        ``out`` cannot be written; a previous file is left as it was.
    """
    path = Path(out)
    write_bytes_atomic(path, text.encode("utf-8"))
    return path
