"""The package's public surface and command line."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import synth
from synth.cli import build_parser


def test_public_names_are_exactly_these():
    assert set(synth.__all__) == {
        "__version__", "SynthError", "DataError", "ChecksumError", "UnsafeInputError",
        "ReconstructionError", "ReportError",
    }


def test_exception_family_is_one_tree():
    for name in ("DataError", "UnsafeInputError", "ReconstructionError", "ReportError"):
        assert issubclass(getattr(synth, name), synth.SynthError)
    assert issubclass(synth.ChecksumError, synth.DataError)


@pytest.mark.parametrize(
    "module",
    ["synth.io", "synth.paths", "synth.cli", "synth._atomic", "synth._exceptions"],
)
def test_modules_declare_all(module):
    mod = importlib.import_module(module)
    assert mod.__all__, module
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.__all__ names missing {name}"


def test_py_typed_is_shipped(root):
    assert (root / "src" / "synth" / "py.typed").is_file()


def test_version_and_help():
    out = subprocess.run([sys.executable, "-m", "synth.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"synth {synth.__version__}"
    out = subprocess.run([sys.executable, "-m", "synth.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("validate", "reconstruct", "audit", "analyse", "figures", "tables", "report",
                    "import-qdpx", "export-qdpx", "export-sav"):
        assert command in out.stdout


def test_no_command_prints_help_and_fails():
    out = subprocess.run([sys.executable, "-m", "synth.cli"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage: synth" in out.stdout


def test_unit_choices_are_checked():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyse", "--segments", "a", "--codebook", "b", "--out", "c",
                                   "--unit", "sentence"])


def test_an_interrupt_masked_by_a_clean_up_error_still_exits_130(monkeypatch, capsys):
    """Ctrl-C inside matplotlib's PDF writer surfaces as an AttributeError raised while the
    KeyboardInterrupt was being handled; it is still an interrupt, not a crash."""
    import synth.cli as cli

    def handler(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise AttributeError("'Stream' object has no attribute 'pos'") from None

    parser = cli.build_parser()
    args = parser.parse_args(["validate", "--data", "x"])
    args.handler = handler
    monkeypatch.setattr(cli.argparse.ArgumentParser, "parse_args", lambda self, argv=None: args)
    assert cli.main([]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_a_bug_is_not_hidden_as_an_input_error(monkeypatch):
    import synth.cli as cli

    def handler(args):
        raise ZeroDivisionError

    args = cli.build_parser().parse_args(["validate", "--data", "x"])
    args.handler = handler
    monkeypatch.setattr(cli.argparse.ArgumentParser, "parse_args", lambda self, argv=None: args)
    with pytest.raises(ZeroDivisionError):
        cli.main([])
