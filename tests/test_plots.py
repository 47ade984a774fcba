"""Figures 1-8 (synth.plots): what is drawn is read back off the Axes and checked against hand-worked
values and the analysis output; saving is byte-reproducible."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from synth import DataError  # noqa: E402
from synth.analysis import Analysis, analyse  # noqa: E402
from synth.checksums import is_shipped_reconstruction  # noqa: E402
from synth.cli import main  # noqa: E402
from synth.io import CodedData  # noqa: E402
from synth.plots import (  # noqa: E402
    FIGURE_COLUMNS,
    REPORTED_HATCH,
    caption,
    figure_table,
    plot_question,
    save_figure,
)

SEG_COLS = ["segment_id", "focus_group", "question", "participant_id", "code_id"]
CODEBOOK = pd.DataFrame(
    {
        "code_id": ["a1", "a2", "b1", "c1", "d1"],
        "subtheme": ["Alpha one", "Alpha two", "Beta one", "Gamma one", "Delta one"],
        "theme": ["Alpha", "Alpha", "Beta", "Gamma", "Delta"],
        "valence": ["success", "challenge", "success", "challenge", "success"],
    }
)
THEMES = ["Alpha", "Beta", "Gamma", "Delta"]

# Question 1, paragraphs per theme -> each group's percentages (Alpha, Beta, Gamma, Delta):
#   FG1: S1 a1, S2 a2, S3 b1      -> 66.67, 33.33, 0, 0
#   FG2: S4 c1                    -> 0, 0, 100, 0
#   FG3: S5 a1, S6, S7, S8 b1     -> 25, 75, 0, 0
# Question 3: FG2 only, S9 c1     -> 0, 0, 100, 0 (one group: no error bars)
ROWS = [
    ("S1", "FG1", 1, "P11", "a1"),
    ("S2", "FG1", 1, "P12", "a2"),
    ("S3", "FG1", 1, "P11", "b1"),
    ("S4", "FG2", 1, "P21", "c1"),
    ("S5", "FG3", 1, "P31", "a1"),
    ("S6", "FG3", 1, "P31", "b1"),
    ("S7", "FG3", 1, "P32", "b1"),
    ("S8", "FG3", 1, "P33", "b1"),
    ("S9", "FG2", 3, "P21", "c1"),
]
Q1_GROUPS = {
    "Alpha": [200 / 3, 0.0, 25.0],
    "Beta": [100 / 3, 0.0, 75.0],
    "Gamma": [0.0, 100.0, 0.0],
    "Delta": [0.0, 0.0, 0.0],
}
Q1_MEAN = {t: sum(v) / 3 for t, v in Q1_GROUPS.items()}  # 30.56, 36.11, 33.33, 0
Q1_SD = {t: statistics.stdev(v) for t, v in Q1_GROUPS.items()}
# 50% rule on Q1: Beta 36.11, then Gamma (69.44) -> Beta and Gamma are reported.
Q1_REPORTED = {"Beta", "Gamma"}
# Code occurrences: Alpha (P11 a1, P12 a2, P31 a1) 3, Beta (P11, P31, P32, P33) 4,
# Gamma (P21 in Q1, P21 in Q3) 2, Delta 0. Mean 9 / 4 = 2.25 -> Alpha and Beta are major.
MAJOR = {"Alpha", "Beta"}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result() -> Analysis:
    return analyse(CodedData.from_frames(pd.DataFrame(ROWS, columns=SEG_COLS), CODEBOOK))


def bars_by_x(ax: plt.Axes) -> list[matplotlib.patches.Rectangle]:
    return sorted(ax.patches, key=lambda p: p.get_x() + p.get_width() / 2)


def errorbar_container(ax: plt.Axes) -> ErrorbarContainer | None:
    found = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(found) <= 1
    return found[0] if found else None


def draw(result: Analysis, question: int = 1, **kwargs) -> plt.Axes:
    _, ax = plt.subplots()
    kwargs.setdefault("major", MAJOR)
    kwargs.setdefault("title", f"Question {question}")
    return plot_question(figure_table(result, question), question=question, ax=ax, **kwargs)


def test_bars_read_back_equal_hand_values_and_analysis(result: Analysis) -> None:
    ax = draw(result)
    bars = bars_by_x(ax)
    assert [b.get_x() + b.get_width() / 2 for b in bars] == pytest.approx([0, 1, 2, 3])
    heights = [b.get_height() for b in bars]
    assert heights == pytest.approx([Q1_MEAN[t] for t in THEMES])
    shares = result.shares[result.shares["question"] == 1]
    assert heights == pytest.approx(shares["mean_pct"].tolist())
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == THEMES
    assert ax.get_ylabel() == "Percentage of codes"


def test_error_bar_ends_are_mean_plus_minus_sample_sd(result: Analysis) -> None:
    ax = draw(result)
    container = errorbar_container(ax)
    assert container is not None
    _, caps, (stems,) = container.lines
    ends = {}
    for segment in stems.get_segments():
        x = int(round(segment[0][0]))
        ends[THEMES[x]] = sorted([segment[0][1], segment[1][1]])
    for theme in THEMES:
        low, high = ends[theme]
        assert low == pytest.approx(Q1_MEAN[theme] - Q1_SD[theme])
        assert high == pytest.approx(Q1_MEAN[theme] + Q1_SD[theme])
    # Alpha by hand: mean 91.667 / 3 = 30.5556; deviations 36.1111, -30.5556, -5.5556;
    # squares 1304.012 + 933.642 + 30.864 = 2268.519; / 2 = 1134.259; SD 33.6788
    # -> ends 30.5556 - 33.6788 = -3.1232 and 30.5556 + 33.6788 = 64.2344
    assert ends["Alpha"] == pytest.approx([-3.1232, 64.2344], abs=1e-3)
    # the caps sit at the same ends
    cap_y = sorted(np.concatenate([c.get_ydata() for c in caps]).tolist())
    expected = sorted(
        [Q1_MEAN[t] - Q1_SD[t] for t in THEMES] + [Q1_MEAN[t] + Q1_SD[t] for t in THEMES]
    )
    assert cap_y == pytest.approx(expected)


def test_one_group_draws_no_error_bars(result: Analysis) -> None:
    ax = draw(result, question=3)
    assert [b.get_height() for b in bars_by_x(ax)] == pytest.approx([0, 0, 100, 0])
    assert errorbar_container(ax) is None
    assert not any("SD" in t.get_text() for t in ax.get_legend().get_texts())


def test_reported_marking_exactly_on_the_selected_themes(result: Analysis) -> None:
    ax = draw(result)
    hatched = {THEMES[i] for i, b in enumerate(bars_by_x(ax)) if b.get_hatch() == REPORTED_HATCH}
    assert hatched == Q1_REPORTED
    selected = set(result.selected.loc[result.selected["question"] == 1, "theme"])
    assert hatched == selected
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "Major theme",
        "Minor theme",
        "Reported (50% rule)",
        "±1 SD across focus groups",
    ]


def test_major_and_minor_have_different_colours(result: Analysis) -> None:
    colours = {THEMES[i]: b.get_facecolor() for i, b in enumerate(bars_by_x(draw(result)))}
    assert colours["Alpha"] == colours["Beta"]
    assert colours["Gamma"] == colours["Delta"]
    assert colours["Alpha"] != colours["Gamma"]
    custom = draw(result, palette={"major": "red", "minor": "blue"})
    by_theme = {THEMES[i]: b.get_facecolor() for i, b in enumerate(bars_by_x(custom))}
    assert by_theme["Alpha"] == matplotlib.colors.to_rgba("red")
    assert by_theme["Delta"] == matplotlib.colors.to_rgba("blue")


def test_plot_from_the_shares_table_applies_the_fifty_percent_rule(result: Analysis) -> None:
    _, ax = plt.subplots()
    plot_question(result.shares, question=1, ax=ax, title="Q1")
    bars = bars_by_x(ax)
    assert [b.get_height() for b in bars] == pytest.approx([Q1_MEAN[t] for t in THEMES])
    hatched = {THEMES[i] for i, b in enumerate(bars) if b.get_hatch() == REPORTED_HATCH}
    assert hatched == Q1_REPORTED
    # without major information every bar has the same colour
    assert len({b.get_facecolor() for b in bars}) == 1


def test_plot_question_defaults_and_errors(result: Analysis) -> None:
    _, ax = plt.subplots()
    plot_question(figure_table(result, 1), question=1, ax=ax)
    assert ax.get_title(loc="left").startswith("Question 1")
    with pytest.raises(ValueError, match="several questions: pass question="):
        plot_question(result.shares, ax=ax)
    with pytest.raises(ValueError, match="no rows for question 7"):
        plot_question(result.shares, question=7, ax=ax)
    with pytest.raises(ValueError, match="lacks column"):
        plot_question(pd.DataFrame({"theme": ["A"]}), ax=ax)
    with pytest.raises(ValueError, match="two colours"):
        plot_question(figure_table(result, 1), question=1, ax=ax, palette=["red"])


def test_figure_table_is_exactly_the_plotted_values(result: Analysis) -> None:
    table = figure_table(result, 1)
    assert list(table.columns) == list(FIGURE_COLUMNS)
    assert table["theme"].tolist() == THEMES
    assert table["mean_pct"].tolist() == pytest.approx([Q1_MEAN[t] for t in THEMES])
    assert table["sd_pct"].tolist() == pytest.approx([Q1_SD[t] for t in THEMES])
    assert table["n_groups"].tolist() == [3, 3, 3, 3]
    assert table["reported"].tolist() == [False, True, True, False]
    with pytest.raises(DataError, match="question 2 has no codings"):
        figure_table(result, 2)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_saves_give_identical_bytes(result: Analysis, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    ax = draw(result)
    first = save_figure(ax.figure, tmp_path / "a", "fig1")
    second = save_figure(ax.figure, tmp_path / "b", "fig1")
    assert [p.name for p in first] == ["fig1.png", "fig1.svg", "fig1.pdf"]
    for one, two in zip(first, second, strict=True):
        assert sha(one) == sha(two), one.name
    # a freshly drawn figure gives the same bytes too
    third = save_figure(draw(result).figure, tmp_path / "c", "fig1")
    for one, three in zip(first, third, strict=True):
        assert sha(one) == sha(three), one.name
    assert b"<dc:date>" not in (tmp_path / "a" / "fig1.svg").read_bytes()
    assert b"CreationDate" not in (tmp_path / "a" / "fig1.pdf").read_bytes()
    # the figure is not closed by saving
    assert ax.figure.number in plt.get_fignums()


def test_source_date_epoch_is_honoured(result: Analysis, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    ax = draw(result)
    one = save_figure(ax.figure, tmp_path / "a", "f", formats=("svg", "pdf"))
    two = save_figure(ax.figure, tmp_path / "b", "f", formats=("svg", "pdf"))
    for a, b in zip(one, two, strict=True):
        assert sha(a) == sha(b)
    assert b"2023-11-14" in one[0].read_bytes()
    with pytest.raises(ValueError, match="not one of png, svg, pdf"):
        save_figure(ax.figure, tmp_path, "f", formats=("jpg",))


def test_caption_is_honest_about_what_is_pinned(result: Analysis) -> None:
    table = figure_table(result, 1)
    shipped = caption(1, table, reconstructed=True)
    real = caption(1, table, reconstructed=False)
    assert shipped.startswith("Figure 1. Question 1")
    assert "Beta (36.11%); Gamma (33.33%)" in shipped  # reported means, two decimals
    assert "Pinned by the paper: the reported themes' means" in shipped
    assert "reconstructed data: the error bars" in shipped
    assert "Pinned" not in real and "reconstruct" not in real
    assert "computed from the coded data supplied" in real
    assert "code occurrences" in caption(1, table, reconstructed=True, unit="code")
    assert "paragraph reading only" in caption(1, table, reconstructed=True, unit="code")
    one_group = caption(3, figure_table(result, 3), reconstructed=False)
    assert "error bars are omitted because one group answered" in one_group


def test_is_shipped_reconstruction(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "coded_segments.csv").write_text("x\n")
    (data / "codebook.csv").write_text("y\n")
    sums = tmp_path / "SHA256SUMS"
    lines = [f"{sha(data / n)}  {n}" for n in ("codebook.csv", "coded_segments.csv")]
    sums.write_text("\n".join(lines) + "\n")
    assert is_shipped_reconstruction(data, sums) is True
    (data / "codebook.csv").write_text("changed\n")
    assert is_shipped_reconstruction(data, sums) is False
    assert is_shipped_reconstruction(data, tmp_path / "missing") is False


def test_figures_command_and_report_write_the_same_bytes(shipped_report, raw, tmp_path) -> None:
    """One drawing function: ``synth figures`` and the report's notebook give identical files."""
    out = tmp_path / "figures"
    assert main(["figures", "--data", str(raw), "--out", str(out)]) == 0
    from_report = shipped_report.parent / "figures"
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in from_report.iterdir() if not p.name.startswith("."))
    assert [f"fig{q}.png" for q in range(1, 9)] == [n for n in names if n.endswith(".png")]
    for name in names:
        assert (out / name).read_bytes() == (from_report / name).read_bytes(), name


