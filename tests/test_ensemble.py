"""The ensemble of reconstructions: which bars the published numbers pin down."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synth._exceptions import ReconstructionError
from synth.ensemble import ensemble_ranges, plot_ensemble_ranges, run_ensemble
from synth.io import CodedData


def _data(rows: list[tuple[str, str, int, str, str]], themes: list[str]) -> CodedData:
    """Coded data with one code per theme (``C<t>0``) and the given segment rows."""
    book = pd.DataFrame(
        [(f"C{t}0", f"{theme} sub 0", theme, "success") for t, theme in enumerate(themes)],
        columns=["code_id", "subtheme", "theme", "valence"],
    )
    seg = pd.DataFrame(
        rows, columns=["segment_id", "focus_group", "question", "participant_id", "code_id"]
    )
    return CodedData.from_frames(seg, book)


def test_ensemble_ranges_hand_example():
    bars = pd.DataFrame(
        {
            "seed": [1, 1, 2, 2, 3, 3],
            "question": [1] * 6,
            "theme": ["A", "B"] * 3,
            "mean_pct": [28.704, 10.0, 28.696, 12.5, 28.70, 11.0],
            "sd_pct": [5.0, 2.0, 6.0, 1.0, 7.0, 3.0],
            "n_groups": [10] * 6,
            "audit_ok": [True, True, True, True, False, False],
        }
    )
    out = ensemble_ranges(bars).set_index("theme")
    assert out.loc["A", "n_seeds"] == 2  # seed 3 failed the audit
    # 28.704 and 28.696 both print as 28.70: pinned at the paper's precision
    assert out.loc["A", "mean_width"] == pytest.approx(0.008) and bool(out.loc["A", "pinned"])
    assert (out.loc["B", "mean_min"], out.loc["B", "mean_max"]) == (10.0, 12.5)
    assert (out.loc["A", "sd_min"], out.loc["A", "sd_max"]) == (5.0, 6.0)
    assert not bool(out.loc["B", "pinned"])
    every = ensemble_ranges(bars, only_audited=False).set_index("theme")
    assert every.loc["A", "sd_max"] == 7.0
    with pytest.raises(ValueError, match="no reconstruction in the ensemble passed the audit"):
        ensemble_ranges(bars.assign(audit_ok=False))


def test_plot_ensemble_ranges_draws_the_ranges():
    import matplotlib.pyplot as plt

    ranges = pd.DataFrame(
        {"question": [1, 1], "theme": ["A", "B"], "n_seeds": [3, 3], "mean_min": [28.7, 10.0],
         "mean_max": [28.7, 12.5], "mean_width": [0.0, 2.5], "sd_min": [5.0, 1.0],
         "sd_max": [6.0, 3.0], "sd_width": [1.0, 2.0], "pinned": [True, False]}
    )
    fig, ax = plt.subplots()
    plot_ensemble_ranges(ranges, question=1, ax=ax)
    bars = ax.containers[0]
    assert [p.get_y() for p in bars] == pytest.approx([28.7, 10.0])
    assert [p.get_height() for p in bars] == pytest.approx([0.0, 2.5])
    assert [t.get_text() for t in ax.texts] == ["fixed"]
    with pytest.raises(ValueError, match="question 2 is not in the ranges"):
        plot_ensemble_ranges(ranges, question=2, ax=ax)


def _toy_build(seed: int) -> CodedData:
    """A 'reconstruction' whose Q1 is fixed (every group 2 A, 2 B paragraphs: A 50) and whose Q2
    mix depends on the seed (module level, so worker processes can unpickle it)."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(3):
        rows += [(f"G{g}Q1S{k}", f"G{g}", 1, f"G{g}P{k}", "C00" if k < 2 else "C10") for k in range(4)]
        n_a = int(rng.integers(1, 5))
        rows += [(f"G{g}Q2S{k}", f"G{g}", 2, f"G{g}P{k}", "C00" if k < n_a else "C10")
                 for k in range(5)]
    return _data(rows, ["A", "B"])


def _toy_build_failing(seed: int) -> CodedData:
    """Like :func:`_toy_build`, but seed 2's search 'fails'."""

    if seed == 2:
        raise ReconstructionError("no reconstruction met every target")
    return _toy_build(seed)


def _toy_check(data: CodedData) -> bool:
    """'Passes the audit' when group G0 has at least 3 A paragraphs in Q2."""
    seg = data.segments
    return int(((seg["focus_group"] == "G0") & (seg["question"] == 2)
                & (seg["code_id"] == "C00")).sum()) >= 3


def test_run_ensemble_in_parallel_equals_serial_and_finds_pinned_bars():
    serial = run_ensemble([1, 2, 3, 4], jobs=1, build=_toy_build, check=_toy_check)
    parallel = run_ensemble([1, 2, 3, 4], jobs=2, build=_toy_build, check=_toy_check)
    pd.testing.assert_frame_equal(serial, parallel)
    assert list(serial.columns) == ["seed", "question", "theme", "mean_pct", "sd_pct", "n_groups",
                                    "audit_ok"]
    expected_ok = {s: _toy_check(_toy_build(s)) for s in (1, 2, 3, 4)}
    got_ok = serial.drop_duplicates("seed").set_index("seed")["audit_ok"].to_dict()
    assert got_ok == expected_ok
    ranges = ensemble_ranges(serial, only_audited=False).set_index(["question", "theme"])
    assert bool(ranges.loc[(1, "A"), "pinned"]) and ranges.loc[(1, "A"), "mean_min"] == 50.0
    assert ranges.loc[(1, "A"), "sd_width"] == 0.0
    assert not bool(ranges.loc[(2, "A"), "pinned"])


def test_run_ensemble_keeps_going_when_a_seed_fails():
    bars = run_ensemble([1, 2, 3], jobs=1, build=_toy_build_failing, check_audit=False)
    failed = bars[bars["seed"] == 2]
    assert len(failed) == 1 and not bool(failed["audit_ok"].iloc[0])
    assert failed["question"].isna().all()
    assert ensemble_ranges(bars)["n_seeds"].eq(2).all()


def test_small_real_ensemble_pins_the_published_percentages(root):
    # two real reconstructions (the full 50-seed ensemble is `make ensemble`):
    # both pass the audit, and every percentage the Results text publishes is the same in both
    # at two decimals
    from synth.published import load_published, reported_themes

    published = load_published(root / "data" / "raw" / "published")
    bars = run_ensemble([1, 2], jobs=2)
    assert bars.drop_duplicates("seed")["audit_ok"].astype(bool).all()
    ranges = ensemble_ranges(bars).merge(reported_themes(published), on=["question", "theme"])
    assert len(ranges) == 16
    assert ranges["pinned"].all()
    assert np.allclose(ranges["mean_min"], ranges["published_pct"], atol=0.005 + 1e-9)


def test_run_ensemble_rejects_bad_seeds():
    with pytest.raises(ValueError, match="at least one seed"):
        run_ensemble([])
    with pytest.raises(ValueError, match="distinct"):
        run_ensemble([1, 1])
