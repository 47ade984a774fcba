"""Static checks in the test run: the type checker and the linter over the package."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_mypy_passes_on_the_package():
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "src/synth"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_passes():
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "tools", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
