"""The mapping file of ``synth import-qdpx --map``: how the study's structure is found in a project.

A small TOML or YAML file; every key is optional. See ``docs/qdpx-mapping.md``::

    theme_level = 1                       # code depth (roots are 1) that holds themes
                                          # or theme = "sets" / { sets = "REGEX" }: code sets
    subtheme_level = 3                    # code depth that holds subthemes
    segment = "span"                      # "selection" (default), "span" or "paragraph"
    focus_group = "source"                # or { case_variable = "focus group" }
                                          # or { source_pattern = "(FG\\d+)" }
                                          # or "source_set" / { source_set = "REGEX" }
    question = { code_branch = "Questions" }   # or { source_pattern = "Q(\\d+)" }
                                          # or "heading" / { heading_pattern = "REGEX" }
    participant = "speaker"               # or "case", "source", { speaker_pattern = "REGEX" }
    role_variable = "role"                # or role = { roster = "roster.csv" }
    positions = "auto"                    # "auto" (by the project's origin), "utf16", "codepoints"
    valence = { level = 2 }               # or "none", or the table [valence_sets]

    [valence_sets]                        # code sets that give each code's valence
    success = "Successes"
    challenge = "Challenges"
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._exceptions import DataError

__all__ = [
    "Mapping",
    "load_mapping",
    "mapping_from_dict",
    "name_key",
    "DEFAULT_SPEAKER_PATTERN",
    "DEFAULT_HEADING_PATTERN",
    "DEFAULT_VALENCE_NAMES",
]

#: A speaker label at the start of a paragraph: up to 40 characters without a colon, then ": ".
DEFAULT_SPEAKER_PATTERN = r"^\s*([^:\n]{1,40}):\s"
#: A question heading: "Question 3", "Question 3:", "Q3.", "Q 3)", or "3." / "3)" on its own.
DEFAULT_HEADING_PATTERN = (
    r"(?i)^\s*(?:(?:question|q)\s*(\d{1,3})\s*[:.)]?|(\d{1,3})\s*[:.)])(?=\s|$)"
)
#: Names of the code-tree nodes (or sets) that carry each valence, unless the mapping says others.
DEFAULT_VALENCE_NAMES = {"success": "Successes", "challenge": "Challenges"}

_KEYS = {
    "theme_level",
    "subtheme_level",
    "theme",
    "subtheme",
    "segment",
    "focus_group",
    "question",
    "participant",
    "role_variable",
    "role",
    "positions",
    "valence_sets",
    "valence",
}


def name_key(name: str) -> str:
    """How names are compared: Unicode NFC, outer spaces stripped, letter case ignored.

    Examples
    --------
    >>> name_key(" Cafe\\u0301 ") == name_key("café")
    True
    """
    return unicodedata.normalize("NFC", name).strip().casefold()


@dataclass(frozen=True)
class Mapping:
    """Where the study's structure lives in a REFI-QDA project.

    Attributes
    ----------
    theme_level, subtheme_level
        Depth of the codes that hold themes and subthemes (root codes have depth 1); a code's
        theme (subtheme) is the name of its ancestor-or-self at that depth.
    theme_sets
        When set (a regular expression on set names; ``""`` for every set), a code's theme is the
        name of the one code set that holds it (ATLAS.ti code groups), not a tree level.
    segment
        ``"selection"``: each selection is a paragraph (``segment_id`` = its guid). ``"span"``:
        selections of the same source with the same start and end are one paragraph.
        ``"paragraph"``: selections starting in the same line of a transcript are one paragraph.
        In both cases the ``segment_id`` is the guid of the first selection.
    focus_group_variable, focus_group_pattern, focus_group_sets
        The focus group is the source's name (default), a case variable of the participant's case,
        the first group of a regular expression matched against the source's name, or the name
        of the source set (NVivo set, ATLAS.ti document group) that holds the source.
    question_branch, question_pattern, question_heading
        The question of a coding is the number in the name of the code, under the branch of that
        name, whose codings overlap the coding's span most; or the first group of a regular
        expression matched against the source's name; or the number of the last question heading
        above the coding in the transcript (a regular expression matched line by line).
    participant_case, participant_speaker, participant_source
        The participant is the case whose selections (or sources) cover the coding; or the
        speaker label at the start of the coded paragraph (a regular expression whose first group
        is the label); or the source.
    role_variable, role_roster
        The case variable holding the participant's role (cases are matched to speakers by
        name), or a CSV file with ``participant_id`` and ``role`` columns.
    positions
        ``"auto"``: UTF-16 code units when the project's ``origin`` names NVivo, code points
        otherwise; ``"utf16"`` or ``"codepoints"`` force one.
    valence_sets
        Valence -> name of the code set whose members carry it.
    valence_level, valence_names
        The depth of the code tree whose nodes name the valence, and valence -> node name.
    """

    theme_level: int | None = None
    subtheme_level: int | None = None
    theme_sets: str | None = None
    segment: str = "selection"
    focus_group_variable: str | None = None
    focus_group_pattern: str | None = None
    focus_group_sets: str | None = None
    question_branch: str | None = None
    question_pattern: str | None = None
    question_heading: str | None = None
    participant_case: bool = False
    participant_speaker: str | None = None
    participant_source: bool = False
    role_variable: str | None = None
    role_roster: str | None = None
    positions: str = "auto"
    valence_sets: dict[str, str] = field(default_factory=dict)
    valence_level: int | None = None
    valence_names: dict[str, str] = field(default_factory=dict)
    source: str = "(none)"

    @property
    def is_empty(self) -> bool:
        """True when the mapping says nothing about questions or participants."""
        return not (
            self.question_branch
            or self.question_pattern
            or self.question_heading
            or self.participant_case
            or self.participant_speaker
            or self.participant_source
        )

    @property
    def has_valence(self) -> bool:
        """True when the mapping says where valence is."""
        return bool(self.valence_sets or self.valence_level)


def _err(source: str, key: str, message: str) -> DataError:
    return DataError(message, path=source, column=key)


def _level(source: str, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _err(source, key, f"must be a positive integer, got {value!r}")
    return value


def mapping_from_dict(
    raw: dict[str, Any], source: str = "mapping", base: str | os.PathLike[str] | None = None
) -> Mapping:
    """Build a :class:`Mapping` from a parsed TOML/YAML document.

    Parameters
    ----------
    raw
        The document.
    source
        Its file name, for error messages.
    base
        The folder that relative file names (a roster) are read from; default the current one.

    Returns
    -------
    Mapping

    Raises
    ------
    DataError
        An unknown key, a value of the wrong form, or keys that contradict each other.

    Examples
    --------
    >>> m = mapping_from_dict({"theme_level": 1, "question": {"code_branch": "Questions"}})
    >>> (m.theme_level, m.question_branch)
    (1, 'Questions')
    """
    if not isinstance(raw, dict):
        raise DataError("a mapping file must be a table of keys", path=source)
    unknown = sorted(set(map(str, raw)) - _KEYS)
    if unknown:
        raise _err(source, unknown[0], f"unknown key; expected one of {', '.join(sorted(_KEYS))}")
    kw: dict[str, Any] = {"source": source}
    _themes(raw, source, kw)
    if "segment" in raw:
        if raw["segment"] not in ("selection", "span", "paragraph"):
            raise _err(
                source,
                "segment",
                f"must be 'selection', 'span' or 'paragraph', got {raw['segment']!r}",
            )
        kw["segment"] = raw["segment"]
    if "positions" in raw:
        if raw["positions"] not in ("auto", "utf16", "codepoints"):
            raise _err(
                source,
                "positions",
                f"must be 'auto', 'utf16' or 'codepoints', got {raw['positions']!r}",
            )
        kw["positions"] = raw["positions"]
    _focus_group(raw, source, kw)
    _question(raw, source, kw)
    _participant(raw, source, kw)
    _role(raw, source, kw, base)
    _valence(raw, source, kw)
    if kw.get("focus_group_variable") and not (
        kw.get("participant_case") or kw.get("participant_speaker")
    ):
        raise _err(
            source, "focus_group", "a case variable needs participant = 'case' or 'speaker'"
        )
    return Mapping(**kw)


def _themes(raw: dict[str, Any], source: str, kw: dict[str, Any]) -> None:
    if "theme_level" in raw:
        kw["theme_level"] = _level(source, "theme_level", raw["theme_level"])
    if "subtheme_level" in raw:
        kw["subtheme_level"] = _level(source, "subtheme_level", raw["subtheme_level"])
    theme = raw.get("theme")
    if theme is not None:
        if "theme_level" in raw:
            raise _err(source, "theme", "give theme or theme_level, not both")
        if isinstance(theme, dict) and set(theme) == {"level"}:
            kw["theme_level"] = _level(source, "theme", theme["level"])
        elif theme == "sets":
            kw["theme_sets"] = ""
        elif isinstance(theme, dict) and set(theme) == {"sets"}:
            kw["theme_sets"] = _pattern(source, "theme", theme["sets"], groups=0)
        else:
            raise _err(
                source, "theme", "must be {level = N}, 'sets' or {sets = REGEX} (set names)"
            )
    sub = raw.get("subtheme")
    if sub is not None:
        if "subtheme_level" in raw:
            raise _err(source, "subtheme", "give subtheme or subtheme_level, not both")
        if not (isinstance(sub, dict) and set(sub) == {"level"}):
            raise _err(source, "subtheme", "must be {level = N}")
        kw["subtheme_level"] = _level(source, "subtheme", sub["level"])
    t, s = kw.get("theme_level"), kw.get("subtheme_level")
    if t and s and t > s:
        raise _err(
            source,
            "theme_level",
            f"the theme level ({t}) is deeper than the subtheme level ({s}); themes hold "
            "subthemes, so the theme level must be the smaller number",
        )
    if t and s and t == s:
        raise _err(source, "theme_level", f"themes and subthemes are both at level {t}")


def _form(value: object) -> tuple[str, object]:
    """A mapping value's form: ``"word"`` is ``("word", None)``, ``{key = x}`` is ``(key, x)``;
    anything else is ``("", None)``, which no rule accepts."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        return str(key), arg
    return "", None


