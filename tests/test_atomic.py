"""Atomic output folders: a failure or an interrupt leaves the previous outputs as they were."""

from __future__ import annotations

import pytest

from synth import SynthError
from synth._atomic import MARKER, atomic_dir, atomic_file


def _synth_folder(target):
    """A folder as an earlier synth command left it."""
    target.mkdir()
    (target / MARKER).write_text("written by an earlier run\n")
    return target


def test_success_replaces_the_folder(tmp_path):
    target = _synth_folder(tmp_path / "out")
    (target / "old.csv").write_text("old")
    with atomic_dir(target) as tmp:
        (tmp / "new.csv").write_text("new")
        assert not (target / "new.csv").exists()  # nothing visible before success
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "new.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_or_interrupt_halfway_leaves_previous_outputs(tmp_path, error):
    target = _synth_folder(tmp_path / "out")
    (target / "fig1.png").write_bytes(b"previous")
    with pytest.raises(type(error)):
        with atomic_dir(target) as tmp:
            (tmp / "fig1.png").write_bytes(b"half-written")
            raise error
    assert (target / "fig1.png").read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_merge_keeps_other_files(tmp_path):
    target = _synth_folder(tmp_path / "figures")
    (target / "keep.txt").write_text("k")
    (target / "fig1.csv").write_text("old")
    with atomic_dir(target, merge=True) as tmp:
        (tmp / "fig1.csv").write_text("new")
    assert (target / "keep.txt").read_text() == "k"
    assert (target / "fig1.csv").read_text() == "new"


def test_raw_data_is_refused(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    with pytest.raises(SynthError, match="data/raw/ is read-only input"):
        with atomic_dir(raw / "sub"):
            pass
    with pytest.raises(SynthError, match="read-only"):
        with atomic_file(raw / "x.csv"):
            pass


def test_atomic_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(ValueError):
        with atomic_file(target) as tmp:
            tmp.write_text("new")
            raise ValueError
    assert target.read_text() == "old"
    with atomic_file(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_outputs_get_the_usual_permissions_not_mkdtemps_0700(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "out") as tmp:
            (tmp / "a.csv").write_text("x")
        with atomic_file(tmp_path / "f.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o644
