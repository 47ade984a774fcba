"""The mapping file of ``synth import-qdpx --map``: how the study's structure is found in a project.

A small TOML or YAML file; every key is optional. See ``docs/qdpx-mapping.md``::

    theme_level = 1                       # code depth (roots are 1) that holds themes
    subtheme_level = 2                    # code depth that holds subthemes
    segment = "span"                      # "selection" (default) or "span"
    focus_group = "source"                # or { case_variable = "focus group" }
                                          # or { source_pattern = "(FG\\d+)" }
    question = { code_branch = "Questions" }   # or { source_pattern = "Q(\\d+)" }
    participant = "case"
    role_variable = "role"
    positions = "auto"                    # "auto" (by the project's origin), "utf16", "codepoints"

    [valence_sets]                        # code sets that give each code's valence
    success = "Successes"
    challenge = "Challenges"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._exceptions import DataError

__all__ = ["Mapping", "load_mapping", "mapping_from_dict"]

_KEYS = {
    "theme_level",
    "subtheme_level",
    "segment",
    "focus_group",
    "question",
    "participant",
    "role_variable",
    "positions",
    "valence_sets",
}


@dataclass(frozen=True)
class Mapping:
    """Where the study's structure lives in a REFI-QDA project.

    Attributes
    ----------
    theme_level, subtheme_level
        Depth of the codes that hold themes and subthemes (root codes have depth 1); a code's
        theme (subtheme) is the name of its ancestor-or-self at that depth.
    segment
        ``"selection"``: each selection is a paragraph (``segment_id`` = its guid). ``"span"``:
        selections of the same source with the same start and end are one paragraph (the guid of
        the first of them), for projects that select a span once per code.
    focus_group_source, focus_group_variable, focus_group_pattern
        The focus group is the source's name (default), a case variable of the participant's case,
        or the first group of a regular expression matched against the source's name.
    question_branch, question_pattern
        The question of a coding is the number in the name of the code, under the branch of that
        name, whose codings overlap the coding's span most; or the first group of a regular
        expression matched against the source's name (one source per question).
    participant_case
        The participant is the case whose selections (or sources) cover the coding.
    role_variable
        The case variable holding the participant's role.
    positions
        ``"auto"``: UTF-16 code units when the project's ``origin`` names NVivo, code points
        otherwise; ``"utf16"`` or ``"codepoints"`` force one.
    valence_sets
        Valence -> name of the code set whose members carry it.
    """

    theme_level: int | None = None
    subtheme_level: int | None = None
    segment: str = "selection"
    focus_group_variable: str | None = None
    focus_group_pattern: str | None = None
    question_branch: str | None = None
    question_pattern: str | None = None
    participant_case: bool = False
    role_variable: str | None = None
    positions: str = "auto"
    valence_sets: dict[str, str] = field(default_factory=dict)
    source: str = "(none)"

    @property
    def is_empty(self) -> bool:
        """True when the mapping says nothing about questions or participants."""
        return not (self.question_branch or self.question_pattern or self.participant_case)


def _err(source: str, key: str, message: str) -> DataError:
    return DataError(message, path=source, column=key)


def mapping_from_dict(raw: dict[str, Any], source: str = "mapping") -> Mapping:
    """Build a :class:`Mapping` from a parsed TOML/YAML document.

    Parameters
    ----------
    raw
        The document.
    source
        Its file name, for error messages.

    Returns
    -------
    Mapping

    Raises
    ------
    DataError
        An unknown key or a value of the wrong form.

    Examples
    --------
    >>> m = mapping_from_dict({"theme_level": 1, "question": {"code_branch": "Questions"}})
    >>> (m.theme_level, m.question_branch)
    (1, 'Questions')
    """
    if not isinstance(raw, dict):
        raise DataError("a mapping file must be a table of keys", path=source)
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise _err(source, unknown[0], f"unknown key; expected one of {', '.join(sorted(_KEYS))}")
    kw: dict[str, Any] = {"source": source}
    for key in ("theme_level", "subtheme_level"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _err(source, key, f"must be a positive integer, got {value!r}")
            kw[key] = value
    if "segment" in raw:
        if raw["segment"] not in ("selection", "span"):
            raise _err(source, "segment", f"must be 'selection' or 'span', got {raw['segment']!r}")
        kw["segment"] = raw["segment"]
    if "positions" in raw:
        if raw["positions"] not in ("auto", "utf16", "codepoints"):
            raise _err(
                source,
                "positions",
                f"must be 'auto', 'utf16' or 'codepoints', got {raw['positions']!r}",
            )
        kw["positions"] = raw["positions"]
    fg = raw.get("focus_group", "source")
    if fg != "source":
        if isinstance(fg, dict) and set(fg) == {"case_variable"}:
            kw["focus_group_variable"] = str(fg["case_variable"])
        elif isinstance(fg, dict) and set(fg) == {"source_pattern"}:
            kw["focus_group_pattern"] = _pattern(source, "focus_group", fg["source_pattern"])
        else:
            raise _err(
                source,
                "focus_group",
                "must be 'source', {case_variable = NAME} or {source_pattern = REGEX}",
            )
    if "question" in raw:
        q = raw["question"]
        if isinstance(q, dict) and set(q) == {"code_branch"}:
            kw["question_branch"] = str(q["code_branch"])
        elif isinstance(q, dict) and set(q) == {"source_pattern"}:
            kw["question_pattern"] = _pattern(source, "question", q["source_pattern"])
        else:
            raise _err(
                source, "question", "must be {code_branch = NAME} or {source_pattern = REGEX}"
            )
    if "participant" in raw:
        if raw["participant"] != "case":
            raise _err(source, "participant", f"must be 'case', got {raw['participant']!r}")
        kw["participant_case"] = True
    if "role_variable" in raw:
        kw["role_variable"] = str(raw["role_variable"])
    if "valence_sets" in raw:
        sets = raw["valence_sets"]
        if not isinstance(sets, dict) or not all(isinstance(v, str) for v in sets.values()):
            raise _err(source, "valence_sets", "must map each valence to a code set's name")
        kw["valence_sets"] = {str(k): v for k, v in sets.items()}
    if kw.get("focus_group_variable") and not kw.get("participant_case"):
        raise _err(source, "focus_group", "a case variable needs participant = 'case'")
    return Mapping(**kw)


def _pattern(source: str, key: str, value: object) -> str:
    try:
        compiled = re.compile(str(value))
    except re.error as exc:
        raise _err(source, key, f"not a regular expression ({exc})") from exc
    if compiled.groups < 1:
        raise _err(source, key, "the regular expression needs one group, e.g. 'Q(\\d+)'")
    return str(value)


def load_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read a mapping file (``.toml``, ``.yaml`` or ``.yml``).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Mapping

    Raises
    ------
    DataError
        The file is missing, unreadable, or not a valid mapping.

    Examples
    --------
    >>> load_mapping("docs/study-mapping.toml").question_branch  # doctest: +SKIP
    'Questions'
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("mapping file not found", path=path)
    if path.stat().st_size > 1024**2:
        raise DataError("mapping file larger than 1 MB", path=path)
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        if path.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.safe_load(text) or {}
        else:
            raise DataError("a mapping file must end in .toml, .yaml or .yml", path=path)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise DataError(
            f"cannot parse the mapping ({' '.join(str(exc).split())})", path=path
        ) from exc
    return mapping_from_dict(raw, source=str(path))
