"""Apply a mapping to a parsed REFI-QDA project: the coded-data schema of :mod:`synth.io`.

:func:`import_qdpx` reads the project (:mod:`synth._qdpx.read`), restores code names that an
export made unique, then finds each coding's theme, subtheme, valence, question, focus group and
participant where the :class:`~synth._qdpx.mapping.Mapping` says they are. Where the project is
ambiguous (a code in two valence sets, two cases for one speaker) it stops with one line instead
of choosing.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from .._atomic import atomic_dir
from .._exceptions import DataError, SynthError
from .archive import Limits, excerpt, open_project
from .export import ORIGINAL_NAME, PLACEHOLDER_PATTERN
from .mapping import DEFAULT_HEADING_PATTERN, Mapping, load_mapping, name_key
from .read import CaseNode, CodeNode, Project, QdpxWarning, read_project

__all__ = ["QdpxImport", "import_qdpx", "write_import", "save_import", "restored_names", "lines"]

_NOTES = "import-notes.txt"
_SUFFIX = re.compile(r"(?s)(.+) \((.+)\)")


@dataclass(frozen=True)
class QdpxImport:
    """What :func:`import_qdpx` read.

    Attributes
    ----------
    segments
        One row per coding: ``segment_id, focus_group, question, participant_id, code_id,
        source, start, end, text, coder`` and ``coding_id, selection_type, code_path``.
    codebook
        One row per code (with a mapping: per code that carries a theme and subtheme), with
        ``code_id, name, parent_id, path, depth, is_codable, theme, subtheme`` (and ``valence``
        when the mapping gives it) and ``code`` (the name, the schema's label).
    code_tree
        Every code of the project, whatever the mapping.
    participants
        One row per participant (cases, or speakers), or None when there are none.
    notes
        Lines describing the import (counts, position units, boundary share, warnings).
    mapped
        True when the mapping supplied questions or participants.
    """

    segments: pd.DataFrame
    codebook: pd.DataFrame
    code_tree: pd.DataFrame
    participants: pd.DataFrame | None
    notes: tuple[str, ...]
    origin: str
    units: str
    boundary_share: float | None
    missing_sources: tuple[str, ...]
    mapped: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _warn(message: str, log: list[str]) -> None:
    log.append(message)
    warnings.warn(message, QdpxWarning, stacklevel=3)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


# --- names -----------------------------------------------------------------------------------


def restored_names(codes: list[CodeNode]) -> dict[str, str]:
    """Each code's original name, undoing the unique-name rule of the export.

    A ``Description`` line ``original name: X`` gives X. Without it (a program dropped the
    description), a name ``X (S)`` is read as X when S is the code's theme (its root ancestor)
    or its whole ancestor path (``A > B``), and at least two codes come back as X: the export
    renames every occurrence of a name it makes unique, and nothing else.

    Examples
    --------
    >>> from synth._qdpx.read import CodeNode
    >>> t1 = CodeNode("1", "Funding", None, ("Funding",), False)
    >>> t2 = CodeNode("2", "Partners", None, ("Partners",), False)
    >>> a = CodeNode("3", "Trust (Funding)", "1", ("Funding", "Trust (Funding)"), True)
    >>> b = CodeNode("4", "Trust (Partners)", "2", ("Partners", "Trust (Partners)"), True)
    >>> sorted(restored_names([t1, t2, a, b]).values())
    ['Funding', 'Partners', 'Trust', 'Trust']
    """
    by_guid = {c.guid: c for c in codes}
    from_description: dict[str, str] = {}
    for c in codes:
        for line in c.description.splitlines():
            if line.startswith(ORIGINAL_NAME) and line[len(ORIGINAL_NAME) :].strip():
                from_description[c.guid] = line[len(ORIGINAL_NAME) :].strip()
                break
    restored = {c.guid: from_description.get(c.guid, c.name) for c in codes}
    for _ in range(3):  # ancestors first; a fixed point is reached in two rounds
        candidate: dict[str, str] = {}
        for c in codes:
            if c.guid in from_description:
                continue
            ancestors = []
            parent = c.parent
            while parent is not None and parent in by_guid:
                ancestors.append(restored[parent])
                parent = by_guid[parent].parent
            ancestors.reverse()
            found = _SUFFIX.fullmatch(c.name)
            if found and ancestors and found.group(2) in (ancestors[0], " > ".join(ancestors)):
                candidate[c.guid] = found.group(1)
        counts: dict[str, int] = {}
        for c in codes:
            base = candidate.get(c.guid, restored[c.guid] if c.guid in from_description else c.name)
            counts[name_key(base)] = counts.get(name_key(base), 0) + 1
        new = dict(restored)
        for guid, base in candidate.items():
            new[guid] = base if counts[name_key(base)] >= 2 else by_guid[guid].name
        if new == restored:
            break
        restored = new
    return restored


def lines(text: str) -> list[tuple[int, str]]:
    """(start index, line without its line end) of each line of a text.

    Examples
    --------
    >>> lines("a\\r\\nbc\\n")
    [(0, 'a'), (3, 'bc'), (6, '')]
    """
    out = []
    start = 0
    for piece in text.split("\n"):
        out.append((start, piece[:-1] if piece.endswith("\r") else piece))
        start += len(piece) + 1
    return out


def _heading_number(pattern: re.Pattern[str], line: str) -> int | None:
    found = pattern.search(line)
    if not found:
        return None
    value = next((g for g in found.groups() if g is not None), None)
    return int(value) if value is not None and value.isdigit() else None


# --- the code tree ---------------------------------------------------------------------------


def _ancestry(project: Project) -> dict[str, list[str]]:
    """guid -> [guid of self, parent, grandparent, ...]."""
    parent = {c.guid: c.parent for c in project.codes}
    out: dict[str, list[str]] = {}
    for c in project.codes:
        chain = [c.guid]
        p = c.parent
        while p is not None and p in parent:
            chain.append(p)
            p = parent[p]
        out[c.guid] = chain
    return out


def _set_of(
    project: Project, sets: dict[str, str], ancestry: dict[str, list[str]], what: str, where: str
) -> dict[str, str]:
    """code guid -> the label of the one set (label -> set name) holding it or its nearest
    ancestor; a code in two of the sets is an error."""
    members: dict[str, set[str]] = {}
    wanted = {name_key(n): label for label, n in sets.items()}
    for set_name, guids in project.sets.items():
        label = wanted.get(name_key(set_name))
        if label is None:
            continue
        for g in guids:
            members.setdefault(g, set()).add(label)
    paths = {c.guid: " > ".join(c.path) for c in project.codes}
    out: dict[str, str] = {}
    for c in project.codes:
        for g in ancestry[c.guid]:
            found = members.get(g)
            if not found:
                continue
            if len(found) > 1:
                raise DataError(
                    f"code {excerpt(paths[g])} is in more than one {what} set "
                    f"({', '.join(sorted(found))}); a code has one {what}",
                    path=where,
                    column="Sets",
                )
            out[c.guid] = next(iter(found))
            break
    return out


def _code_tree(project: Project, mapping: Mapping, where: str) -> pd.DataFrame:
    names = restored_names(project.codes)
    ancestry = _ancestry(project)
    # names from the root, restored
    path_of = {g: tuple(names[a] for a in reversed(chain)) for g, chain in ancestry.items()}
    valence_of: dict[str, str] = {}
    if mapping.valence_sets:
        valence_of = _set_of(project, mapping.valence_sets, ancestry, "valence", where)
    elif mapping.valence_level:
        wanted = {name_key(n): v for v, n in mapping.valence_names.items()}
        for g, path in path_of.items():
            if len(path) >= mapping.valence_level:
                value = wanted.get(name_key(path[mapping.valence_level - 1]))
                if value:
                    valence_of[g] = value
    theme_of: dict[str, str] = {}
    if mapping.theme_sets is not None:
        pattern = re.compile(mapping.theme_sets)
        excluded = {name_key(n) for n in mapping.valence_sets.values()}
        candidates = {
            s: s
            for s in project.sets
            if name_key(s) not in excluded and (not mapping.theme_sets or pattern.search(s))
        }
        theme_of = _set_of(project, candidates, ancestry, "theme", where)
    rows = []
    for c in project.codes:
        path = path_of[c.guid]
        if mapping.theme_sets is not None:
            theme = theme_of.get(c.guid, "")
        elif mapping.theme_level and len(path) >= mapping.theme_level:
            theme = path[mapping.theme_level - 1]
        else:
            theme = ""
        if mapping.subtheme_level and len(path) >= mapping.subtheme_level:
            sub = path[mapping.subtheme_level - 1]
        elif mapping.theme_sets is not None and not mapping.subtheme_level:
            sub = path[-1]
        else:
            sub = ""
        row: dict[str, Any] = {
            "code_id": c.guid,
            "name": c.name,
            "parent_id": c.parent or "",
            "path": " > ".join(path),
            "depth": c.depth,
            "is_codable": c.is_codable,
            "theme": _nfc(theme),
            "subtheme": _nfc(sub),
        }
        if mapping.has_valence:
            row["valence"] = valence_of.get(c.guid, "")
        row["code"] = names[c.guid]
        rows.append(row)
    cols = ["code_id", "name", "parent_id", "path", "depth", "is_codable", "theme", "subtheme"]
    cols += ["valence"] if mapping.has_valence else []
    return pd.DataFrame(rows, columns=cols + ["code"])


# --- import ----------------------------------------------------------------------------------


def import_qdpx(
    path: str | os.PathLike[str],
    mapping: Mapping | str | os.PathLike[str] | None = None,
    *,
    limits: Limits | None = None,
) -> QdpxImport:
    """Read a REFI-QDA project into the coded-data schema.

    Parameters
    ----------
    path
        A ``.qdpx`` archive or a bare ``.qde`` file.
    mapping
        A :class:`Mapping`, a mapping file (TOML/YAML), or None for an inspection-only import.
    limits
        Size limits for hostile input (the defaults suit any real project).

    Returns
    -------
    QdpxImport

    Raises
    ------
    DataError
        The file is not a readable REFI-QDA project, or the mapping does not fit it, or the
        project is ambiguous where the mapping looks (a code in two valence or theme sets, two
        cases for one speaker, a source in two group sets).
    UnsafeInputError
        The file is hostile or too large: XML entities or DTDs, zip members leaving the archive
        or differing only by letter case, unreasonable sizes or nesting.

    Warns
    -----
    QdpxWarning
        Missing source texts (once per source), cuts off word boundaries, selections past the
        end of their text, codings the mapping cannot place.

    Examples
    --------
    >>> result = import_qdpx("nvivo-mac-12.7.qdpx")  # doctest: +SKIP
    >>> len(result.segments), len(result.codebook)  # doctest: +SKIP
    (297, 152)
    """
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    log: list[str] = []
    files = open_project(path, limits)
    where = f"{files.path}:{files.qde_name}" if files.members else str(files.path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", QdpxWarning)
            project = read_project(files, positions=mapping.positions)
        for w in caught:
            if issubclass(w.category, QdpxWarning):
                _warn(str(w.message), log)
            else:  # pragma: no cover - pass other warnings through untouched
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    finally:
        files.close()
    name = Path(path).name
    tree = _code_tree(project, mapping, where)
    path_of = dict(zip(tree["code_id"], tree["path"], strict=True))
    rows = project.rows
    seg = pd.DataFrame(
        {
            "segment_id": [r.selection_id for r in rows],
            "focus_group": [r.source for r in rows],
            "question": [None] * len(rows),
            "participant_id": [""] * len(rows),
            "code_id": [r.code_id for r in rows],
            "source": [r.source for r in rows],
            "start": [r.start for r in rows],
            "end": [r.end for r in rows],
            "text": [r.text for r in rows],
            "coder": [r.coder for r in rows],
            "coding_id": [r.coding_id for r in rows],
            "selection_type": [r.selection_type for r in rows],
            "code_path": [path_of[r.code_id] for r in rows],
            "_container": [r.container_id for r in rows],
            "_source_id": [r.source_id for r in rows],
            "_i": [r.i for r in rows],
        },
        dtype=object,
    )
    seg["question"] = pd.array([None] * len(seg), dtype="Int64")
    seg["start"] = pd.array([r.start for r in rows], dtype="Int64")
    seg["end"] = pd.array([r.end for r in rows], dtype="Int64")
    codebook = tree
    participants: pd.DataFrame | None = None

    if mapping.question_branch:
        seg, codebook = _apply_question_branch(seg, tree, mapping, name, log)
    elif mapping.question_pattern:
        found = seg["source"].map(lambda s: _match(mapping.question_pattern, s))
        bad = seg.loc[found.isna(), "source"].unique().tolist()
        if bad:
            _warn(
                f"{name}: {len(bad)} source name(s) do not match the question pattern "
                f"{mapping.question_pattern!r} (first: {excerpt(bad[0])}); their codings have no "
                "question",
                log,
            )
        seg["question"] = pd.array(
            [int(v) if isinstance(v, str) and v.isdigit() else None for v in found], dtype="Int64"
        )
    elif mapping.question_heading:
        seg["question"] = pd.array(_questions_by_heading(seg, project, mapping, name, log), dtype="Int64")

    if mapping.participant_case:
        case_of = _assign_cases(seg, project, name, log)
        seg["participant_id"] = [case_of.get(i, "") for i in seg.index]
        participants = _case_participants(project, mapping)
    elif mapping.participant_speaker:
        seg["participant_id"] = _speakers(seg, project, mapping, name, log)
    elif mapping.participant_source:
        seg["participant_id"] = list(seg["source"])

    if mapping.focus_group_variable:
        seg["focus_group"] = _groups_by_variable(seg, project, mapping, participants, where)
    elif mapping.focus_group_pattern:
        seg["focus_group"] = [_match(mapping.focus_group_pattern, s) or "" for s in seg["source"]]
    elif mapping.focus_group_sets is not None:
        seg["focus_group"] = _groups_by_set(seg, project, mapping, where, name, log)

    if mapping.participant_speaker or mapping.participant_source:
        seg, participants = _scoped_participants(seg, project, mapping, where)
    elif participants is not None and mapping.role_roster:
        participants["role"] = _roster_roles(participants, mapping)

    if mapping.segment in ("span", "paragraph"):
        seg["segment_id"] = _merged_segments(seg, project, mapping.segment)
    if not mapping.is_empty or mapping.theme_level or mapping.subtheme_level or mapping.theme_sets is not None:
        seg, codebook = _keep_analysable(seg, tree, codebook, mapping, name, log)
        seg["text"] = ["" if PLACEHOLDER_PATTERN.match(t or "") else t for t in seg["text"]]
    if (
        participants is not None
        and mapping.participant_case
        and not mapping.focus_group_variable
    ):
        _groups_of_cases(seg, participants, name, log)
    seg = seg.drop(columns=["_container", "_source_id", "_i"]).reset_index(drop=True)

    mapped = not mapping.is_empty
    notes = [
        f"synth {__version__} import-qdpx of {name}",
        f"project: {excerpt(project.name)}; origin: {excerpt(project.origin)}",
        f"mapping: {mapping.source}",
        f"codings: {len(project.rows)} read, {len(seg)} written to coded_segments.csv",
        f"codes: {len(tree)} in the project, {len(codebook)} written to codebook.csv",
        f"cases: {len(project.cases)}",
        f"text positions read as: {'UTF-16 code units' if project.units == 'utf16' else 'code points'}",
    ]
    if project.boundary_share is not None:
        notes.append(
            f"text cuts on word boundaries: {project.n_boundary} of {project.n_cut} "
            f"({100 * project.boundary_share:.1f}%)"
        )
    if project.missing_sources:
        notes.append("sources without text: " + "; ".join(project.missing_sources))
    if not mapped:
        notes.append(
            "NOT FOR ANALYSIS: no mapping gave questions or participants, so 'question' and "
            "'participant_id' are empty and focus_group is the source's name. This folder is for "
            "inspection; synth validate rejects it until an import with --map supplies them "
            "(see docs/qdpx-mapping.md; synth inspect drafts a mapping)."
        )
    notes += [f"warning: {m}" for m in log]
    return QdpxImport(
        segments=seg,
        codebook=codebook.reset_index(drop=True),
        code_tree=tree,
        participants=participants,
        notes=tuple(notes),
        origin=project.origin,
        units=project.units,
        boundary_share=project.boundary_share,
        missing_sources=tuple(project.missing_sources),
        mapped=mapped,
        warnings=tuple(log),
    )


def _match(pattern: str | None, value: str) -> str | None:
    if not pattern:
        return None
    found = re.search(pattern, value or "")
    if not found:
        return None
    return next((g for g in found.groups() if g is not None), None)


def _line_of(text: str, index: int) -> tuple[int, str]:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    line = text[start : end if end >= 0 else len(text)]
    return start, line[:-1] if line.endswith("\r") else line


# --- questions -------------------------------------------------------------------------------


def _questions_by_heading(
    seg: pd.DataFrame, project: Project, mapping: Mapping, name: str, log: list[str]
) -> list[int | None]:
    pattern = re.compile(mapping.question_heading or "", re.MULTILINE)
    headings: dict[str, tuple[list[int], list[int]]] = {}
    for key, source in project.texts.items():
        starts, numbers = [], []
        for start, line in lines(source.text):
            number = _heading_number(pattern, line)
            if number is not None:
                starts.append(start)
                numbers.append(number)
        headings[key] = (starts, numbers)
    out: list[int | None] = []
    before = 0
    for container, i in zip(seg["_container"], seg["_i"], strict=True):
        starts, numbers = headings.get(container, ([], []))
        if i is None or not starts:
            out.append(None)
            continue
        k = bisect.bisect_right(starts, i) - 1
        if k < 0:
            before += 1
            out.append(None)
        else:
            out.append(numbers[k])
    missing = sum(q is None for q in out)
    if missing:
        _warn(
            f"{name}: {missing} coding(s) have no question heading above them"
            + (f" ({before} above the first heading)" if before else "")
            + "; they have no question",
            log,
        )
    return out


def _apply_question_branch(
    seg: pd.DataFrame, tree: pd.DataFrame, mapping: Mapping, name: str, log: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    branch = mapping.question_branch or ""
    in_branch = tree["path"].map(lambda p: name_key(p.split(" > ", 1)[0]) == name_key(branch))
    if not in_branch.any():
        raise DataError(
            f"the mapping's question branch {excerpt(branch)} is not a root code of the project",
            path=mapping.source,
            column="question",
        )
    q_codes = {}
    for code_id, code_name, depth in tree.loc[in_branch, ["code_id", "code", "depth"]].itertuples(
        index=False
    ):
        if depth > 1:
            found = re.search(r"\d+", code_name)
            number = int(found.group()) if found else None
            if number is None or number < 1:
                raise DataError(
                    f"question code {excerpt(code_name)} under {excerpt(branch)} has no question "
                    "number in its name",
                    path=mapping.source,
                    column="question",
                )
            q_codes[code_id] = number
    is_q = seg["code_id"].isin(list(q_codes))
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for container, s, e, code in seg.loc[
        is_q, ["_container", "start", "end", "code_id"]
    ].itertuples(index=False):
        if s is pd.NA or e is pd.NA:
            continue
        spans.setdefault(container, []).append((int(s), int(e), q_codes[code]))
    questions: list[int | None] = []
    unplaced = ambiguous = 0
    for container, s, e, q in seg[["_container", "start", "end", "code_id"]].itertuples(
        index=False
    ):
        if q in q_codes or s is pd.NA or e is pd.NA:
            questions.append(None)
            continue
        best: dict[int, int] = {}
        for qs, qe, number in spans.get(container, []):
            overlap = min(int(e), qe) - max(int(s), qs)
            if overlap > 0:
                best[number] = max(best.get(number, 0), overlap)
        if not best:
            unplaced += 1
            questions.append(None)
            continue
        top = max(best.values())
        winners = sorted(n for n, v in best.items() if v == top)
        if len(winners) > 1:
            ambiguous += 1
        questions.append(winners[0])
    if unplaced:
        _warn(
            f"{name}: {unplaced} coding(s) overlap no code under {excerpt(branch)}; they have no "
            "question",
            log,
        )
    if ambiguous:
        _warn(
            f"{name}: {ambiguous} coding(s) overlap two questions equally; the lower number was taken",
            log,
        )
    seg = seg.copy()
    seg["question"] = pd.array(questions, dtype="Int64")
    seg = seg.loc[~is_q]
    book = tree.loc[~in_branch]
    return seg, book


# --- participants and groups -----------------------------------------------------------------


def _assign_cases(seg: pd.DataFrame, project: Project, name: str, log: list[str]) -> dict[Any, str]:
    by_selection: dict[str, set[str]] = {}
    by_source: dict[str, set[str]] = {}
    covers: dict[str, list[tuple[int, int, str]]] = {}
    for case in project.cases:
        for ref in case.selection_refs:
            by_selection.setdefault(ref.lower(), set()).add(case.name)
            if ref in project.selections:
                container, s, e = project.selections[ref]
                covers.setdefault(container, []).append((s, e, case.name))
        for ref in case.source_refs:
            by_source.setdefault(ref.lower(), set()).add(case.name)
    result: dict[Any, str] = {}
    none = several = 0
    for idx, sel, container, source_id, s, e in seg[
        ["segment_id", "_container", "_source_id", "start", "end"]
    ].itertuples():
        found = set(by_selection.get(str(sel).lower(), set()))
        if not found and s is not pd.NA and e is not pd.NA:
            found = {c for cs, ce, c in covers.get(container, []) if cs <= int(s) and int(e) <= ce}
        if not found:
            found = set(by_source.get(str(source_id).lower(), set()))
        if len(found) == 1:
            result[idx] = next(iter(found))
        elif found:
            several += 1
        else:
            none += 1
    if none:
        _warn(f"{name}: {none} coding(s) are covered by no case; they have no participant", log)
    if several:
        _warn(
            f"{name}: {several} coding(s) are covered by more than one case; they have no participant",
            log,
        )
    return result


def _case_participants(project: Project, mapping: Mapping) -> pd.DataFrame | None:
    if not project.cases:
        return None
    rows = []
    for case in project.cases:
        row = {
            "participant_id": case.name,
            "focus_group": case.variables.get(mapping.focus_group_variable or "", ""),
            "role": _variable(case.variables, mapping.role_variable),
            "case_id": case.guid,
        }
        for var in project.variables:
            if var not in (mapping.focus_group_variable, mapping.role_variable):
                row[var] = case.variables.get(var, "")
        rows.append(row)
    frame = pd.DataFrame(rows, dtype=object)
    return frame.sort_values("participant_id", kind="mergesort").reset_index(drop=True)


def _variable(values: dict[str, str], variable: str | None) -> str:
    if not variable:
        return ""
    wanted = name_key(variable)
    return next((v for k, v in values.items() if name_key(k) == wanted), "")


def _speakers(
    seg: pd.DataFrame, project: Project, mapping: Mapping, name: str, log: list[str]
) -> list[str]:
    speaker = re.compile(mapping.participant_speaker or "")
    heading = re.compile(mapping.question_heading or DEFAULT_HEADING_PATTERN)
    out: list[str] = []
    missing = 0
    example = ""
    for container, i in zip(seg["_container"], seg["_i"], strict=True):
        source = project.texts.get(container)
        if source is None or i is None:
            out.append("")
            missing += 1
            continue
        _, line = _line_of(source.text, i)
        is_heading = _heading_number(heading, line) is not None
        found = None if is_heading else speaker.search(line + "\n")
        label = next((g for g in found.groups() if g), None) if found else None
        if not label:
            missing += 1
            example = example or line
            out.append("")
        else:
            out.append(_nfc(label))
    if missing:
        _warn(
            f"{name}: {missing} coding(s) are in paragraphs without a speaker label"
            + (f" (first: {excerpt(example)})" if example else "")
            + "; they have no participant",
            log,
        )
    return out


def _cases_by_name(project: Project, labels: set[str], where: str) -> dict[str, CaseNode]:
    found: dict[str, list[CaseNode]] = {}
    for case in project.cases:
        found.setdefault(name_key(case.name), []).append(case)
    out = {}
    for label in sorted(labels):
        cases = found.get(name_key(label), [])
        if len(cases) > 1:
            raise DataError(
                f"{len(cases)} cases are named like the speaker {excerpt(label)} "
                f"({', '.join(excerpt(c.name, 30) for c in cases)}); rename one so that each "
                "speaker has one case",
                path=where,
                column="Cases",
            )
        if cases:
            out[name_key(label)] = cases[0]
    return out


def _groups_by_variable(
    seg: pd.DataFrame,
    project: Project,
    mapping: Mapping,
    participants: pd.DataFrame | None,
    where: str,
) -> list[str]:
    if mapping.participant_case:
        group_of = (
            {}
            if participants is None
            else dict(zip(participants["participant_id"], participants["focus_group"], strict=True))
        )
        return [group_of.get(p, "") for p in seg["participant_id"]]
    cases = _cases_by_name(project, set(seg["participant_id"]) - {""}, where)
    return [
        _variable(cases[name_key(p)].variables, mapping.focus_group_variable)
        if name_key(p) in cases
        else ""
        for p in seg["participant_id"]
    ]


def _groups_by_set(
    seg: pd.DataFrame, project: Project, mapping: Mapping, where: str, name: str, log: list[str]
) -> list[str]:
    pattern = re.compile(mapping.focus_group_sets or "")
    group_of: dict[str, str] = {}
    names = {g: n for g, n, _ in project.sources}
    for set_name, members in project.source_sets.items():
        if mapping.focus_group_sets and not pattern.search(set_name):
            continue
        label = _match(mapping.focus_group_sets, set_name) if pattern.groups else set_name
        for guid in members:
            if guid in group_of and group_of[guid] != label:
                raise DataError(
                    f"source {excerpt(names.get(guid, guid))} is in two group sets "
                    f"({excerpt(group_of[guid], 30)} and {excerpt(set_name, 30)}); a source "
                    "belongs to one focus group",
                    path=where,
                    column="Sets",
                )
            group_of[guid] = label or set_name
    out = [group_of.get(s, "") for s in seg["_source_id"]]
    lost = sorted({src for src, g in zip(seg["source"], out, strict=True) if not g})
    if lost:
        _warn(
            f"{name}: {len(lost)} source(s) are in no group set (first: {excerpt(lost[0])}); "
            "their codings have no focus group",
            log,
        )
    return out


def _roster(mapping: Mapping) -> pd.DataFrame:
    path = Path(mapping.role_roster or "")
    if not path.is_file():
        raise DataError("roster file not found", path=path)
    from ..io import read_table

    frame = read_table(path, required=("participant_id", "role"))
    return frame.astype(str)


def _roster_roles(participants: pd.DataFrame, mapping: Mapping) -> list[str]:
    roster = _roster(mapping)
    by_group = "focus_group" in roster.columns
    roles: dict[tuple[str, str], str] = {}
    for _, r in roster.iterrows():
        key = (name_key(r["focus_group"]) if by_group else "", name_key(r["participant_id"]))
        roles[key] = r["role"].strip()
    out = []
    for pid, label, group in zip(
        participants["participant_id"],
        participants.get("speaker", participants["participant_id"]),
        participants["focus_group"],
        strict=True,
    ):
        g = name_key(str(group)) if by_group else ""
        out.append(roles.get((g, name_key(str(label))), roles.get((g, name_key(str(pid))), "")))
    return out


def _scoped_participants(
    seg: pd.DataFrame, project: Project, mapping: Mapping, where: str
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Speakers (or sources) are participants within their focus group: a label used in two
    groups is two people, ``label (group)``."""
    used = seg.loc[seg["participant_id"] != "", ["participant_id", "focus_group"]]
    if used.empty:
        return seg, None
    groups_of: dict[str, set[str]] = {}
    for label, group in used.itertuples(index=False):
        groups_of.setdefault(label, set()).add(group)

    def pid(label: str, group: str) -> str:
        if not label:
            return ""
        return label if len(groups_of[label]) == 1 else f"{label} ({group})"

    seg = seg.copy()
    seg["participant_id"] = [
        pid(p, g) for p, g in zip(seg["participant_id"], seg["focus_group"], strict=True)
    ]
    cases = _cases_by_name(project, set(groups_of), where)
    rows = []
    for (label, group) in sorted(set(used.itertuples(index=False, name=None))):
        case = cases.get(name_key(label))
        row: dict[str, str] = {
            "participant_id": pid(label, group),
            "focus_group": group,
            "role": _variable(case.variables, mapping.role_variable) if case else "",
            "speaker": label,
            "case_id": case.guid if case else "",
        }
        for var in project.variables:
            if name_key(var) != name_key(mapping.role_variable or "\0") and case is not None:
                row[var] = case.variables.get(var, "")
        rows.append(row)
    # cases that no speaker matches are participants without codings (a roster kept in cases)
    matched = {case.guid for case in cases.values()}
    group_variable = mapping.focus_group_variable or "focus group"
    for case in project.cases:
        if case.guid in matched or not mapping.participant_speaker:
            continue
        row = {
            "participant_id": _nfc(case.name),
            "focus_group": _variable(case.variables, group_variable),
            "role": _variable(case.variables, mapping.role_variable),
            "speaker": "",
            "case_id": case.guid,
        }
        for var in project.variables:
            if name_key(var) != name_key(mapping.role_variable or "\0"):
                row[var] = case.variables.get(var, "")
        rows.append(row)
    people = pd.DataFrame(rows, dtype=object).fillna("")
    if mapping.role_roster:
        people["role"] = _roster_roles(people, mapping)
    people = people.sort_values("participant_id", kind="mergesort").reset_index(drop=True)
    return seg, people


def _groups_of_cases(seg: pd.DataFrame, participants: pd.DataFrame, name: str, log: list[str]) -> None:
    groups = seg.loc[seg["participant_id"] != ""].groupby("participant_id", sort=True)["focus_group"]
    one = groups.agg(lambda s: ";".join(sorted(set(s))))
    fallback = "focus group" if "focus group" in participants.columns else None
    participants["focus_group"] = [
        one.get(p, "") or (str(participants.at[i, fallback]) if fallback else "")
        for i, p in zip(participants.index, participants["participant_id"], strict=True)
    ]
    several = [p for p, g in one.items() if ";" in g]
    if several:
        _warn(
            f"{name}: {len(several)} participant(s) have codings in more than one focus group "
            f"(first: {excerpt(several[0])})",
            log,
        )


# --- segments and study codes ----------------------------------------------------------------


def _merged_segments(seg: pd.DataFrame, project: Project, how: str) -> list[str]:
    first: dict[tuple[Any, ...], str] = {}
    ids = []
    for sid, container, s, e, i in zip(
        seg["segment_id"], seg["_container"], seg["start"], seg["end"], seg["_i"], strict=True
    ):
        if s is pd.NA or s is None:
            ids.append(sid)
            continue
        if how == "paragraph" and i is not None and container in project.texts:
            key: tuple[Any, ...] = (container, _line_of(project.texts[container].text, i)[0])
        else:
            key = (container, int(s), int(e))
        ids.append(first.setdefault(key, sid))
    return ids


def _keep_analysable(
    seg: pd.DataFrame,
    tree: pd.DataFrame,
    codebook: pd.DataFrame,
    mapping: Mapping,
    name: str,
    log: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    book = codebook
    if mapping.theme_level or mapping.subtheme_level or mapping.theme_sets is not None:
        need = ["theme", "subtheme"]
        # a study code carries a theme and subtheme and is a leaf or has codings of its own
        # (a subtheme node with codes under it is a category, not a code)
        parents = set(tree["parent_id"])
        used = set(seg["code_id"])
        ok = (book[need] != "").all(axis=1) & (
            ~book["code_id"].isin(parents) | book["code_id"].isin(used)
        )
        book = book.loc[ok]
        dropped = ~seg["code_id"].isin(set(book["code_id"]))
        if dropped.any():
            examples = seg.loc[dropped, "code_path"].drop_duplicates().head(3).tolist()
            _warn(
                f"{name}: {int(dropped.sum())} coding(s) are on codes without a theme and "
                f"subtheme and were left out (first: {'; '.join(excerpt(e) for e in examples)})",
                log,
            )
            seg = seg.loc[~dropped]
    if mapping.has_valence and "valence" in book.columns:
        lacking = book.loc[book["valence"] == "", "path"].tolist()
        if lacking:
            where = (
                f"the valence sets {sorted(mapping.valence_sets.values())}"
                if mapping.valence_sets
                else f"a valence node at level {mapping.valence_level} "
                f"({', '.join(sorted(mapping.valence_names.values()))})"
            )
            _warn(
                f"{name}: {len(lacking)} code(s) are in none of {where} "
                f"(first: {excerpt(lacking[0])})",
                log,
            )
    dup = seg.duplicated(["segment_id", "code_id"], keep="first")
    if dup.any():
        _warn(
            f"{name}: {int(dup.sum())} coding(s) repeat a code on the same paragraph and were "
            "counted once",
            log,
        )
        seg = seg.loc[~dup]
    return seg, book


# --- writing ---------------------------------------------------------------------------------


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return str(frame.to_csv(index=False, lineterminator="\n")).encode("utf-8")


def write_import(result: QdpxImport, folder: str | os.PathLike[str]) -> list[Path]:
    """Write an import: ``coded_segments.csv``, ``codebook.csv``, ``code_tree.csv``,
    ``participants.csv`` (when there are participants) and ``import-notes.txt``.

    Rows keep the project's document order, so the same project gives the same bytes.

    Parameters
    ----------
    result
        From :func:`import_qdpx`.
    folder
        An existing folder (commands pass the temporary folder of ``atomic_dir``).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    out = [folder / "coded_segments.csv", folder / "codebook.csv", folder / "code_tree.csv"]
    out[0].write_bytes(_csv_bytes(result.segments))
    out[1].write_bytes(_csv_bytes(result.codebook))
    out[2].write_bytes(_csv_bytes(result.code_tree))
    if result.participants is not None:
        out.append(folder / "participants.csv")
        out[-1].write_bytes(_csv_bytes(result.participants))
    out.append(folder / _NOTES)
    out[-1].write_bytes(("\n".join(result.notes) + "\n").encode("utf-8"))
    return out


def save_import(result: QdpxImport, out: str | os.PathLike[str]) -> list[Path]:
    """Write an import into the folder ``out``, atomically.

    The files appear only when all of them were written; on any failure (a read-only location,
    a full disk) ``out`` keeps what it held before and the failure is one :class:`SynthError`.

    Returns
    -------
    list of Path
        The files written, inside ``out``.
    """
    try:
        with atomic_dir(out) as tmp:
            names = [p.name for p in write_import(result, tmp)]
    except OSError as exc:
        raise SynthError(
            f"cannot write {out}: {exc.strerror or exc}; its previous content was left as it was"
        ) from exc
    return [Path(out) / n for n in names]

