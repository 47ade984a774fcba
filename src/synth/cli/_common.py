"""What the commands share: the options, the output streams and the preamble that loads data.

Each option is defined once here and added by every command that takes it, so ``--data`` and
``--out`` mean the same thing everywhere (the way jupyter-cache's ``cli/options.py`` does it).
Nothing heavy is imported at module level: ``synth --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..io import CodedData

__all__ = [
    "Option",
    "DATA",
    "UNIT",
    "out_dir",
    "out_file",
    "optional_out_dir",
    "add_project_file",
    "PROJECT",
    "jobs",
    "say",
    "emit",
    "add_data",
    "add_out_dir",
    "add_out_file",
    "add_unit",
    "add_jobs",
    "data_folder",
    "project_folder",
    "out_folder",
    "load_checked",
]


def say(message: str) -> None:
    """Progress for a person: to stderr, so stdout stays clean for scripts."""
    print(message, file=sys.stderr, flush=True)


def emit(text: str) -> None:
    """A command's result, to stdout. A reader that closed the pipe (``synth audit | head``)
    ends the output quietly: the rest is discarded and the command still finishes its work."""
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # later writes (and the exit flush) go nowhere
        os.close(devnull)


# --- options -----------------------------------------------------------------------------------

#: An option a command takes: it adds itself to the command's parser. A command module lists its
#: options in ``OPTIONS``; ``add_arguments(parser)`` adds what is its own.
Option = Callable[[argparse.ArgumentParser], None]


def add_data(parser: argparse.ArgumentParser) -> None:
    """``--data DIR``: the coded-data folder, default the shipped ``data/raw/`` of the project."""
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of coded data (coded_segments, codebook, participants as CSV or XLSX); "
        "default: the compendium's data/raw/, wherever the command is run from",
    )


def add_out_dir(
    parser: argparse.ArgumentParser, what: str, *, default: str | None = None
) -> None:
    """``--out DIR``: the folder a command writes; required unless ``default`` (a folder of the
    project, e.g. ``"reports"``) is given."""
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        required=default is None,
        metavar="DIR",
        help=f"folder to write {what} into"
        + (f" (default: the compendium's {default}/)" if default else ""),
    )
    parser.set_defaults(out_default=default)


def add_out_file(parser: argparse.ArgumentParser, what: str) -> None:
    """``--out-file FILE``: the one file a command writes."""
    parser.add_argument(
        "--out-file", type=Path, required=True, metavar="FILE", help=f"the {what} to write"
    )


def add_unit(parser: argparse.ArgumentParser) -> None:
    """``--unit paragraph|code``: the counting unit of the per-question percentages."""
    parser.add_argument(
        "--unit",
        choices=["paragraph", "code"],
        default="paragraph",
        help="counting unit of the per-question percentages: coded paragraphs (the paper's "
        "reading, default) or code occurrences",
    )


def add_jobs(parser: argparse.ArgumentParser, what: str) -> None:
    """``--jobs N``: how much runs in parallel."""
    parser.add_argument(
        "--jobs", type=_positive, default=2, metavar="N", help=f"{what} (default 2)"
    )


#: ``--data DIR``.
DATA: Option = add_data
#: ``--unit paragraph|code``.
UNIT: Option = add_unit


def out_dir(what: str, *, default: str | None = None) -> Option:
    """The option ``--out DIR`` of a command that writes ``what`` into a folder."""
    return lambda parser: add_out_dir(parser, what, default=default)


def optional_out_dir(what: str) -> Option:
    """The option ``--out DIR`` of a command whose folder output is optional (``what``)."""

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                            help=f"also write {what} into this folder")

    return add


def add_project_file(parser: argparse.ArgumentParser) -> None:
    """``FILE``: the REFI-QDA project a command reads."""
    parser.add_argument("file", type=Path, help="the .qdpx or .qde file")


#: The REFI-QDA project (``.qdpx`` or ``.qde``) a command reads, as its one positional argument.
PROJECT: Option = add_project_file


def out_file(what: str) -> Option:
    """The option ``--out-file FILE`` of a command that writes one file, ``what``."""
    return lambda parser: add_out_file(parser, what)


def jobs(what: str) -> Option:
    """The option ``--jobs N``: how many ``what`` at once."""
    return lambda parser: add_jobs(parser, what)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


# --- defaults resolved from the project ---------------------------------------------------------


def project_folder(*parts: str) -> Path:
    """A folder of the compendium (``data/raw``, ``reports``...), found from the package's own
    location first, so a default never depends on the current directory.

    Raises
    ------
    UsageError
        synth runs outside its repository, so there is no default to take.
    """
    from .._exceptions import UsageError
    from ..paths import project_root

    try:
        root = project_root()
    except FileNotFoundError:
        raise UsageError(
            f"no default for {'/'.join(parts)}/: synth is not running inside its compendium; "
            "give the folder explicitly"
        ) from None
    return root.joinpath(*parts)


def data_folder(args: argparse.Namespace) -> Path:
    """The ``--data`` folder, or the shipped ``data/raw/`` when none was given."""
    given: Path | None = args.data
    return given if given is not None else project_folder("data", "raw")


def out_folder(args: argparse.Namespace) -> Path:
    """The ``--out`` folder, or the command's default folder of the project."""
    given: Path | None = args.out
    if given is not None:
        return given
    default: str = args.out_default
    return project_folder(*default.split("/"))


# --- the preamble ------------------------------------------------------------------------------


def load_checked(
    folder: str | os.PathLike[str],
    *,
    accept_changed_data: bool = False,
    privacy: bool = True,
    notes: bool = True,
) -> CodedData:
    """Load a coded-data folder the way every command does.

    1. A folder with a ``SHA256SUMS`` (the shipped ``data/raw/``) must match it, unless
       ``accept_changed_data`` (the report then records what changed).
    2. The three tables are read and validated (:func:`synth.io.load_coded_data`).
    3. Notes on what was read (an encoding that is not UTF-8, empty rows dropped, names in
       another Unicode form) go to stderr.
    4. The study's own ``study.toml`` and ``questions.csv``, when present, must be well formed
       (:func:`synth.study.load_study`).
    5. Unless ``privacy`` is False, the privacy check runs: text that looks like an e-mail
       address, a phone number or a postcode, or a name listed in ``identifiers.txt``, stops the
       command before anything is written (:func:`synth.privacy.check`).

    Raises
    ------
    DataError
        Any of the three steps fails (``ChecksumError`` for the first); the message is one line.
    """
    from ..checksums import verify_if_listed
    from ..io import load_coded_data
    from ..privacy import check_data
    from ..study import load_study

    base = Path(folder)
    if not accept_changed_data:
        verify_if_listed(base)
    data = load_coded_data(base)
    load_study(base)
    if privacy:
        check_data(data, base)
    if notes:
        for note in data.notes:
            say(f"note: {note}")
    return data
