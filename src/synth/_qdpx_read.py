"""Parse a REFI-QDA project (``project.qde`` plus sources) into flat tables.

This is the vendor-neutral part of the import: codes, users, cases and every ``Coding`` with its
selection, source, positions and text. :mod:`synth.qdpx` applies a mapping on top of it.
"""

from __future__ import annotations

import bisect
import warnings
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import DataError
from ._qdpx_archive import ProjectFiles, parse_xml

__all__ = ["QdpxWarning", "Project", "CodingRow", "read_project", "is_word_boundary"]

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


class QdpxWarning(UserWarning):
    """Warned when a REFI-QDA project is imported with something missing or doubtful.

    Examples: a source's text is not in the archive (its codings are kept with empty text); most
    text cuts do not land on word boundaries (the positions may be in other units); a coding could
    not be placed in a question or assigned to a participant.
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
    """One ``Coding`` element with everything known about where it sits."""

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


@dataclass
class CaseNode:
    """One ``Case``: a participant in NVivo's speaker case nodes."""

    guid: str
    name: str
    variables: dict[str, str]
    source_refs: list[str]
    selection_refs: list[str]


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
    cases, variables, sets
        Cases, variable names (in order) and code sets (name -> member code guids).
    selections
        Selection guid -> (container guid, start, end) for text selections.
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
    selections: dict[str, tuple[str, int, int]] = field(default_factory=dict)
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

    def index(self, position: int, units: str) -> tuple[int, bool]:
        """Return (string index, whether the position splits a character)."""
        if units == "codepoints" or not self._astral:
            return min(max(position, 0), len(self.text)), False
        position = min(max(position, 0), self.n_units)
        before = bisect.bisect_left(self._astral, position)
        split = before > 0 and self._astral[before - 1] == position - 1
        return position - before, split


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    text = raw.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def read_project(files: ProjectFiles, *, positions: str = "auto") -> Project:
    """Read every code, case and coding of an opened project.

    Parameters
    ----------
    files
        From :func:`synth._qdpx_archive.open_project`.
    positions
        ``"auto"`` (UTF-16 code units when the origin names NVivo, else code points), ``"utf16"``
        or ``"codepoints"``.

    Returns
    -------
    Project

    Raises
    ------
    DataError
        Not a REFI-QDA project, a required attribute is missing, or a coding refers to a code
        that is not in the codebook.

    Warns
    -----
    QdpxWarning
        Once per text source whose text is missing; once when most cuts miss word boundaries.
    """
    where = f"{files.path}:{files.qde_name}" if files.members else str(files.path)
    root = parse_xml(files.xml, where)
    if _local(root.tag) != "Project":
        raise DataError(
            f"not a REFI-QDA project: the root element is <{_local(root.tag)}>, not <Project>",
            path=where,
        )
    origin = root.get("origin") or ""
    units = positions
    if units == "auto":
        units = "utf16" if "nvivo" in origin.lower() else "codepoints"

    users = {}
    users_el = _child(root, "Users")
    if users_el is not None:
        for u in _children(users_el, "User"):
            users[(u.get("guid") or "").lower()] = u.get("name") or u.get("id") or ""

    codes: list[CodeNode] = []

    def walk_codes(parent_el: Any, parent: CodeNode | None) -> None:
        for c in _children(parent_el, "Code"):
            guid = c.get("guid")
            if not guid:
                raise DataError("a <Code> has no guid", path=where, column="Code")
            name = c.get("name") or ""
            desc_el = _child(c, "Description")
            node = CodeNode(
                guid=guid,
                name=name,
                parent=parent.guid if parent else None,
                path=(parent.path if parent else ()) + (name,),
                is_codable=(c.get("isCodable", "true").strip().lower() in ("true", "1")),
                description=(desc_el.text or "").strip() if desc_el is not None else "",
            )
            codes.append(node)
            walk_codes(c, node)

    book = _child(root, "CodeBook")
    if book is not None:
        codes_el = _child(book, "Codes")
        if codes_el is not None:
            walk_codes(codes_el, None)
    code_ids = {c.guid.lower(): c.guid for c in codes}

    project = Project(name=root.get("name") or "", origin=origin, units=units, codes=codes, rows=[])
    texts: dict[str, _Text | None] = {}
    missing_codings: dict[str, int] = {}
    missing_names: dict[str, str] = {}
    unknown_codes: list[str] = []

    def container_text(container: Any, source_name: str) -> _Text | None:
        guid = container.get("guid") or id(container)
        key = str(guid)
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
            missing_names[key] = source_name
        return result

    def coder_of(coding: Any, selection: Any) -> str:
        for guid in (coding.get("creatingUser"), selection.get("creatingUser")):
            if guid and guid.lower() in users:
                return users[guid.lower()]
        return ""

    def add_codings(holder: Any, kind: str, source: Any, container: Any | None) -> None:
        sel_id = holder.get("guid") or ""
        start = end = None
        text = ""
        on_boundary: bool | None = None
        codings = _children(holder, "Coding")
        if not codings:
            return
        if kind == "PlainTextSelection" and container is not None:
            try:
                s_raw, e_raw = int(holder.get("startPosition")), int(holder.get("endPosition"))
            except (TypeError, ValueError) as exc:
                raise DataError(
                    f"selection {sel_id} has no integer startPosition/endPosition",
                    path=where,
                    column="PlainTextSelection",
                ) from exc
            start, end = s_raw, e_raw
            project.selections[sel_id] = (str(container.get("guid")), s_raw, e_raw)
            body = container_text(container, source.get("name") or "")
            if body is None:
                key = str(container.get("guid") or id(container))
                missing_codings[key] = missing_codings.get(key, 0) + len(codings)
            else:
                i, split_i = body.index(s_raw, units)
                j, split_j = body.index(e_raw, units)
                text = body.text[i:j]
                on_boundary = (
                    not split_i
                    and not split_j
                    and is_word_boundary(body.text, i)
                    and is_word_boundary(body.text, j)
                )
        elif kind == "PDFSelection":
            rep = _child(holder, "Representation")
            content = _child(rep, "PlainTextContent") if rep is not None else None
            text = (content.text or "") if content is not None else ""
        for coding in codings:
            ref = _child(coding, "CodeRef")
            target = (ref.get("targetGUID") if ref is not None else None) or ""
            if target.lower() not in code_ids:
                unknown_codes.append(target or "(no CodeRef)")
                continue
            project.rows.append(
                CodingRow(
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
                )
            )

    def walk_source(elem: Any, source: Any, container: Any | None) -> None:
        add_codings(elem, _local(elem.tag), source, container)  # codings of the whole element
        for child in elem:
            tag = _local(child.tag)
            if tag in _SELECTIONS:
                add_codings(child, tag, source, container)
                for sub in child:
                    if _local(sub.tag) in _TEXT_CONTAINERS:
                        walk_source(sub, source, sub)
            elif tag in _TEXT_CONTAINERS:
                walk_source(child, source, child)

    sources_el = _child(root, "Sources")
    if sources_el is not None:
        for src in sources_el:
            tag = _local(src.tag)
            if tag in _SOURCES:
                walk_source(src, src, src if tag == "TextSource" else None)

    if unknown_codes:
        raise DataError(
            "codings refer to codes that are not in the codebook",
            path=where,
            column="CodeRef/@targetGUID",
            rows=unknown_codes,
        )

    for key, n in missing_codings.items():
        name = missing_names.get(key, key)
        project.missing_sources.append(name)
        warnings.warn(
            f"{files.path.name}: the text of source {name!r} is not in the file; its {n} "
            f"coding{'s are' if n != 1 else ' is'} kept with empty text",
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
                f"word boundaries when positions are read as {units} (origin {origin!r}); the "
                "positions may be in other units (set positions = 'utf16' or 'codepoints' in the "
                "mapping)",
                QdpxWarning,
                stacklevel=2,
            )

    variables: dict[str, str] = {}
    vars_el = _child(root, "Variables")
    if vars_el is not None:
        for v in _children(vars_el, "Variable"):
            variables[(v.get("guid") or "").lower()] = v.get("name") or ""
    project.variables = list(variables.values())
    cases_el = _child(root, "Cases")
    if cases_el is not None:
        for case in _children(cases_el, "Case"):
            values: dict[str, str] = {}
            for vv in _children(case, "VariableValue"):
                ref = _child(vv, "VariableRef")
                vname = variables.get(
                    ((ref.get("targetGUID") if ref is not None else "") or "").lower()
                )
                value_el = next((c for c in vv if _local(c.tag) != "VariableRef"), None)
                if vname and value_el is not None:
                    values[vname] = (value_el.text or "").strip()
            project.cases.append(
                CaseNode(
                    guid=case.get("guid") or "",
                    name=case.get("name") or case.get("guid") or "",
                    variables=values,
                    source_refs=[r.get("targetGUID") or "" for r in _children(case, "SourceRef")],
                    selection_refs=[
                        r.get("targetGUID") or "" for r in _children(case, "SelectionRef")
                    ],
                )
            )
    sets_el = _child(root, "Sets")
    if sets_el is not None:
        for s in _children(sets_el, "Set"):
            members = [
                code_ids.get((m.get("targetGUID") or "").lower(), "")
                for m in _children(s, "MemberCode")
            ]
            project.sets.setdefault(s.get("name") or "", []).extend(m for m in members if m)
    return project
