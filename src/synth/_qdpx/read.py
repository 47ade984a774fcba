"""Parse a REFI-QDA project (``project.qde`` plus sources) into flat tables.

This is the vendor-neutral part of the import: codes, users, cases, sets and every ``Coding`` with
its selection, source, positions and text. :mod:`synth._qdpx.importer` applies a mapping on top.

Hostile content is bounded here: codes and selections nested deeper than ``Limits.max_depth`` are
refused (the walks are iterative, so no ``RecursionError``); positions that are negative, reversed
or beyond 2**63 are errors and positions past the end of a text are a named warning; each
source's text is read once, and the text quoted by all codings together is capped at
``Limits.max_quoted`` characters before any of it is copied.
"""

from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import DataError, UnsafeInputError
from .archive import ProjectFiles, excerpt, parse_xml

__all__ = [
    "NAMESPACE",
    "QdpxWarning",
    "Project",
    "CodeNode",
    "CodingRow",
    "CaseNode",
    "SourceText",
    "read_project",
    "is_word_boundary",
]

NAMESPACE = "urn:QDA-XML:project:1.0"

_SELECTIONS = {
    "PlainTextSelection",
    "PictureSelection",
    "PDFSelection",
    "AudioSelection",
    "VideoSelection",
    "TranscriptSelection",
}
_SOURCES = {"TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource"}
_TEXT_CONTAINERS = {"TextSource", "Representation", "TextDescription", "Transcript"}
_MAX_POSITION = 2**63 - 1
_INTEGER = re.compile(r"\s*[+-]?\d{1,40}\s*")


class QdpxWarning(UserWarning):
    """Warned when a REFI-QDA project is imported with something missing or doubtful.

    Examples: a source's text is not in the archive (its codings are kept with empty text); most
    text cuts do not land on word boundaries (the positions may be in other units); a selection
    ends past its text; a coding could not be placed in a question or assigned to a participant.
    """


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if "}" in text else text


def _children(elem: Any, name: str) -> list[Any]:
    return [c for c in elem if _local(c.tag) == name]


def _child(elem: Any, name: str) -> Any | None:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


@dataclass
class CodeNode:
    """One ``Code`` of the codebook."""

    guid: str
    name: str
    parent: str | None
    path: tuple[str, ...]
    is_codable: bool
    description: str = ""

    @property
    def depth(self) -> int:
        """1 for root codes."""
        return len(self.path)


@dataclass
class CodingRow:
    """One ``Coding`` element with everything known about where it sits.

    ``start``/``end`` are the positions as written; ``i``/``j`` the string indices into the
    container's text that they resolve to (None without a text).
    """

    coding_id: str
    code_id: str
    selection_id: str
    selection_type: str
    selection_name: str
    source_id: str
    source: str
    container_id: str
    start: int | None
    end: int | None
    text: str
    coder: str
    on_boundary: bool | None = None
    i: int | None = None
    j: int | None = None


@dataclass
class CaseNode:
    """One ``Case``: a participant in NVivo's speaker case nodes."""

    guid: str
    name: str
    variables: dict[str, str]
    source_refs: list[str]
    selection_refs: list[str]


@dataclass
class SourceText:
    """The text of one text container (a ``TextSource``, or a PDF's representation)."""

    container_id: str
    source_id: str
    source: str
    text: str


