"""``synth validate``: check a folder of coded data against the schema."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

NAME = "validate"
SUMMARY = "check a folder of coded data against the schema"
DESCRIPTION = """
Read the coded data (coded_segments, codebook and participants, as CSV or XLSX) and check every
rule of the data dictionary: required columns, ids that match across the files, questions that
are whole numbers, no duplicate codings, and the optional study.toml and questions.csv. A folder with a SHA256SUMS must match it, and text that
looks like an e-mail address, a phone number, a postcode or a name listed in identifiers.txt is
refused. Prints a summary of the data; on a problem, one line naming the file, the column, the
rows and the values.
"""
EXAMPLES = ("synth validate --data data/mine",)


OPTIONS = (c.DATA,)


def run(args: argparse.Namespace) -> int:
    from ..checksums import SUMS_NAME
    from ..study import load_study

    folder = c.data_folder(args)
    data = c.load_checked(folder, notes=False)  # the summary ends with the notes
    study = load_study(folder)
    c.emit(data.summary())
    if study.described or study.questions:
        worded = sum(1 for q in data.questions if study.question_text(q))
        c.emit(f"study: {study.title[:100]}; {worded} of {len(data.questions)} questions worded; "
             f"{'compared' if study.compare_to_paper else 'not compared'} with the paper")
    if (folder / SUMS_NAME).is_file():
        c.emit(f"every file matches {SUMS_NAME}")
    return 0
