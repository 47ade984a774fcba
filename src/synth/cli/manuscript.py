"""``synth manuscript``: paper-ready figures, tables, numbers and a Results draft."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "manuscript"
SUMMARY = "paper-ready figures, tables (CSV, Markdown, LaTeX, DOCX), numbers.tex, a Results draft"
DESCRIPTION = """
Write what an author needs to write the paper from the data: each figure at single- and
double-column width (PNG at 300 and 600 dpi, TIFF, SVG and PDF with fonts embedded), every table
as CSV, Markdown, LaTeX and Word, every number the Results text quotes as numbers.json and LaTeX
macros (numbers.tex), a Results draft (results.md), a LaTeX preview of the tables (preview.tex,
compiled to preview.pdf when pdflatex is installed) and provenance.json recording what made each
file. The folder is replaced only when everything succeeded.
"""
EXAMPLES = ("synth manuscript", "synth manuscript --data data/mine --out manuscript-mine")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    c.add_data(parser)
    c.add_out_dir(parser, "the manuscript files", default="reports/manuscript")
    c.add_jobs(parser, "figures drawn at once")
    c.add_unit(parser)
    parser.add_argument(
        "--no-pdf",
        action="store_true",
        help="do not compile preview.tex to preview.pdf (by default it is compiled when pdflatex "
        "is installed, and skipped with a note when it is not)",
    )


def run(args: argparse.Namespace) -> int:
    import matplotlib

    from .._atomic import atomic_dir
    from ..analysis import analyse
    from ..manuscript import write_manuscript

    matplotlib.use("Agg")
    folder = c.data_folder(args)
    data = c.load_checked(folder)
    result = analyse(data, unit=args.unit)
    out = c.out_folder(args)
    with atomic_dir(out, protect=[folder], command=NAME) as tmp:
        files = write_manuscript(
            data, tmp, analysis=result, data_dir=folder, jobs=args.jobs, pdf=not args.no_pdf,
            say=c.say,
        )
    c.say(f"wrote {len(files)} files to {out}")
    return 0
