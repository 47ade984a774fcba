"""The ``synth`` command line.

Each subcommand is a thin wrapper: it parses arguments, calls the package, and turns a
:class:`~synth.SynthError` into one line on stderr and a non-zero exit (the traceback only with
``--debug``). Heavy imports happen inside the wrappers so that ``synth --help`` stays fast.

Exit codes: 0 success; 1 a check failed (an audit mismatch, for example); 2 bad input or usage;
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from ._exceptions import SynthError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

Handler = Callable[[argparse.Namespace], int]


def _say(message: str) -> None:
    """Progress for a person: to stderr, so stdout stays clean for scripts."""
    print(message, file=sys.stderr, flush=True)


# --- subcommands -----------------------------------------------------------------------------
# Each _cmd_* returns an exit code. They import lazily.


def _cmd_validate(args: argparse.Namespace) -> int:
    from .checksums import verify_if_listed
    from .io import load_coded_data

    listed = verify_if_listed(args.data)
    data = load_coded_data(args.data)
    print(data.summary())
    if listed:
        print("every file matches SHA256SUMS")
    return EXIT_OK


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    from .reconstruct import run_reconstruct

    return run_reconstruct(seed=args.seed, out=args.out, update_raw=args.update_raw, say=_say)


def _cmd_audit(args: argparse.Namespace) -> int:
    from .audit import run_audit_command

    return run_audit_command(data=args.data, out=args.out, say=_say)


def _cmd_analyse(args: argparse.Namespace) -> int:
    from .analysis import run_analyse_command

    return run_analyse_command(
        segments=args.segments,
        codebook=args.codebook,
        participants=args.participants,
        out=args.out,
        unit=args.unit,
        say=_say,
    )


def _cmd_figures(args: argparse.Namespace) -> int:
    from .plots import run_figures_command

    return run_figures_command(data=args.data, out=args.out, unit=args.unit, say=_say)


def _cmd_tables(args: argparse.Namespace) -> int:
    from .tables import run_tables_command

    return run_tables_command(data=args.data, out=args.out, unit=args.unit, say=_say)


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import run_report_command

    return run_report_command(
        data=args.data,
        out=args.out,
        figures=args.figures,
        unit=args.unit,
        jobs=args.jobs,
        accept_changed_data=args.accept_changed_data,
        say=_say,
    )


def _cmd_manuscript(args: argparse.Namespace) -> int:
    from .manuscript import run_manuscript_command

    return run_manuscript_command(
        data=args.data, out=args.out, unit=args.unit, jobs=args.jobs, say=_say
    )


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from .stats import write_ensemble

    seeds = list(range(args.first, args.first + args.seeds))
    _say(f"reconstructing {len(seeds)} datasets (seeds {seeds[0]}-{seeds[-1]}) on {args.jobs} "
         "worker(s); each is audited and its Figure 1-8 bars collected")
    bars, ranges = write_ensemble(seeds, args.out, unit=args.unit, jobs=args.jobs, say=_say)
    passed = bars.drop_duplicates("seed")["audit_ok"].astype(bool)
    print(f"{int(passed.sum())} of {len(seeds)} reconstructions pass the audit; "
          f"{int(ranges['pinned'].sum())} of {len(ranges)} bars are pinned by the published numbers")
    print(f"wrote {args.out / 'ensemble_bars.csv'} and {args.out / 'ensemble_ranges.csv'}")
    return EXIT_OK if bool(passed.all()) else EXIT_CHECK_FAILED


def _cmd_import_qdpx(args: argparse.Namespace) -> int:
    from .qdpx import run_import_command

    return run_import_command(file=args.file, out=args.out, mapping=args.map, say=_say)


def _cmd_export_qdpx(args: argparse.Namespace) -> int:
    from .qdpx import run_export_command

    return run_export_command(data=args.data, out=args.out, say=_say)


def _cmd_export_sav(args: argparse.Namespace) -> int:
    from .spss import run_export_sav_command

    return run_export_sav_command(data=args.data, out=args.out, unit=args.unit, say=_say)


# --- the parser ------------------------------------------------------------------------------


def _unit(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--unit",
        choices=["paragraph", "code"],
        default="paragraph",
        help="counting unit for the per-question percentages: coded paragraphs (the paper's "
        "reading, default) or code occurrences",
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``synth`` command."""
    parser = argparse.ArgumentParser(
        prog="synth",
        description="Rerun Thomson, Waterson & Chatterjee (2024), Int J Equity Health 23:135, "
        "end to end: coded focus-group data in; the paper's themes, figures, tables and "
        "numbers out.",
    )
    parser.add_argument("--version", action="version", version=f"synth {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when a command fails"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check a folder of coded data against the schema")
    p.add_argument("--data", type=Path, required=True, help="folder with coded_segments.csv etc.")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser(
        "reconstruct", help="rebuild the coded dataset from the paper's published aggregates"
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the shipped one)")
    p.add_argument("--out", type=Path, required=True, help="folder to write the three CSV files to")
    p.add_argument(
        "--update-raw",
        action="store_true",
        help="deliberately regenerate data/raw/ and its SHA256SUMS (maintainers only)",
    )
    p.set_defaults(handler=_cmd_reconstruct)

    p = sub.add_parser("audit", help="check every number the paper publishes against the data")
    p.add_argument("--data", type=Path, default=Path("data/raw"), help="coded data folder")
    p.add_argument("--out", type=Path, default=None, help="optional folder for audit CSV files")
    p.set_defaults(handler=_cmd_audit)

    p = sub.add_parser("analyse", help="themes, descriptive statistics and per-question shares")
    p.add_argument("--segments", type=Path, required=True, help="coded_segments.csv or .xlsx")
    p.add_argument("--codebook", type=Path, required=True, help="codebook.csv or .xlsx")
    p.add_argument("--participants", type=Path, default=None, help="participants.csv (optional)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _unit(p)
    p.set_defaults(handler=_cmd_analyse)

    p = sub.add_parser("figures", help="draw Figures 1-8 (PNG, SVG, PDF and the CSV behind each)")
    p.add_argument("--data", type=Path, required=True, help="coded data folder")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _unit(p)
    p.set_defaults(handler=_cmd_figures)

    p = sub.add_parser("tables", help="build Tables 1-9, Appendix 1 and the participants table")
    p.add_argument("--data", type=Path, required=True, help="coded data folder")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _unit(p)
    p.set_defaults(handler=_cmd_tables)

    p = sub.add_parser("report", help="execute every notebook and assemble report.html")
    p.add_argument("--data", type=Path, default=Path("data/raw"), help="coded data folder")
    p.add_argument("--out", type=Path, default=Path("reports"), help="report folder")
    p.add_argument("--figures", type=Path, default=None, help="also copy Figures 1-8 here")
    p.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")
    p.add_argument(
        "--accept-changed-data",
        action="store_true",
        help="run even when data/raw/ differs from SHA256SUMS; the new checksums are recorded "
        "on the report's front page",
    )
    _unit(p)
    p.set_defaults(handler=_cmd_report)

    p = sub.add_parser(
        "manuscript", help="paper-ready figures, tables, numbers.tex and a Results draft"
    )
    p.add_argument("--data", type=Path, default=Path("data/raw"), help="coded data folder")
    p.add_argument("--out", type=Path, default=Path("reports/manuscript"), help="output folder")
    p.add_argument("--jobs", type=int, default=2, help="figures drawn in parallel (default 2)")
    _unit(p)
    p.set_defaults(handler=_cmd_manuscript)

    p = sub.add_parser(
        "ensemble", help="many reconstructions: which bars the published numbers pin (slow)"
    )
    p.add_argument("--seeds", type=int, default=50, help="number of seeds (default 50)")
    p.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--out", type=Path, default=Path("data/processed/ensemble"), help="output folder"
    )
    _unit(p)
    p.set_defaults(handler=_cmd_ensemble)

    p = sub.add_parser("import-qdpx", help="read a REFI-QDA project (.qdpx/.qde) into the schema")
    p.add_argument("file", type=Path, help="the .qdpx or .qde file")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--map", type=Path, default=None, help="mapping file (TOML or YAML)")
    p.set_defaults(handler=_cmd_import_qdpx)

    p = sub.add_parser("export-qdpx", help="write the study as a REFI-QDA project")
    p.add_argument("--data", type=Path, required=True, help="coded data folder")
    p.add_argument("--out", type=Path, required=True, help="the .qdpx file to write")
    p.set_defaults(handler=_cmd_export_qdpx)

    p = sub.add_parser("export-sav", help="write per-group counts and percentages for SPSS")
    p.add_argument("--data", type=Path, required=True, help="coded data folder")
    p.add_argument("--out", type=Path, required=True, help="the .sav file to write")
    _unit(p)
    p.set_defaults(handler=_cmd_export_sav)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``synth`` command; return its exit code."""
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
