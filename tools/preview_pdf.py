"""Compile a manuscript folder's preview.tex into preview.pdf (``make report`` runs it).

    python tools/preview_pdf.py reports/manuscript

Calls :func:`synth.manuscript.compile_preview`: pdflatex in a temporary folder, only the PDF kept,
the same bytes on every run (``SOURCE_DATE_EPOCH`` honoured). Without pdflatex it says that the
PDF was skipped and exits 0; a TeX error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

from synth import SynthError
from synth.manuscript import compile_preview


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/preview_pdf.py MANUSCRIPT_FOLDER", file=sys.stderr)
        return 2
    try:
        compile_preview(argv[0], say=lambda line: print(line, file=sys.stderr))
    except SynthError as exc:
        print(f"preview_pdf: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