@dataclass
class Project:
    """The flat content of a REFI-QDA project.

    Attributes
    ----------
    origin
        The ``origin`` attribute (the software that wrote it).
    units
        ``"utf16"`` or ``"codepoints"``: how text positions were read.
    codes
        Codebook in document order.
    rows
        One :class:`CodingRow` per ``Coding``, in document order.
    cases, variables, sets, source_sets
        Cases, variable names (in order), code sets (name -> member code guids) and source sets
        (name -> member source guids), in document order.
    selections
        Selection guid -> (container guid, start, end) for text selections.
    texts
        Container guid -> its text, once per container (only containers whose text was read).
    sources
        (guid, name, tag) of every source, in document order.
    missing_sources
        Names of text sources whose text was not available.
    boundary_share
        Share of text codings whose cut lands on word boundaries at both ends (None: no text).
    """

    name: str
    origin: str
    units: str
    codes: list[CodeNode]
    rows: list[CodingRow]
    cases: list[CaseNode] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    sets: dict[str, list[str]] = field(default_factory=dict)
    source_sets: dict[str, list[str]] = field(default_factory=dict)
    selections: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    texts: dict[str, SourceText] = field(default_factory=dict)
    sources: list[tuple[str, str, str]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    missing_sources: list[str] = field(default_factory=list)
    boundary_share: float | None = None
    n_cut: int = 0
    n_boundary: int = 0


def is_word_boundary(text: str, index: int) -> bool:
    """True when ``index`` does not fall inside a word of ``text``.

    Examples
    --------
    >>> is_word_boundary("ab cd", 2), is_word_boundary("ab cd", 1), is_word_boundary("ab", 2)
    (True, False, True)
    """
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    return not ((before.isalnum() or before == "_") and (after.isalnum() or after == "_"))


class _Text:
    """A source text with conversion from UTF-16 code units to string indices."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._astral: list[int] = []  # UTF-16 offsets of characters outside the BMP
        units = 0
        for ch in text:
            if ord(ch) > 0xFFFF:
                self._astral.append(units)
                units += 2
            else:
                units += 1
        self.n_units = units

    def size(self, units: str) -> int:
        """The text's length in the position units."""
        return len(self.text) if units == "codepoints" else self.n_units

    def index(self, position: int, units: str) -> tuple[int, bool]:
        """Return (string index, whether the position splits a character); ``position`` must lie
        within ``0..size(units)``."""
        if units == "codepoints" or not self._astral:
            return position, False
        before = bisect.bisect_left(self._astral, position)
        split = before > 0 and self._astral[before - 1] == position - 1
        return position - before, split


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    text = raw.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _position(holder: Any, attr: str, where: str) -> int:
    guid = excerpt(holder.get("guid") or "(no guid)", 40)
    raw = holder.get(attr)
    if raw is None or not _INTEGER.fullmatch(raw):
        raise DataError(
            f"selection {guid}: {attr} {excerpt(raw) if raw is not None else '(missing)'} is not "
            "an integer",
            path=where,
            column="PlainTextSelection",
        )
    value = int(raw)
    if value < 0:
        raise DataError(
            f"selection {guid}: {attr} {value} is negative", path=where, column="PlainTextSelection"
        )
    if value > _MAX_POSITION:
        raise DataError(
            f"selection {guid}: {attr} {excerpt(raw.strip(), 24)} is beyond 2**63",
            path=where,
            column="PlainTextSelection",
        )
    return value


def read_project(files: ProjectFiles, *, positions: str = "auto") -> Project:
    """Read every code, case, set and coding of an opened project.

    Parameters
    ----------
    files
        From :func:`synth._qdpx.archive.open_project`.
    positions
        ``"auto"`` (UTF-16 code units when the origin names NVivo, else code points), ``"utf16"``
        or ``"codepoints"``.

    Returns
    -------
    Project

    Raises
    ------
    DataError
        Not a REFI-QDA project, a required attribute is missing, a position is not a
        non-negative integer below 2**63 or a selection ends before it starts, or a coding refers
        to a code that is not in the codebook.
    UnsafeInputError
        Codes or selections nest deeper than ``files.limits.max_depth``, or the codings quote
        more than ``files.limits.max_quoted`` characters in all.

    Warns
    -----
    QdpxWarning
        Once per text source whose text is missing; once when selections end past their text;
        once when most cuts miss word boundaries.
    """
    limits = files.limits
    where = f"{files.path}:{files.qde_name}" if files.members else str(files.path)
    root = parse_xml(files.xml, where)
    if _local(root.tag) != "Project":
        raise DataError(
            f"not a REFI-QDA project: the root element is <{_local(root.tag)[:40]}>, not <Project>",
            path=where,
        )
    origin = root.get("origin") or ""
    units = positions
    if units == "auto":
        units = "utf16" if "nvivo" in origin.lower() else "codepoints"

    users: dict[str, str] = {}
    users_el = _child(root, "Users")
    if users_el is not None:
        for u in _children(users_el, "User"):
            users[(u.get("guid") or "").lower()] = u.get("name") or u.get("id") or ""

    codes = _read_codes(root, where, limits.max_depth)
    code_ids = {c.guid.lower(): c.guid for c in codes}

    project = Project(
        name=root.get("name") or "",
        origin=origin,
        units=units,
        codes=codes,
        rows=[],
        users={k: v for k, v in users.items() if k},
    )
    texts: dict[str, _Text | None] = {}
    missing_codings: dict[str, int] = {}
    missing_names: dict[str, str] = {}
    unknown_codes: list[str] = []
    past_end: list[tuple[str, int, int]] = []
    # (row, container key) for text rows: the text is cut once the total is known to be bounded
    pending: list[tuple[CodingRow, str]] = []
    quoted = 0

    def container_text(container: Any, source: Any) -> _Text | None:
        key = str(container.get("guid") or id(container))
        if key in texts:
            return texts[key]
        content = _child(container, "PlainTextContent")
        result: _Text | None = None
        if content is not None and content.text is not None:
            result = _Text(content.text)
        else:
            member = files.source_member(container.get("plainTextPath"))
            if member is not None:
                result = _Text(_decode(files.read_member(member)))
        texts[key] = result
        if result is None:
            missing_names[key] = source.get("name") or ""
        else:
            project.texts[key] = SourceText(
                container_id=key,
                source_id=source.get("guid") or "",
                source=source.get("name") or "",
                text=result.text,
            )
        return result

    def coder_of(coding: Any, selection: Any) -> str:
        for guid in (coding.get("creatingUser"), selection.get("creatingUser")):
            if guid and guid.lower() in users:
                return users[guid.lower()]
        return ""

    def add_codings(holder: Any, kind: str, source: Any, container: Any | None) -> None:
        nonlocal quoted
        sel_id = holder.get("guid") or ""
        start = end = None
        i = j = None
        text = ""
        on_boundary: bool | None = None
        codings = _children(holder, "Coding")
        if kind == "PlainTextSelection" and container is not None:
            start = _position(holder, "startPosition", where)
            end = _position(holder, "endPosition", where)
            if start > end:
                raise DataError(
                    f"selection {excerpt(sel_id or '(no guid)', 40)}: startPosition {start} is "
                    f"after endPosition {end}",
                    path=where,
                    column="PlainTextSelection",
                )
            key = str(container.get("guid") or id(container))
            project.selections[sel_id] = (key, start, end)
            if not codings:
                return
            body = container_text(container, source)
            if body is None:
                missing_codings[key] = missing_codings.get(key, 0) + len(codings)
            else:
                size = body.size(units)
                if end > size:
                    past_end.append((sel_id, end, size))
                i, split_i = body.index(min(start, size), units)
                j, split_j = body.index(min(end, size), units)
                on_boundary = (
                    not split_i
                    and not split_j
                    and is_word_boundary(body.text, i)
                    and is_word_boundary(body.text, j)
                )
                quoted += (j - i) * len(codings)
                if quoted > limits.max_quoted:
                    raise UnsafeInputError(
                        f"{where}: the codings select more than {limits.max_quoted:,} characters "
                        "of text in all (overlapping selections of a large source?); refusing "
                        "the project"
                    )
        elif not codings:
            return
        elif kind == "PDFSelection":
            rep = _child(holder, "Representation")
            content = _child(rep, "PlainTextContent") if rep is not None else None
            text = (content.text or "") if content is not None else ""
            quoted += len(text) * len(codings)
        for coding in codings:
            ref = _child(coding, "CodeRef")
            target = (ref.get("targetGUID") if ref is not None else None) or ""
            if target.lower() not in code_ids:
                plain = re.fullmatch(r"[\w{}-]{1,40}", target)
                unknown_codes.append(target if plain else excerpt(target, 40) if target else "(no CodeRef)")
                continue
            row = CodingRow(
                coding_id=coding.get("guid") or "",
                code_id=code_ids[target.lower()],
                selection_id=sel_id,
                selection_type=kind,
                selection_name=holder.get("name") or "",
                source_id=source.get("guid") or "",
                source=source.get("name") or "",
                container_id=str(container.get("guid")) if container is not None else "",
                start=start,
                end=end,
                text=text.replace("\r\n", "\n").replace("\r", "\n"),
                coder=coder_of(coding, holder),
                on_boundary=on_boundary,
                i=i,
                j=j,
            )
            project.rows.append(row)
            if i is not None and container is not None:
                pending.append((row, str(container.get("guid") or id(container))))

    def walk_source(src: Any, tag: str) -> None:
        # iterative: (element, kind, container, depth); selections nest inside representations
        stack: list[tuple[Any, str, Any | None, int]] = [
            (src, tag, src if tag == "TextSource" else None, 1)
        ]
        while stack:
            elem, kind, container, depth = stack.pop()
            if depth > limits.max_depth:
                raise UnsafeInputError(
                    f"{where}: selections in source {excerpt(src.get('name') or '', 40)} nest "
                    f"more than {limits.max_depth} levels deep; refusing the project"
                )
            add_codings(elem, kind, src, container)  # codings of the whole element
            later: list[tuple[Any, str, Any | None, int]] = []
            for child in elem:
                ctag = _local(child.tag)
                if ctag in _SELECTIONS:
                    later.append((child, ctag, container, depth + 1))
                elif ctag in _TEXT_CONTAINERS:
                    later.append((child, ctag, child, depth + 1))
            stack.extend(reversed(later))

    sources_el = _child(root, "Sources")
    if sources_el is not None:
        for src in sources_el:
            tag = _local(src.tag)
            if tag in _SOURCES:
                project.sources.append((src.get("guid") or "", src.get("name") or "", tag))
                if tag == "TextSource":
                    container_text(src, src)  # read once, also without codings (inspection)
                walk_source(src, tag)

    if unknown_codes:
        raise DataError(
            "codings refer to codes that are not in the codebook",
            path=where,
            column="CodeRef/@targetGUID",
            rows=unknown_codes,
        )

    for row, key in pending:
        body = texts.get(key)
        if body is not None and row.i is not None and row.j is not None:
            row.text = body.text[row.i : row.j].replace("\r\n", "\n").replace("\r", "\n")

    for key, n in missing_codings.items():
        name = missing_names.get(key, key)
        project.missing_sources.append(name)
        warnings.warn(
            f"{files.path.name}: the text of source {excerpt(name)} is not in the file; its {n} "
            f"coding{'s are' if n != 1 else ' is'} kept with empty text",
            QdpxWarning,
            stacklevel=2,
        )
    if past_end:
        sel, end, size = past_end[0]
        warnings.warn(
            f"{files.path.name}: {len(past_end)} selection(s) end past the end of their text "
            f"(first: {excerpt(sel, 40)}, endPosition {end}, text length {size} {units}); their "
            "text is cut at the end of the source",
            QdpxWarning,
            stacklevel=2,
        )

    judged = [r.on_boundary for r in project.rows if r.on_boundary is not None]
    if judged:
        project.n_cut = len(judged)
        project.n_boundary = sum(bool(b) for b in judged)
        project.boundary_share = project.n_boundary / project.n_cut
        if project.boundary_share < 0.5:
            warnings.warn(
                f"{files.path.name}: only {project.n_boundary} of {project.n_cut} text cuts land on "
                f"word boundaries when positions are read as {units} (origin {excerpt(origin)}); "
                "the positions may be in other units (set positions = 'utf16' or 'codepoints' in "
                "the mapping)",
                QdpxWarning,
                stacklevel=2,
            )

    _read_cases(root, project)
    _read_sets(root, project, code_ids)
    return project


def _read_codes(root: Any, where: str, max_depth: int) -> list[CodeNode]:
    codes: list[CodeNode] = []
    book = _child(root, "CodeBook")
    codes_el = _child(book, "Codes") if book is not None else None
    if codes_el is None:
        return codes
    stack: list[tuple[Any, CodeNode | None]] = [(c, None) for c in reversed(_children(codes_el, "Code"))]
    while stack:
        c, parent = stack.pop()
        guid = c.get("guid")
        if not guid:
            raise DataError("a <Code> has no guid", path=where, column="Code")
        name = c.get("name") or ""
        path = (parent.path if parent else ()) + (name,)
        if len(path) > max_depth:
            raise UnsafeInputError(
                f"{where}: codes nest more than {max_depth} levels deep (under "
                f"{excerpt(path[0], 40)}); refusing the project"
            )
        desc_el = _child(c, "Description")
        node = CodeNode(
            guid=guid,
            name=name,
            parent=parent.guid if parent else None,
            path=path,
            is_codable=(c.get("isCodable", "true").strip().lower() in ("true", "1")),
            description=(desc_el.text or "").strip() if desc_el is not None else "",
        )
        codes.append(node)
        stack.extend((k, node) for k in reversed(_children(c, "Code")))
    return codes


def _read_cases(root: Any, project: Project) -> None:
    variables: dict[str, str] = {}
    vars_el = _child(root, "Variables")
    if vars_el is not None:
        for v in _children(vars_el, "Variable"):
            variables[(v.get("guid") or "").lower()] = v.get("name") or ""
    project.variables = list(variables.values())
    cases_el = _child(root, "Cases")
    if cases_el is None:
        return
    for case in _children(cases_el, "Case"):
        values: dict[str, str] = {}
        for vv in _children(case, "VariableValue"):
            ref = _child(vv, "VariableRef")
            vname = variables.get(((ref.get("targetGUID") if ref is not None else "") or "").lower())
            value_el = next((c for c in vv if _local(c.tag) != "VariableRef"), None)
            if vname and value_el is not None:
                values[vname] = (value_el.text or "").strip()
        project.cases.append(
            CaseNode(
                guid=case.get("guid") or "",
                name=case.get("name") or case.get("guid") or "",
                variables=values,
                source_refs=[r.get("targetGUID") or "" for r in _children(case, "SourceRef")],
                selection_refs=[r.get("targetGUID") or "" for r in _children(case, "SelectionRef")],
            )
        )


def _read_sets(root: Any, project: Project, code_ids: dict[str, str]) -> None:
    sets_el = _child(root, "Sets")
    if sets_el is None:
        return
    source_ids = {g.lower(): g for g, _, _ in project.sources}
    for s in _children(sets_el, "Set"):
        name = s.get("name") or ""
        codes = [code_ids.get((m.get("targetGUID") or "").lower(), "") for m in _children(s, "MemberCode")]
        members = [
            source_ids.get((m.get("targetGUID") or "").lower(), "")
            for m in _children(s, "MemberSource")
        ]
        if codes or not members:
            project.sets.setdefault(name, []).extend(m for m in codes if m)
        if members:
            project.source_sets.setdefault(name, []).extend(m for m in members if m)
