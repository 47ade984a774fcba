"""``synth reconstruct``: rebuild the shipped coded dataset from the paper's published numbers."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"]

NAME = "reconstruct"
SUMMARY = "rebuild the coded dataset from the paper's published aggregates"
DESCRIPTION = """
Build, with a seeded search, one coded dataset that reproduces every number the paper publishes
(groups and roles, 977 paragraphs, 323 codes, Appendix 1, every per-question percentage and the
themes each question reports, the tables' subthemes and quotations) and write coded_segments.csv,
codebook.csv and participants.csv, with study.toml and questions.csv (the paper's title and
questions). The default seed gives data/raw/ byte for byte. It is one of
many datasets consistent with the paper, not the study's data.
"""
EXAMPLES = (
    "synth reconstruct --out data/processed/reconstructed",
    "synth reconstruct --seed 7 --out /tmp/seed7",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the shipped dataset's, 135)"
    )
    c.add_out_dir(parser, "the coded data, study.toml and questions.csv")
    parser.add_argument(
        "--update-raw",
        action="store_true",
        help="deliberately regenerate data/raw/ and its SHA256SUMS (maintainers only)",
    )


def run(args: argparse.Namespace) -> int:
    import time

    from .. import paths
    from .._atomic import atomic_dir, refuse_raw
    from ..checksums import write_sums
    from ..io import write_coded_data
    from ..reconstruct import DEFAULT_SEED, reconstruct, reconstruction_study
    from ..study import QUESTIONS_FILE, STUDY_FILE, questions_csv, study_toml

    refuse_raw(args.out, allow=args.update_raw)  # before the work, not after it
    start = time.perf_counter()
    seed = DEFAULT_SEED if args.seed is None else args.seed
    data = reconstruct(seed=seed, say=c.say)
    study = reconstruction_study()

    def write(folder: Path) -> None:
        write_coded_data(data, folder)
        (folder / STUDY_FILE).write_text(study_toml(study), encoding="utf-8", newline="\n")
        (folder / QUESTIONS_FILE).write_text(questions_csv(study), encoding="utf-8", newline="")

    with atomic_dir(args.out, command=NAME) as tmp:
        write(tmp)
    c.say(f"wrote {args.out}/ (coded_segments.csv, codebook.csv, participants.csv, {STUDY_FILE}, "
        f"{QUESTIONS_FILE})")
    if args.update_raw:
        raw = paths.raw_dir()
        with atomic_dir(raw, merge=True, allow_raw=True) as tmp:
            write(tmp)
        write_sums(raw)
        c.say(f"updated {raw}/ and its SHA256SUMS")
    c.say(f"done in {time.perf_counter() - start:.1f} s")
    return 0
