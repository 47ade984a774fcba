"""Set-up for the examples in the package's docstrings, which the test run executes
(``--doctest-modules`` over ``src/synth``).

Every example runs from the repository's top folder, so ``"data/raw"`` is the shipped data, and
finds in its namespace ``data`` (the shipped reconstruction, loaded once), ``analysis`` (its
analysis), ``published`` (the paper's published record) and ``tmp`` (an empty folder of its own
for anything it writes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent

# ``python -m synth.cli`` is a script, not a module with examples
collect_ignore = ["src/synth/cli/__main__.py"]


@pytest.fixture(scope="session")
def _shipped() -> dict[str, Any]:
    from synth.analysis import analyse
    from synth.io import load_coded_data
    from synth.published import load_published

    data = load_coded_data(ROOT / "data" / "raw")
    return {"data": data, "analysis": analyse(data), "published": load_published()}


@pytest.fixture(autouse=True)
def _doctest_setup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                   tmp_path: Path) -> None:
    if not isinstance(request.node, pytest.DoctestItem):
        return
    namespace = request.getfixturevalue("doctest_namespace")
    namespace.update(request.getfixturevalue("_shipped"))
    namespace["tmp"] = tmp_path
    monkeypatch.chdir(ROOT)