def _focus_group(raw: dict[str, Any], source: str, kw: dict[str, Any]) -> None:
    form, arg = _form(raw.get("focus_group", "source"))
    if form == "source" and arg is None:
        return
    if form == "source_set" and arg is None:
        kw["focus_group_sets"] = ""
    elif form == "case_variable":
        kw["focus_group_variable"] = str(arg)
    elif form == "source_pattern":
        kw["focus_group_pattern"] = _pattern(source, "focus_group", arg)
    elif form == "source_set":
        kw["focus_group_sets"] = _pattern(source, "focus_group", arg, groups=0)
    else:
        raise _err(source, "focus_group", "must be 'source', 'source_set', {source_set = REGEX}, "
                   "{case_variable = NAME} or {source_pattern = REGEX}")


def _question(raw: dict[str, Any], source: str, kw: dict[str, Any]) -> None:
    if "question" not in raw:
        return
    form, arg = _form(raw["question"])
    if form == "code_branch" and arg is not None:
        kw["question_branch"] = str(arg)
    elif form == "source_pattern":
        kw["question_pattern"] = _pattern(source, "question", arg)
    elif form == "heading" and arg is None:
        kw["question_heading"] = DEFAULT_HEADING_PATTERN
    elif form == "heading_pattern":
        kw["question_heading"] = _pattern(source, "question", arg)
    else:
        raise _err(source, "question", "must be {code_branch = NAME}, {source_pattern = REGEX}, "
                   "'heading' or {heading_pattern = REGEX}")