def write_inputs(folder, rows) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=SEG_COLS).to_csv(folder / "coded_segments.csv", index=False)
    CODEBOOK.to_csv(folder / "codebook.csv", index=False)


def test_cli_figures_writes_every_file_and_keeps_others(tmp_path, capsys) -> None:
    write_inputs(tmp_path / "data", ROWS)
    out = tmp_path / "figures"
    out.mkdir()
    (out / ".synth-output").write_text("written by an earlier run\n")  # a synth folder
    (out / "keep.txt").write_text("kept: another command's\n")
    assert main(["figures", "--data", str(tmp_path / "data"), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    expected = sorted(
        f"fig{q}.{ext}" for q in (1, 3) for ext in ("png", "svg", "pdf", "csv", "txt")
    )
    assert names == sorted(expected + ["keep.txt"])
    assert (out / ".synth-figures").is_file()  # the list of the figure files synth wrote
    text = (out / "fig1.csv").read_text()
    assert text.splitlines()[0] == "theme,mean_pct,sd_pct,n_groups,reported"
    table = pd.read_csv(out / "fig1.csv")
    assert table["mean_pct"].tolist() == pytest.approx([Q1_MEAN[t] for t in THEMES])
    assert table["reported"].tolist() == [False, True, True, False]
    assert pd.read_csv(out / "fig3.csv")["sd_pct"].isna().all()  # one group: empty SD
    assert "Every value is computed from the coded data supplied" in (out / "fig1.txt").read_text()
    assert (out / "fig1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Figure 3" in capsys.readouterr().err


def test_cli_figures_bad_input(tmp_path, capsys) -> None:
    write_inputs(tmp_path / "data", ROWS + [("S10", "FG1", 0, "P11", "a1")])  # question 0
    out = tmp_path / "figures"
    assert main(["figures", "--data", str(tmp_path / "data"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "question must be a positive integer" in err[0]
    assert not out.exists()
