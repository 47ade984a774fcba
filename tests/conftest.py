"""Shared test configuration: the project root, the shared fixtures folder, a headless matplotlib,
and figures closed after every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
#: CI clones the repository into its own folder "with a copy of shared/ beside it".
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's top folder."""
    return ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository (paper text and REFI-QDA fixtures)."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared folder is not beside the repository ({SHARED})")
    return SHARED


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def shipped_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole report rendered once on the shipped data (``data/raw``), shared by the tests
    that read it (notebooks, determinism, browser). Returns the report folder; the figures are
    in its sibling ``figures/``."""
    from synth.cli import main

    if not (RAW / "coded_segments.csv").is_file():
        pytest.fail("the shipped dataset data/raw/coded_segments.csv is missing")
    out = tmp_path_factory.mktemp("shipped") / "report"
    code = main(["report", "--data", str(RAW), "--out", str(out),
                 "--figures", str(out.parent / "figures"), "--jobs", "2"])
    assert code == 0
    return out
