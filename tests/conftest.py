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
