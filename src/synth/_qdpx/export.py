"""Write a coded dataset as a REFI-QDA project that QDA software reads completely.

The layout (``docs/qdpx-mapping.md``, "Export"):

- codes: Theme > Successes / Challenges > Subtheme > Code (Appendix 1's layout), then a root
  ``Questions`` with ``Question 1`` ... Names are unique across the codebook: a name that occurs
  more than once gets its theme in brackets (the full path when that is not enough), and the code's
  ``Description`` keeps the original name (``original name: ...``);
- one text source per focus group: ``Question N`` headings, then one paragraph per line, each
  opening with the speaker label ``P001: ``; a paragraph whose words were never published reads
  ``[paragraph ID: text not published]``. Each source is also written as a ``.docx``
  (``richTextPath``), as NVivo and ATLAS.ti do;
- one ``PlainTextSelection`` with one ``Coding`` per coding reference, over the paragraph's words;
- cases with ``role`` and ``focus group`` and a ``SelectionRef`` to each of their selections;
  sets ``Successes`` and ``Challenges``;
- every element carries the attributes that NVivo (Mac and Windows) and ATLAS.ti all write:
  ``creatingUser``, ``creationDateTime`` (from ``SOURCE_DATE_EPOCH``, default 1980-01-01), and
  so on; guids are uuid5 of the ids, so the same data give the same bytes.
"""

from __future__ import annotations

import os
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from .. import __version__
from .._atomic import atomic_file
from .._exceptions import DataError
from .._zip import zip_bytes
from ..io import CodedData
from .archive import excerpt
from .mapping import DEFAULT_VALENCE_NAMES, name_key
from .read import NAMESPACE

__all__ = [
    "PLACEHOLDER_PATTERN",
    "ORIGINAL_NAME",
    "ExportCounts",
    "placeholder",
    "unique_names",
    "project_xml",
    "export_counts",
    "export_qdpx",
    "docx_bytes",
]

#: The text written for a paragraph whose words were never published.
PLACEHOLDER_PATTERN = re.compile(r"^\[paragraph (?P<id>.+): text not published\]$")
#: How a renamed code's Description keeps its original name (one line).
ORIGINAL_NAME = "original name: "

_NS_UUID = uuid.UUID("6f1c7c1e-6a55-5b1f-9d0e-73796e746831")  # fixed: exports are reproducible
_EPOCH_DEFAULT = 315532800  # 1980-01-01T00:00:00Z, the zip epoch
# characters XML 1.0 does not allow (in names, ids, and the .docx copy of the text)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def placeholder(segment_id: str) -> str:
    """The clearly marked stand-in for a paragraph whose words were never published.

    Examples
    --------
    >>> placeholder("S0123")
    '[paragraph S0123: text not published]'
    """
    return f"[paragraph {segment_id}: text not published]"


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NS_UUID, f"synth:{kind}:{key}"))


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)


def _coded_selection(source: ET.Element, guid: str, name: str, span: tuple[int, int], user: str,
                     when: str, coding_guid: str, code_guid: str) -> None:
    """A ``PlainTextSelection`` of ``span`` with one ``Coding`` of the code ``code_guid``, both
    created (and the selection modified) by ``user`` at ``when``, as the vendors write them."""
    start, end = span
    selection = _sub(source, "PlainTextSelection", guid=guid, name=name,
                     startPosition=str(start), endPosition=str(end), creatingUser=user,
                     creationDateTime=when, modifyingUser=user, modifiedDateTime=when)
    coding = _sub(selection, "Coding", guid=coding_guid, creatingUser=user,
                  creationDateTime=when)
    _sub(coding, "CodeRef", targetGUID=code_guid)


