"""The same bytes every time: a second render of the whole report on the shipped data, with a
different number of parallel jobs, gives byte-identical files (report.html, executed notebooks,
tables, statistics, Figures 1-8 in PNG, SVG and PDF)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import RAW
from synth.cli import main


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
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
            "tables/table9.csv"} <= set(first)
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, f"files that differ between two renders: {differ}"
    assert _hashes(shipped_report.parent / "figures") == _hashes(tmp_path / "figures")


def test_front_page_records_output_checksums_and_a_copy_can_be_verified(shipped_report: Path) -> None:
    from synth.checksums import verify_sums

    verify_sums(shipped_report)  # SHA256SUMS beside report.html covers every output file
    page = (shipped_report / "report.html").read_text(encoding="utf-8")
    front = page[page.index('id="output-checksums"'):]  # the appendix, at the end
    fig1 = hashlib.sha256((shipped_report / "figures" / "fig1.png").read_bytes()).hexdigest()
    assert "figures/fig1.png" in front and fig1 in front
    table2 = hashlib.sha256((shipped_report / "tables" / "table2.csv").read_bytes()).hexdigest()
    assert table2 in front
