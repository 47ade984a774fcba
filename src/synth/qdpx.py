"""REFI-QDA import and export: bring a coded project in from NVivo, ATLAS.ti, MAXQDA or QualCoder,
and hand the study back to them.

REFI-QDA Project Exchange 1.5 (qdasoftware.org) is the exchange standard of QDA software: a
``.qdpx`` zip holding ``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``) and the
source texts under ``sources/``.

- :func:`import_qdpx` reads a ``.qdpx`` (or a bare ``.qde``) into the coded-data schema of
  :mod:`synth.io`, applying an optional :class:`Mapping` (``docs/qdpx-mapping.md``) that says
  where themes, subthemes, questions, participants and focus groups are found. Without a mapping
  every coding is kept with its source, position, text, coder and code path, but ``question`` and
  ``participant_id`` stay empty: such an import is for inspection, and ``synth validate`` rejects
  it until a mapping supplies them.
- :func:`export_qdpx` writes a coded dataset as a REFI-QDA project (Theme > Subtheme > Code; one
  text source per focus group; participants as cases with their role), byte-reproducible.

Hostile files are refused (:mod:`synth._qdpx_archive`); doubtful content raises a
:class:`QdpxWarning` (a :class:`UserWarning`), which the command line also prints.
"""

from __future__ import annotations

import os
import re
import uuid
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from ._atomic import atomic_file
from ._exceptions import DataError
from ._qdpx_archive import Limits, open_project
from ._qdpx_mapping import Mapping, load_mapping, mapping_from_dict
from ._qdpx_read import NAMESPACE, Project, QdpxWarning, read_project
from ._zip import zip_bytes
from .io import write_table

__all__ = [
    "QdpxWarning",
    "Mapping",
    "QdpxImport",
    "load_mapping",
    "mapping_from_dict",
    "import_qdpx",
    "write_import",
    "export_qdpx",
    "project_xml",
    "placeholder",
    "PLACEHOLDER_PATTERN",
]


#: The text written for a paragraph whose words were never published.
PLACEHOLDER_PATTERN = re.compile(r"^\[paragraph (?P<id>.+): text not published\]$")

_NS_UUID = uuid.UUID("6f1c7c1e-6a55-5b1f-9d0e-73796e746831")  # fixed: exports are reproducible
_NOTES = "import-notes.txt"


def placeholder(segment_id: str) -> str:
    """The clearly marked stand-in for a paragraph whose words were never published.

    Examples
    --------
    >>> placeholder("S0123")
    '[paragraph S0123: text not published]'
    """
    return f"[paragraph {segment_id}: text not published]"



# --- import ----------------------------------------------------------------------------------


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
        One row per case (None when the project has none).
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


def _code_tree(project: Project, mapping: Mapping) -> pd.DataFrame:
    valence_of: dict[str, str] = {}
    for valence, set_name in mapping.valence_sets.items():
        for guid in project.sets.get(set_name, []):
            valence_of.setdefault(guid, valence)
    rows = []
    for c in project.codes:
        theme = (
            c.path[mapping.theme_level - 1]
            if mapping.theme_level and c.depth >= mapping.theme_level
            else ""
        )
        sub = (
            c.path[mapping.subtheme_level - 1]
            if mapping.subtheme_level and c.depth >= mapping.subtheme_level
            else ""
        )
        row = {
            "code_id": c.guid,
            "name": c.name,
            "parent_id": c.parent or "",
            "path": " > ".join(c.path),
            "depth": c.depth,
            "is_codable": c.is_codable,
            "theme": theme,
            "subtheme": sub,
        }
        if mapping.valence_sets:
            row["valence"] = valence_of.get(c.guid, "")
        row["code"] = c.name
        rows.append(row)
    cols = ["code_id", "name", "parent_id", "path", "depth", "is_codable", "theme", "subtheme"]
    cols += ["valence"] if mapping.valence_sets else []
    return pd.DataFrame(rows, columns=cols + ["code"])


def _in_branch(path: str, branch: str) -> bool:
    head = path.split(" > ", 1)[0]
    return head.strip().casefold() == branch.strip().casefold()


def _number(name: str) -> int | None:
    found = re.search(r"\d+", name)
    return int(found.group()) if found else None


