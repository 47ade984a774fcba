"""``synth figures``: one figure per question, with the numbers and the caption beside it."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

NAME = "figures"
SUMMARY = "draw one figure per question (PNG, SVG, PDF, the CSV behind it, the caption)"
DESCRIPTION = """
Draw, for each question, the mean percentage of codes per theme over the focus groups with ±1 SD
error bars, the reported themes hatched (the paper's Figures 1-8 for the shipped data). Each
figure is written as figN.png (300 dpi), .svg and .pdf, with figN.csv (exactly the plotted values)
and figN.txt (the caption, which says which values the paper pins). The files are the same bytes
as those of the report.
"""
EXAMPLES = ("synth figures --data data/raw --out figures",)


OPTIONS = (c.DATA, c.out_dir("figN.png, .svg, .pdf, .csv and .txt"), c.UNIT)


def run(args: argparse.Namespace) -> int:
    import matplotlib

    from .._atomic import atomic_dir
    from ..analysis import analyse
    from ..checksums import is_shipped_reconstruction
    from ..plots import stale_figures, write_figures, write_figures_manifest
    from ..study import load_study

    matplotlib.use("Agg")
    folder = c.data_folder(args)
    data = c.load_checked(folder, privacy=False)  # the figures carry theme names only
    result = analyse(data, unit=args.unit)
    shipped = is_shipped_reconstruction(folder)
    c.say(
        f"drawing figures for questions {', '.join(map(str, result.questions))} "
        f"(unit: {args.unit}; data: {'the shipped reconstruction' if shipped else 'as supplied'})"
    )
    with atomic_dir(args.out, merge=True, protect=[folder], command=NAME) as tmp:
        written = write_figures(result, tmp, load_study(folder).question_texts(),
                                reconstructed=shipped, say=c.say)
        gone = stale_figures(args.out, [p.name for p in written])  # questions no longer there
        write_figures_manifest(tmp, written)
    for path in gone:
        path.unlink(missing_ok=True)
    c.say(f"wrote {len(written)} files to {args.out}")
    return 0