def _timestamp() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.isdigit() else _EPOCH_DEFAULT
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def unique_names(nodes: Iterable[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Names made unique across a code tree, by the export's documented rule.

    Each node is ``(name, ancestors)`` (the ancestors' original names from the root). A name that
    occurs once (compared without letter case, after Unicode NFC) is kept. Every occurrence of a
    name that occurs more than once gets its root ancestor (the theme) in brackets; where that is
    still not unique, the whole ancestor path (``A > B``); where even that is not unique, a number.

    Examples
    --------
    >>> unique_names([("Funding", ()), ("Trust", ("Funding",)), ("Trust", ("Partners",)),
    ...               ("Partners", ())])
    ['Funding', 'Trust (Funding)', 'Trust (Partners)', 'Partners']
    """
    items = list(nodes)
    counts: dict[str, int] = {}
    for name, _ in items:
        counts[name_key(name)] = counts.get(name_key(name), 0) + 1
    out = [name for name, _ in items]
    taken = {name_key(n) for n, _ in items if counts[name_key(n)] == 1}
    for style in ("root", "path", "number"):
        pending = [k for k, (n, _) in enumerate(items) if counts[name_key(n)] > 1 and out[k] == n]
        if not pending:
            break
        proposals: dict[int, str] = {}
        for k in pending:
            name, ancestors = items[k]
            if style == "root" and ancestors:
                proposals[k] = f"{name} ({ancestors[0]})"
            elif style == "path" and ancestors:
                proposals[k] = f"{name} ({' > '.join(ancestors)})"
            elif style == "number":
                proposals[k] = f"{name} ({' > '.join(ancestors)}) {k + 1}" if ancestors else f"{name} {k + 1}"
        seen: dict[str, int] = {}
        for value in proposals.values():
            seen[name_key(value)] = seen.get(name_key(value), 0) + 1
        for k, value in proposals.items():
            if seen[name_key(value)] == 1 and name_key(value) not in taken:
                out[k] = value
                taken.add(name_key(value))
    return out


def _check_xml_text(frame: pd.DataFrame | None, table: str, where: str) -> None:
    if frame is None:
        return
    for col in frame.columns:
        values = frame[col].astype(str)
        bad = values.str.contains(_NOT_XML)
        if bad.any():
            rows = [int(i) + 2 if isinstance(i, int) else i for i in frame.index[bad.to_numpy()]]
            first = _NOT_XML.search(values[bad].iloc[0])
            char = f"U+{ord(first.group()):04X}" if first else "?"
            raise DataError(
                f"character {char} is not allowed in a REFI-QDA project (XML 1.0 forbids it; "
                f"first value: {excerpt(values[bad].iloc[0], 40)}); remove it and export again",
                path=where or table,
                column=str(col),
                rows=rows,
            )


def _frames(data: CodedData) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    def frame(name: str) -> pd.DataFrame | None:
        value = getattr(data, name, None)
        return None if value is None else value.copy()

    seg, book, people = frame("segments"), frame("codebook"), frame("participants")
    if seg is None or book is None:
        raise DataError("a dataset needs segments and a codebook", path="export")
    paths = getattr(data, "paths", {}) or {}
    for key, table, f in (
        ("segments", "coded_segments", seg),
        ("codebook", "codebook", book),
        ("participants", "participants", people),
    ):
        if f is None:
            continue
        for col in f.columns:
            if col != "question":
                f[col] = f[col].astype(object).where(f[col].notna(), "").astype(str)
        _check_xml_text(f, table, str(paths.get(key, "")))
    seg["question"] = seg["question"].astype("int64")
    unknown = sorted(set(seg["code_id"]) - set(book["code_id"]))
    if unknown:
        raise DataError(
            "code_id not in the codebook", path="coded_segments", column="code_id", rows=unknown
        )
    bad = sorted(
        {p for p in seg["participant_id"] if not p or ":" in p or len(p) > 40 or p != p.strip()}
    )
    if bad:
        raise DataError(
            "a participant_id must work as a speaker label in the exported transcript (1-40 "
            "characters, no colon, no leading or trailing space)",
            path=str(paths.get("segments", "coded_segments")),
            column="participant_id",
            rows=[excerpt(b, 40) for b in bad],
        )
    return seg, book, people


@dataclass(frozen=True)
class ExportCounts:
    """What :func:`export_qdpx` writes for a dataset (see :func:`export_counts`)."""

    sources: int
    paragraph_codings: int
    question_codings: int
    codes: int
    cases: int | None

    def describe(self) -> str:
        """One line for a person."""
        cases = "" if self.cases is None else f", {self.cases} cases"
        return (
            f"{self.sources} sources, {self.paragraph_codings} codings on paragraphs + "
            f"{self.question_codings} on question codes, {self.codes} codes{cases}"
        )


def export_counts(data: CodedData) -> ExportCounts:
    """Count what the export of ``data`` holds: sources, codings on paragraphs, codings on the
    ``Question N`` codes (one per focus group and question), codes and cases.

    Examples
    --------
    >>> export_counts(data).describe()
    '10 sources, 977 codings on paragraphs + 80 on question codes, 186 codes, 90 cases'
    """
    seg, book, people = _frames(data)
    return ExportCounts(
        sources=int(seg["focus_group"].nunique()),
        paragraph_codings=len(seg),
        question_codings=int(seg.groupby(["focus_group", "question"]).ngroups),
        codes=len(book),
        cases=None if people is None else len(people),
    )


def project_xml(data: CodedData, *, name: str = "synth") -> tuple[bytes, dict[str, str]]:
    """Build the REFI-QDA project XML and the source texts for a coded dataset.

    Parameters
    ----------
    data
        A :class:`synth.io.CodedData`.
    name
        The project's name.

    Returns
    -------
    xml : bytes
        ``project.qde`` (UTF-8).
    sources : dict
        Archive member name (``sources/GUID.txt``) -> text of each focus group's source.

    Raises
    ------
    DataError
        A segment's code is not in the codebook; a value holds a character XML forbids; a
        participant_id cannot be a speaker label.

    Examples
    --------
    >>> xml, sources = project_xml(data)
    >>> len(sources), xml.count(b"<PlainTextSelection ")
    (10, 1057)
    """
    seg, book, people = _frames(data)
    when = _timestamp()
    ET.register_namespace("", NAMESPACE)
    synth_user = _guid("user", "synth")
    root = ET.Element(
        f"{{{NAMESPACE}}}Project",
        {
            "name": name,
            "origin": f"synth {__version__} (REFI-QDA Project Exchange 1.5)",
            "creatingUserGUID": synth_user,
            "creationDateTime": when,
            "modifyingUserGUID": synth_user,
            "modifiedDateTime": when,
            "basePath": "",
        },
    )
    coders = sorted({c for c in seg.get("coder", pd.Series(dtype=object)) if c})
    users = _sub(root, "Users")
    user_guid = {"": synth_user}
    _sub(users, "User", guid=synth_user, name="synth")
    for coder in coders:
        user_guid[coder] = _guid("user", coder)
        _sub(users, "User", guid=user_guid[coder], name=coder)

    _codebook(root, book, seg)

    if people is not None and len(people):
        variables = _sub(root, "Variables")
        role_var = _guid("variable", "role")
        group_var = _guid("variable", "focus group")
        _sub(variables, "Variable", guid=role_var, name="role", typeOfVariable="Text")
        _sub(variables, "Variable", guid=group_var, name="focus group", typeOfVariable="Text")

    sources, source_els, selections_of = _sources(seg, user_guid, when)

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

    valences = sorted(set(book.get("valence", pd.Series(dtype=object))) - {""})
    if valences:
        sets = _sub(root, "Sets")
        for valence in valences:
            label_name = DEFAULT_VALENCE_NAMES.get(valence, valence)
            s_el = _sub(sets, "Set", guid=_guid("set", valence), name=label_name)
            for code_id in book.loc[book["valence"] == valence, "code_id"]:
                _sub(s_el, "MemberCode", targetGUID=_guid("code", code_id))
    _sub(root, "Description").text = (
        "Exported by synth (Thomson, Waterson & Chatterjee 2024, doi:10.1186/s12939-024-02216-1). "
        "Each source is one focus group: 'Question N' headings, then one paragraph per line "
        "opening with the speaker's label ('P001: '). Paragraphs whose words were never "
        "published are marked '[paragraph ID: text not published]'. Codes: Theme > Successes / "
        "Challenges > Subtheme > Code; a name used twice carries its theme in brackets and its "
        "original name in its description. Positions count Unicode code points."
    )
    ET.indent(root, space="  ")
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    xml = xml.replace(
        b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="utf-8"?>'
    )
    return xml + b"\n", sources


def _codebook(root: ET.Element, book: pd.DataFrame, seg: pd.DataFrame) -> None:
    """Theme > valence > Subtheme > Code, then Questions > Question N; names made unique."""
    label = book["code"] if "code" in book.columns else book["code_id"]
    valence = book["valence"] if "valence" in book.columns else pd.Series([""] * len(book))
    # nodes in document order: (key, parent key, original name, ancestors, codable)
    nodes: list[tuple[str, str | None, str, tuple[str, ...], bool]] = []
    ancestors: tuple[str, ...]
    seen: set[str] = set()
    children: dict[str | None, list[int]] = {}

    def add(key: str, parent: str | None, name: str, ancestors: tuple[str, ...], codable: bool) -> None:
        if key in seen:
            return
        seen.add(key)
        children.setdefault(parent, []).append(len(nodes))
        nodes.append((key, parent, name, ancestors, codable))

    for code_id, theme, subtheme, text, val in zip(
        book["code_id"], book["theme"], book["subtheme"], label, valence, strict=True
    ):
        t_key = _guid("theme", theme)
        add(t_key, None, theme, (), False)
        parent, ancestors = t_key, tuple([theme])
        if val:
            v_name = DEFAULT_VALENCE_NAMES.get(val, val)
            v_key = _guid("valence", f"{theme}\x1f{val}")
            add(v_key, t_key, v_name, ancestors, False)
            parent, ancestors = v_key, ancestors + (v_name,)
        s_key = _guid("subtheme", f"{theme}\x1f{val}\x1f{subtheme}")
        add(s_key, parent, subtheme, ancestors, False)
        add(_guid("code", code_id), s_key, text or code_id, ancestors + (subtheme,), True)
    q_key = _guid("branch", "Questions")
    add(q_key, None, "Questions", (), False)
    for q in sorted(set(int(q) for q in seg["question"])):
        add(_guid("question", str(q)), q_key, f"Question {q}", ("Questions",), True)

    names = unique_names((n[2], n[3]) for n in nodes)
    codes_el = _sub(_sub(root, "CodeBook"), "Codes")

    def build(parent_el: ET.Element, parent: str | None) -> None:
        for k in children.get(parent, []):
            key, _, original, _, codable = nodes[k]
            el = _sub(parent_el, "Code", guid=key, name=names[k], isCodable=str(codable).lower())
            if names[k] != original:
                _sub(el, "Description").text = f"{ORIGINAL_NAME}{original}"
            build(el, key)

    build(codes_el, None)


def _sources(
    seg: pd.DataFrame, user_guid: dict[str, str], when: str
) -> tuple[dict[str, str], list[ET.Element], dict[str, list[str]]]:
    ordered = seg.assign(_order=range(len(seg))).sort_values(
        ["focus_group", "question", "segment_id", "_order"], kind="mergesort"
    )
    sources: dict[str, str] = {}
    selections_of: dict[str, list[str]] = {}
    source_els: list[ET.Element] = []
    synth_user = user_guid[""]
    for group, rows in ordered.groupby("focus_group", sort=True):
        parts: list[str] = []
        offset = 0
        spans: dict[str, tuple[int, int]] = {}
        q_span: dict[int, list[int]] = {}
        for sid, block in rows.groupby("segment_id", sort=False):
            q = int(block["question"].iloc[0])
            if q not in q_span:
                heading = f"Question {q}"
                parts.append(heading)
                offset += len(heading) + 1
            words = next((t for t in block.get("text", pd.Series(dtype=object)) if t), "")
            words = words if words else placeholder(str(sid))
            words = words.replace("\r\n", "\n").replace("\r", "\n").replace("\n", " ")
            speaker = f"{block['participant_id'].iloc[0]}: "
            start = offset + len(speaker)
            end = start + len(words)
            spans[str(sid)] = (start, end)
            span = q_span.setdefault(q, [offset, end])
            span[1] = max(span[1], end)
            parts.append(speaker + words)
            offset = end + 1  # the newline between paragraphs
        text = "\n".join(parts) + "\n"
        source_guid = _guid("source", str(group))
        sources[f"sources/{source_guid}.txt"] = text
        src = ET.Element(
            f"{{{NAMESPACE}}}TextSource",
            {
                "guid": source_guid,
                "name": str(group),
                "plainTextPath": f"internal://{source_guid}.txt",
                "richTextPath": f"internal://{source_guid}.docx",
                "creatingUser": synth_user,
                "creationDateTime": when,
                "modifyingUser": synth_user,
                "modifiedDateTime": when,
            },
        )
        source_els.append(src)
        for row in rows.itertuples(index=False):
            sid, code_id = str(row.segment_id), str(row.code_id)
            s, e = spans[sid]
            user = user_guid.get(str(getattr(row, "coder", "") or ""), synth_user)
            sel_guid = _guid("selection", f"{sid}\x1f{code_id}")
            _coded_selection(src, sel_guid, sid, (s, e), user, when,
                             _guid("coding", f"{sid}\x1f{code_id}"), _guid("code", code_id))
            selections_of.setdefault(str(row.participant_id), []).append(sel_guid)
        for q in sorted(q_span):
            _coded_selection(src, _guid("question-span", f"{group}\x1f{q}"),
                             f"{group} question {q}", (q_span[q][0], q_span[q][1]), synth_user, when,
                             _guid("question-coding", f"{group}\x1f{q}"),
                             _guid("question", str(q)))
    return sources, source_els, selections_of


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_bytes(text: str) -> bytes:
    """A minimal Word document holding ``text``, one paragraph per line, byte-reproducibly.

    Examples
    --------
    >>> import zipfile, io
    >>> zipfile.ZipFile(io.BytesIO(docx_bytes("a & b"))).namelist()
    ['[Content_Types].xml', '_rels/.rels', 'word/document.xml']
    """
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>' for line in lines
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    return zip_bytes(
        [
            ("[Content_Types].xml", _DOCX_TYPES.encode()),
            ("_rels/.rels", _DOCX_RELS.encode()),
            ("word/document.xml", document.encode("utf-8")),
        ]
    )


def export_qdpx(
    data: CodedData,
    out: str | os.PathLike[str],
    *,
    name: str = "synth",
    protect: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """Write a coded dataset as a REFI-QDA project (``.qdpx``), byte-reproducibly.

    The layout is described in the module docstring and in ``docs/qdpx-mapping.md``: Theme >
    Successes / Challenges > Subtheme > Code plus ``Questions`` > ``Question N``; one text source
    (and its ``.docx``) per focus group with ``Question N`` headings and ``P001: `` speaker labels;
    one selection and coding per coding reference, created by its coder; cases with ``role`` and
    ``focus group`` and their selections; sets ``Successes`` and ``Challenges``.

    Parameters
    ----------
    data
        A :class:`synth.io.CodedData`.
    out
        The ``.qdpx`` file to write (atomically: on any failure the previous file stays). An
        existing file is replaced only when it is an earlier synth export
        (:func:`written_by_synth`).
    name
        The project's name.
    protect
        Input folders ``out`` may not be inside (the data folder).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    DataError
        A segment's code is not in the codebook; a value holds a character XML forbids (the
        message names the file, column, rows and the character); a participant_id cannot be a
        speaker label.
    OutputError
        ``out`` is refused (an input, a file synth did not write) or cannot be written (a
        read-only location, a full disk); the previous file is left as it was.

    Examples
    --------
    >>> export_qdpx(data, tmp / "study.qdpx").name
    'study.qdpx'
    """
    xml, sources = project_xml(data, name=name)
    members = [("project.qde", xml)]
    for member in sorted(sources):
        members.append((member, sources[member].encode("utf-8")))
        members.append((member[: -len(".txt")] + ".docx", docx_bytes(sources[member])))
    payload = zip_bytes(members)
    out = Path(out)
    with atomic_file(out, owner=written_by_synth, protect=protect) as tmp:
        tmp.write_bytes(payload)
    return out


def written_by_synth(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a ``.qdpx`` that synth exported (its ``project.qde`` names synth as
    its origin); an export of NVivo, ATLAS.ti or anyone else is not.

    Examples
    --------
    >>> written_by_synth(export_qdpx(data, tmp / "s.qdpx")), written_by_synth("README.md")
    (True, False)
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive, archive.open("project.qde") as member:
            head = member.read(4096)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    return b'origin="synth ' in head
