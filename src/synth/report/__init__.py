"""The papermill report: every notebook executed, one self-contained ``report.html``.

:func:`render_report` (what ``synth report`` runs) reads as its steps:

1. inspect the inputs: the SHA-256 of every input file for the front page, and whether the data
   are the shipped reconstruction (``synth.checksums``);
2. plan the runs: the numbered notebooks of ``notebooks/`` (``00``-``89``; ``20_question.ipynb``
   once per question of the data), and compare each with the record of the last render into the
   same folder (``OUT/.cache/``, :mod:`synth.build`): a run whose code, parameters, input files,
   package source, lock file and Python are unchanged, and whose outputs are intact, is reused;
3. execute the others with papermill, ``jobs`` at a time, in a kernel running the *current*
   interpreter (a private kernelspec in a temporary ``JUPYTER_PATH``); each worker keeps its kernel
   for the notebooks it runs and resets it between them, and traces the files each one reads
   (``synth.report._exec``); with ``manuscript``, the manuscript's figures are drawn in the same
   kernels and its other files written from the loaded data;
4. write the executed notebooks, stripped of timings, into ``OUT/notebooks/``, beside the tables
   and figures the notebooks save into ``OUT/tables/`` and ``OUT/figures/``;
5. assemble ``OUT/report.html`` with one call of nbconvert's HTML exporter: a front page, a table
   of contents and every notebook's outputs, input cells hidden, images and plotly.js embedded,
   nothing fetched (``synth.report._page``); and ``SHA256SUMS`` of everything written.

Everything is written through :func:`synth._atomic.atomic_dir`. The same inputs give the same
bytes, whatever the number of jobs; the HTML holds no date unless ``SOURCE_DATE_EPOCH`` is set.

A notebook that raises, writes to stderr (a warning, for instance) or is given a parameter its
``parameters`` cell does not declare stops the render with :class:`~synth.ReportError` naming the
notebook and the cell: a report never silently contains an error.

The helpers the notebooks call to show tables, headings and captions are :mod:`synth.display`
(re-exported here for existing notebooks).
"""

from __future__ import annotations

from ..display import HTMLBlock, figure_caption, show_heading, show_table
from ._render import FIRST_TOOL_NUMBER, QUESTION_NOTEBOOK, render_report

__all__ = [
    "QUESTION_NOTEBOOK",
    "FIRST_TOOL_NUMBER",
    "render_report",
    "HTMLBlock",
    "show_table",
    "show_heading",
    "figure_caption",
]
