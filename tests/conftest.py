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

# A small valid coded dataset (two groups, two questions, three codes) that the bad-input corpus
# and the CLI error tests start from; each bad case differs from it by one defect.
BASE_SEGMENTS = """segment_id,focus_group,question,participant_id,code_id,text
S1,FG1,1,P1,C1,We already had an established programme.
S1,FG1,1,P1,C2,We already had an established programme.
S2,FG1,2,P2,C1,
S3,FG2,1,P3,C3,
S4,FG2,2,P4,C2,
"""
BASE_CODEBOOK = """code_id,subtheme,theme,valence
C1,Surveys,Research evidence,success
C2,Financial bureaucracy,Funding,challenge
C3,Crisis care,Health service and integrated care systems,challenge
"""
BASE_PARTICIPANTS = """participant_id,focus_group,role
P1,FG1,principal investigator
P2,FG1,researcher
P3,FG2,principal investigator
P4,FG2,researcher
"""


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's top folder."""
    return ROOT


@pytest.fixture(scope="session")
def raw() -> Path:
    """``data/raw/``: the shipped reconstruction and the published record (read-only)."""
    return RAW


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
