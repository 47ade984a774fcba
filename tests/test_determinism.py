"""The same bytes every time: a second render of the whole report on the shipped data, with a
different number of parallel jobs, gives byte-identical files (report.html, executed notebooks,
tables, statistics, Figures 1-8 in PNG, SVG and PDF, the manuscript's files); and a render that
reuses the build cache gives the same bytes as one from scratch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import RAW
from synth.cli import main


def _hashes(folder: Path) -> dict[str, str]:
    """Every output file (the hidden build record, .cache/, is not an output)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)
    }


@pytest.mark.slow
def test_two_renders_give_identical_bytes(shipped_report: Path, tmp_path: Path) -> None:
    again = tmp_path / "report"
    code = main(["report", "--data", str(RAW), "--out", str(again),
                 "--figures", str(tmp_path / "figures"), "--jobs", "1"])
    assert code == 0
    first, second = _hashes(shipped_report), _hashes(again)
    assert sorted(first) == sorted(second)
    assert {"report.html", "figures/fig1.png", "figures/fig8.svg", "figures/fig5.pdf",
            "tables/table9.csv", "manuscript/figures/fig3_double.tiff",
            "manuscript/numbers.tex"} <= set(first)
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, f"files that differ between two renders: {differ}"
    assert _hashes(shipped_report.parent / "figures") == _hashes(tmp_path / "figures")

    # The build cache: with two outputs removed, the next render re-executes the one notebook
    # that wrote the figure, reuses everything else, the manuscript included (re-assembling the
    # page from the executed notebooks it keeps), and gives the same bytes as a render from
    # scratch. With nothing changed, the render after it does nothing.
    for rel in ("figures/fig3.svg", "report.html"):
        (again / rel).unlink()
    import synth.cli.report as report_command

    messages: list[str] = []
    monkey = pytest.MonkeyPatch()
    try:
        monkey.setattr(report_command.c, "say", messages.append)
        argv = ["report", "--data", str(RAW), "--out", str(again),
                "--figures", str(tmp_path / "figures"), "--jobs", "1"]
        assert main(argv) == 0
        done = [m.split()[1] for m in messages if " done (" in m]
        assert done == ["20_question_q3"]
        assert _hashes(again) == first
        messages.clear()
        assert main(argv) == 0
        assert len(messages) == 1 and messages[0].startswith("up to date")
    finally:
        monkey.undo()


def test_front_page_records_output_checksums_and_a_copy_can_be_verified(shipped_report: Path) -> None:
    from synth.checksums import verify_sums

    verify_sums(shipped_report)  # SHA256SUMS beside report.html covers every output file
    page = (shipped_report / "report.html").read_text(encoding="utf-8")
    front = page[page.index('id="output-checksums"'):]  # the appendix, at the end
    fig1 = hashlib.sha256((shipped_report / "figures" / "fig1.png").read_bytes()).hexdigest()
    assert "figures/fig1.png" in front and fig1 in front
    table2 = hashlib.sha256((shipped_report / "tables" / "table2.csv").read_bytes()).hexdigest()
    assert table2 in front


def test_manuscript_figures_drawn_in_the_report_kernels_equal_those_drawn_alone(
        shipped_report: Path, tmp_path: Path) -> None:
    from synth.analysis import analyse
    from synth.io import load_coded_data
    from synth.manuscript import save_manuscript_figure

    files = save_manuscript_figure(analyse(load_coded_data(RAW)), 2, tmp_path, "single")
    assert files
    for path in files:
        made = shipped_report / "manuscript" / "figures" / path.name
        assert made.read_bytes() == path.read_bytes(), path.name
