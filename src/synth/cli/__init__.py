"""The ``synth`` command line: the parser, the exit codes and the error printing.

Each subcommand is a module of this package (``synth.cli.validate``, ``synth.cli.report`` ...)
holding ``NAME``, ``SUMMARY`` (one line for ``synth --help``), ``DESCRIPTION`` (a paragraph),
``EXAMPLES``, the shared options it takes (``OPTIONS``, from :mod:`synth.cli._common`), its own
(``add_arguments(parser)``, when it has any) and ``run(args) -> int``. What they share (the options,
the output streams, the preamble that loads and checks coded data) is :mod:`synth.cli._common`.
The domain modules never parse arguments or print; the command modules import them lazily, so
``synth --help`` stays fast.

A :class:`~synth.SynthError` becomes one line on stderr and exit 2 (the traceback only with
``--debug``); Ctrl-C becomes exit 130 with the earlier outputs left as they were.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from collections.abc import Callable, Sequence
from types import ModuleType

from .. import __version__
from .._exceptions import SynthError

__all__ = [
    "main",
    "build_parser",
    "COMMANDS",
    "EXIT_OK",
    "EXIT_FINDINGS",
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
]

#: The command finished and found nothing to report.
EXIT_OK = 0
#: The command ran and found something (an audit mismatch, a stale output, a differing file).
EXIT_FINDINGS = 1
#: Bad input or usage: one line on stderr says what and where; nothing was written.
EXIT_BAD_INPUT = 2
#: Interrupted (Ctrl-C); earlier outputs are left as they were.
EXIT_INTERRUPTED = 130

#: The subcommands, in the order ``synth --help`` lists them (module names of this package).
COMMANDS = (
    "validate",
    "analyse",
    "figures",
    "tables",
    "audit",
    "report",
    "status",
    "verify",
    "manuscript",
    "reconstruct",
    "ensemble",
    "inspect",
    "import_qdpx",
    "export_qdpx",
    "export_sav",
)

_EPILOG = """\
exit codes:
  0    success
  1    the command ran and found something: an audit mismatch, a reconstruction that fails,
       a stale output (status), a file that differs from a fresh render (verify)
  2    bad input or usage (one line on stderr names the file, row or value)
  130  interrupted (Ctrl-C); earlier outputs are left as they were

'synth COMMAND --help' describes a command and gives an example."""

Handler = Callable[[argparse.Namespace], int]


def _command(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``synth`` command.

    Examples
    --------
    >>> build_parser().parse_args(["analyse", "--out", "x"]).command
    'analyse'
    """
    parser = argparse.ArgumentParser(
        prog="synth",
        description=textwrap.fill(
            "Rerun a coded focus-group study end to end: coded data in; themes, figures, "
            "tables, the audit of a paper's published numbers and a report out. Ships the "
            "reconstruction of Thomson, Waterson & Chatterjee (2024), Int J Equity Health "
            "23:135.",
            79,
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"synth {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when a command fails"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _command(name)
        examples = "\n".join(f"  {line}" for line in module.EXAMPLES)
        command = sub.add_parser(
            module.NAME,
            help=module.SUMMARY,
            description=textwrap.fill(" ".join(module.DESCRIPTION.split()), 79),
            epilog=f"example{'s' if len(module.EXAMPLES) > 1 else ''}:\n{examples}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for option in getattr(module, "OPTIONS", ()):
            option(command)
        if hasattr(module, "add_arguments"):
            module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``synth`` command; return its exit code.

    Examples
    --------
    >>> main(["validate", "--data", "data/raw"])
    977 coding references on 977 paragraphs
    10 focus groups, 90 participants with codings, questions 1, 2, 3, 4, 5, 6, 7, 8
    186 codes in 12 themes and 186 subthemes
    90 participants on the roster
    study: Successes and challenges of partnership working to tackle health inequalities using collaborative ap; 8 of 8 questions worded; compared with the paper
    every file matches SHA256SUMS
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    handler: Handler = args.handler
    try:
        return handler(args)
    except BaseException as exc:
        if _interrupted(exc):
            print("synth: interrupted; earlier outputs were left as they were", file=sys.stderr)
            return EXIT_INTERRUPTED
        if isinstance(exc, BrokenPipeError) and not args.debug:
            return EXIT_OK  # the reader went away (synth ... | head); nothing more to say
        if isinstance(exc, OSError) and not args.debug:
            # the operating system refused (a file vanished, a device is full): one line too
            where = f" ({exc.filename})" if exc.filename else ""
            print(f"synth {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not isinstance(exc, SynthError) or args.debug:
            raise
        print(f"synth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _interrupted(exc: BaseException) -> bool:
    """True for Ctrl-C, also when a library's clean-up raised another error while handling it
    (matplotlib's PDF writer does, when the interrupt lands mid-save)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