def _warn(message: str, log: list[str]) -> None:
    log.append(message)
    warnings.warn(message, QdpxWarning, stacklevel=3)


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
        The file is not a readable REFI-QDA project, or the mapping does not fit it.
    UnsafeInputError
        The file is hostile or too large: XML entities or DTDs, zip members leaving the archive,
        unreasonable sizes.

    Warns
    -----
    QdpxWarning
        Missing source texts (once per source), cuts off word boundaries, codings the mapping
        cannot place.

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
    tree = _code_tree(project, mapping)
    path_of = dict(zip(tree["code_id"], tree["path"], strict=True))
    seg = pd.DataFrame(
        {
            "segment_id": [r.selection_id for r in project.rows],
            "focus_group": [r.source for r in project.rows],
            "question": pd.array([None] * len(project.rows), dtype="Int64"),
            "participant_id": [""] * len(project.rows),
            "code_id": [r.code_id for r in project.rows],
            "source": [r.source for r in project.rows],
            "start": pd.array([r.start for r in project.rows], dtype="Int64"),
            "end": pd.array([r.end for r in project.rows], dtype="Int64"),
            "text": [r.text for r in project.rows],
            "coder": [r.coder for r in project.rows],
            "coding_id": [r.coding_id for r in project.rows],
            "selection_type": [r.selection_type for r in project.rows],
            "code_path": [path_of[r.code_id] for r in project.rows],
            "_container": [r.container_id for r in project.rows],
            "_source_id": [r.source_id for r in project.rows],
        },
        dtype=object,
    )
    seg["question"] = pd.array([None] * len(seg), dtype="Int64")
    seg["start"] = pd.array([r.start for r in project.rows], dtype="Int64")
    seg["end"] = pd.array([r.end for r in project.rows], dtype="Int64")
    codebook = tree
    participants = _participants(project, mapping)
    case_of: dict[str, str] = {}

    if mapping.question_branch:
        seg, codebook = _apply_question_branch(seg, tree, mapping, name, log)
    elif mapping.question_pattern:
        found = seg["source"].map(lambda s: _match(mapping.question_pattern, s))
        bad = seg.loc[found.isna(), "source"].unique().tolist()
        if bad:
            _warn(
                f"{name}: {len(bad)} source name(s) do not match the question pattern "
                f"{mapping.question_pattern!r} (first: {bad[0]!r}); their codings have no question",
                log,
            )
        seg["question"] = pd.array(
            [int(v) if isinstance(v, str) and v.isdigit() else None for v in found], dtype="Int64"
        )
    if mapping.participant_case:
        case_of = _assign_cases(seg, project, name, log)
        seg["participant_id"] = [case_of.get(i, "") for i in seg.index]
    if mapping.focus_group_variable:
        group_of = (
            {}
            if participants is None
            else dict(zip(participants["participant_id"], participants["focus_group"], strict=True))
        )
        seg["focus_group"] = [group_of.get(p, "") for p in seg["participant_id"]]
    elif mapping.focus_group_pattern:
        seg["focus_group"] = [_match(mapping.focus_group_pattern, s) or "" for s in seg["source"]]
    if mapping.segment == "span":
        key = list(
            zip(
                seg["_container"],
                seg["start"].astype(object),
                seg["end"].astype(object),
                strict=True,
            )
        )
        first: dict[tuple[Any, ...], str] = {}
        ids = []
        for k, sid in zip(key, seg["segment_id"], strict=True):
            if k[1] is pd.NA or k[1] is None:
                ids.append(sid)
            else:
                ids.append(first.setdefault(k, sid))
        seg["segment_id"] = ids
    if not mapping.is_empty or mapping.theme_level or mapping.subtheme_level:
        seg, codebook = _keep_analysable(seg, tree, codebook, mapping, name, log)
        seg["text"] = ["" if PLACEHOLDER_PATTERN.match(t or "") else t for t in seg["text"]]
    if participants is not None and mapping.participant_case and not mapping.focus_group_variable:
        groups = seg.loc[seg["participant_id"] != ""].groupby("participant_id", sort=True)[
            "focus_group"
        ]
        one = groups.agg(lambda s: ";".join(sorted(set(s))))
        # a participant without codings keeps the group named by a case variable "focus group"
        fallback = "focus group" if "focus group" in participants.columns else None
        participants["focus_group"] = [
            one.get(p, "") or (str(participants.at[i, fallback]) if fallback else "")
            for i, p in zip(participants.index, participants["participant_id"], strict=True)
        ]
        several = [p for p, g in one.items() if ";" in g]
        if several:
            _warn(
                f"{name}: {len(several)} participant(s) have codings in more than one focus group "
                f"(first: {several[0]!r})",
                log,
            )
    seg = seg.drop(columns=["_container", "_source_id"]).reset_index(drop=True)

    mapped = not mapping.is_empty
    notes = [
        f"synth {__version__} import-qdpx of {name}",
        f"project: {project.name!r}; origin: {project.origin!r}",
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
            "(see docs/qdpx-mapping.md)."
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
    return found.group(1) if found else None


def _participants(project: Project, mapping: Mapping) -> pd.DataFrame | None:
    if not project.cases:
        return None
    rows = []
    for case in project.cases:
        row = {
            "participant_id": case.name,
            "focus_group": case.variables.get(mapping.focus_group_variable or "", ""),
            "role": case.variables.get(mapping.role_variable or "", ""),
            "case_id": case.guid,
        }
        for var in project.variables:
            if var not in (mapping.focus_group_variable, mapping.role_variable):
                row[var] = case.variables.get(var, "")
        rows.append(row)
    frame = pd.DataFrame(rows, dtype=object)
    return frame.sort_values("participant_id", kind="mergesort").reset_index(drop=True)


def _apply_question_branch(
    seg: pd.DataFrame, tree: pd.DataFrame, mapping: Mapping, name: str, log: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    branch = mapping.question_branch or ""
    in_branch = tree["path"].map(lambda p: _in_branch(p, branch))
    if not in_branch.any():
        raise DataError(
            f"the mapping's question branch {branch!r} is not a root code of the project",
            path=mapping.source,
            column="question",
        )
    q_codes = {}
    for code_id, code_name, depth in tree.loc[in_branch, ["code_id", "name", "depth"]].itertuples(
        index=False
    ):
        if depth > 1:
            number = _number(code_name)
            if number is None or number < 1:
                raise DataError(
                    f"question code {code_name!r} under {branch!r} has no question number in its name",
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
            f"{name}: {unplaced} coding(s) overlap no code under {branch!r}; they have no question",
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


def _keep_analysable(
    seg: pd.DataFrame,
    tree: pd.DataFrame,
    codebook: pd.DataFrame,
    mapping: Mapping,
    name: str,
    log: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    book = codebook
    if mapping.theme_level or mapping.subtheme_level:
        need = []
        if mapping.theme_level:
            need.append("theme")
        if mapping.subtheme_level:
            need.append("subtheme")
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
                f"{name}: {int(dropped.sum())} coding(s) are on codes above the subtheme level "
                f"and were left out (first: {'; '.join(examples)})",
                log,
            )
            seg = seg.loc[~dropped]
    if mapping.valence_sets and "valence" in book.columns:
        lacking = book.loc[book["valence"] == "", "path"].tolist()
        if lacking:
            _warn(
                f"{name}: {len(lacking)} code(s) are in none of the valence sets "
                f"{sorted(mapping.valence_sets.values())} (first: {lacking[0]!r})",
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


def write_import(result: QdpxImport, folder: str | os.PathLike[str]) -> list[Path]:
    """Write an import: ``coded_segments.csv``, ``codebook.csv``, ``code_tree.csv``,
    ``participants.csv`` (when there are cases) and ``import-notes.txt``.

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
    write_table(result.segments, out[0])
    write_table(result.codebook, out[1])
    write_table(result.code_tree, out[2])
    if result.participants is not None:
        out.append(folder / "participants.csv")
        write_table(result.participants, out[-1])
    out.append(folder / _NOTES)
    out[-1].write_text("\n".join(result.notes) + "\n", encoding="utf-8", newline="\n")
    return out


# --- export ----------------------------------------------------------------------------------


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NS_UUID, f"synth:{kind}:{key}"))


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)


def _frame(data: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(data, name, None)
    return None if frame is None else frame.copy()


def project_xml(data: Any, *, name: str = "synth") -> tuple[bytes, dict[str, str]]:
    """Build the REFI-QDA project XML and the source texts for a coded dataset.

    Parameters
    ----------
    data
        A :class:`synth.io.CodedData` (or any object with ``segments``, ``codebook`` and
        ``participants`` frames in its schema).
    name
        The project's name.

    Returns
    -------
    xml : bytes
        ``project.qde`` (UTF-8).
    sources : dict
        Archive member name -> text of each focus group's source.

    Raises
    ------
    DataError
        A segment's code is not in the codebook.

    Examples
    --------
    >>> xml, sources = project_xml(data)  # doctest: +SKIP
    >>> sorted(sources)[0]  # doctest: +SKIP
    'sources/...txt'
    """
    seg = _frame(data, "segments")
    book = _frame(data, "codebook")
    people = _frame(data, "participants")
    if seg is None or book is None:
        raise DataError("a dataset needs segments and a codebook", path="export")
    for frame in (seg, book):
        for col in frame.columns:
            if col != "question":
                frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    seg["question"] = seg["question"].astype("int64")
    unknown = sorted(set(seg["code_id"]) - set(book["code_id"]))
    if unknown:
        raise DataError(
            "code_id not in the codebook", path="coded_segments", column="code_id", rows=unknown
        )

    ET.register_namespace("", NAMESPACE)
    root = ET.Element(
        f"{{{NAMESPACE}}}Project",
        {"name": name, "origin": f"synth {__version__} (REFI-QDA Project Exchange 1.5)"},
    )
    coders = sorted({c for c in seg.get("coder", pd.Series(dtype=object)) if c})
    users = _sub(root, "Users")
    user_guid = {"": _guid("user", "synth")}
    _sub(users, "User", guid=user_guid[""], name="synth")
    for coder in coders:
        user_guid[coder] = _guid("user", coder)
        _sub(users, "User", guid=user_guid[coder], name=coder)

    # codebook: Theme > Subtheme > Code, in codebook order; then the question branch
    codes_el = _sub(_sub(root, "CodeBook"), "Codes")
    theme_el: dict[str, ET.Element] = {}
    sub_el: dict[tuple[str, str], ET.Element] = {}
    label = book["code"] if "code" in book.columns else book["code_id"]
    for code_id, theme, subtheme, text in zip(
        book["code_id"], book["theme"], book["subtheme"], label, strict=True
    ):
        if theme not in theme_el:
            theme_el[theme] = _sub(
                codes_el, "Code", guid=_guid("theme", theme), name=theme, isCodable="false"
            )
        if (theme, subtheme) not in sub_el:
            sub_el[(theme, subtheme)] = _sub(
                theme_el[theme],
                "Code",
                guid=_guid("subtheme", f"{theme}\x1f{subtheme}"),
                name=subtheme,
                isCodable="false",
            )
        _sub(
            sub_el[(theme, subtheme)],
            "Code",
            guid=_guid("code", code_id),
            name=text or code_id,
            isCodable="true",
        )
    questions = sorted(set(int(q) for q in seg["question"]))
    branch = _sub(
        codes_el, "Code", guid=_guid("branch", "Questions"), name="Questions", isCodable="false"
    )
    for q in questions:
        _sub(branch, "Code", guid=_guid("question", str(q)), name=f"Question {q}", isCodable="true")

    # variables and cases
    if people is not None and len(people):
        variables = _sub(root, "Variables")
        role_var = _guid("variable", "role")
        group_var = _guid("variable", "focus group")
        _sub(variables, "Variable", guid=role_var, name="role", typeOfVariable="Text")
        _sub(variables, "Variable", guid=group_var, name="focus group", typeOfVariable="Text")

    # sources: one per focus group, paragraphs in (question, segment_id) order
    ordered = seg.assign(_order=range(len(seg))).sort_values(
        ["focus_group", "question", "segment_id", "_order"], kind="mergesort"
    )
    sources: dict[str, str] = {}
    selections_of: dict[str, list[str]] = {}
    source_els = []
    for group, rows in ordered.groupby("focus_group", sort=True):
        parts: list[str] = []
        offset = 0
        spans: dict[str, tuple[int, int]] = {}
        q_span: dict[int, list[int]] = {}
        for sid, block in rows.groupby("segment_id", sort=False):
            words = next((t for t in block.get("text", pd.Series(dtype=object)) if t), "")
            paragraph = words if words else placeholder(str(sid))
            paragraph = paragraph.replace("\r\n", "\n").replace("\r", "\n").replace("\n", " ")
            start = offset
            end = start + len(paragraph)
            spans[str(sid)] = (start, end)
            q = int(block["question"].iloc[0])
            q_span.setdefault(q, [start, end])
            q_span[q][0] = min(q_span[q][0], start)
            q_span[q][1] = max(q_span[q][1], end)
            parts.append(paragraph)
            offset = end + 1  # the newline between paragraphs
        text = "\n".join(parts) + "\n"
        source_guid = _guid("source", str(group))
        member = f"sources/{source_guid}.txt"
        sources[member] = text
        src = ET.Element(
            f"{{{NAMESPACE}}}TextSource",
            {
                "guid": source_guid,
                "name": str(group),
                "plainTextPath": f"internal://{source_guid}.txt",
            },
        )
        source_els.append(src)
        for row in rows.itertuples(index=False):
            sid, code_id = str(row.segment_id), str(row.code_id)
            s, e = spans[sid]
            sel_guid = _guid("selection", f"{sid}\x1f{code_id}")
            sel = _sub(
                src,
                "PlainTextSelection",
                guid=sel_guid,
                name=sid,
                startPosition=str(s),
                endPosition=str(e),
            )
            coder = str(getattr(row, "coder", "") or "")
            attrs = {"guid": _guid("coding", f"{sid}\x1f{code_id}")}
            attrs["creatingUser"] = user_guid.get(coder, user_guid[""])
            coding = _sub(sel, "Coding", **attrs)
            _sub(coding, "CodeRef", targetGUID=_guid("code", code_id))
            selections_of.setdefault(str(row.participant_id), []).append(sel_guid)
        for q in sorted(q_span):
            s, e = q_span[q]
            sel = _sub(
                src,
                "PlainTextSelection",
                guid=_guid("question-span", f"{group}\x1f{q}"),
                name=f"{group} question {q}",
                startPosition=str(s),
                endPosition=str(e),
            )
            coding = _sub(
                sel,
                "Coding",
                guid=_guid("question-coding", f"{group}\x1f{q}"),
                creatingUser=user_guid[""],
            )
            _sub(coding, "CodeRef", targetGUID=_guid("question", str(q)))

    if people is not None and len(people):
        cases = _sub(root, "Cases")
        for row in people.sort_values("participant_id", kind="mergesort").itertuples(index=False):
            pid = str(row.participant_id)
            case = _sub(cases, "Case", guid=_guid("case", pid), name=pid)
            for var_guid, value in ((role_var, str(row.role)), (group_var, str(row.focus_group))):
                vv = _sub(case, "VariableValue")
                _sub(vv, "VariableRef", targetGUID=var_guid)
                _sub(vv, "TextValue").text = value
            for sel_guid in selections_of.get(pid, []):
                _sub(case, "SelectionRef", targetGUID=sel_guid)
    sources_el = _sub(root, "Sources")
    sources_el.extend(source_els)

    # valence as code sets
    valences = sorted(set(book.get("valence", pd.Series(dtype=object))) - {""})
    if valences:
        sets = _sub(root, "Sets")
        for valence in valences:
            label_name = {"success": "Successes", "challenge": "Challenges"}.get(valence, valence)
            s_el = _sub(sets, "Set", guid=_guid("set", valence), name=label_name)
            for code_id in book.loc[book["valence"] == valence, "code_id"]:
                _sub(s_el, "MemberCode", targetGUID=_guid("code", code_id))
    _sub(root, "Description").text = (
        "Exported by synth (Thomson, Waterson & Chatterjee 2024, doi:10.1186/s12939-024-02216-1). "
        "Paragraphs whose words were never published are marked '[paragraph ID: text not "
        "published]'. Positions count Unicode code points."
    )
    ET.indent(root, space="  ")
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    xml = xml.replace(
        b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="utf-8"?>'
    )
    return xml + b"\n", sources


def export_qdpx(data: Any, out: str | os.PathLike[str], *, name: str = "synth") -> Path:
    """Write a coded dataset as a REFI-QDA project (``.qdpx``), byte-reproducibly.

    The codebook becomes Theme > Subtheme > Code (themes and subthemes not codable), plus a root
    code ``Questions`` with one code per question whose coding spans each group's answers to it.
    Each focus group is one text source whose text is its paragraphs in (question, segment)
    order, one per line; a paragraph without published words is written as
    ``[paragraph ID: text not published]``. Each coding reference is one selection of its
    paragraph (named by ``segment_id``) with one coding. Participants are cases with ``role`` and
    ``focus group`` variables, referring to their selections; valences are the code sets
    ``Successes`` and ``Challenges``. Guids are uuid5 of the ids and zip timestamps are fixed.

    Parameters
    ----------
    data
        A :class:`synth.io.CodedData`.
    out
        The ``.qdpx`` file to write (atomically).
    name
        The project's name.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    DataError
        A segment's code is not in the codebook.

    Examples
    --------
    >>> export_qdpx(load_coded_data("data/raw"), "study.qdpx")  # doctest: +SKIP
    PosixPath('study.qdpx')
    """
    xml, sources = project_xml(data, name=name)
    members = [("project.qde", xml)] + [(k, sources[k].encode("utf-8")) for k in sorted(sources)]
    payload = zip_bytes(members)
    out = Path(out)
    with atomic_file(out) as tmp:
        tmp.write_bytes(payload)
    return out


# --- commands --------------------------------------------------------------------------------