def _participant(raw: dict[str, Any], source: str, kw: dict[str, Any]) -> None:
    if "participant" not in raw:
        return
    p = raw["participant"]
    if p == "case":
        kw["participant_case"] = True
    elif p == "speaker":
        kw["participant_speaker"] = DEFAULT_SPEAKER_PATTERN
    elif p == "source":
        kw["participant_source"] = True
    elif isinstance(p, dict) and set(p) == {"speaker_pattern"}:
        kw["participant_speaker"] = _pattern(source, "participant", p["speaker_pattern"])
    else:
        raise _err(
            source,
            "participant",
            f"must be 'case', 'speaker', 'source' or {{speaker_pattern = REGEX}}, got {p!r}",
        )


def _role(
    raw: dict[str, Any], source: str, kw: dict[str, Any], base: str | os.PathLike[str] | None
) -> None:
    if "role_variable" in raw:
        kw["role_variable"] = str(raw["role_variable"])
    if "role" not in raw:
        return
    if "role_variable" in raw:
        raise _err(source, "role", "give role or role_variable, not both")
    r = raw["role"]
    if isinstance(r, dict) and set(r) == {"case_variable"}:
        kw["role_variable"] = str(r["case_variable"])
    elif isinstance(r, dict) and set(r) == {"roster"}:
        path = Path(str(r["roster"]))
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        kw["role_roster"] = str(path)
    else:
        raise _err(source, "role", "must be {case_variable = NAME} or {roster = FILE.csv}")


def _valence(raw: dict[str, Any], source: str, kw: dict[str, Any]) -> None:
    if "valence_sets" in raw:
        sets = raw["valence_sets"]
        if not isinstance(sets, dict) or not all(isinstance(v, str) for v in sets.values()):
            raise _err(source, "valence_sets", "must map each valence to a code set's name")
        kw["valence_sets"] = {str(k): v for k, v in sets.items()}
    if "valence" not in raw:
        return
    v = raw["valence"]
    if "valence_sets" in raw:
        raise _err(source, "valence", "give valence or valence_sets, not both")
    if v == "none":
        return
    if v == "sets":
        kw["valence_sets"] = dict(DEFAULT_VALENCE_NAMES)
    elif isinstance(v, dict) and "level" in v and set(v) <= {"level", "success", "challenge"}:
        kw["valence_level"] = _level(source, "valence", v["level"])
        names = dict(DEFAULT_VALENCE_NAMES)
        names.update({k: str(v[k]) for k in ("success", "challenge") if k in v})
        kw["valence_names"] = names
    else:
        raise _err(
            source,
            "valence",
            "must be 'none', 'sets' or {level = N} (optionally with success = NAME, "
            "challenge = NAME)",
        )


def _pattern(source: str, key: str, value: object, groups: int = 1) -> str:
    try:
        compiled = re.compile(str(value))
    except re.error as exc:
        raise _err(source, key, f"not a regular expression ({exc})") from exc
    if compiled.groups < groups:
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
    return mapping_from_dict(raw, source=str(path), base=path.parent)
