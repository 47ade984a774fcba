"""The package's public surface and command line."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import synth
import synth.cli
from synth.cli import COMMANDS, build_parser


def test_public_names_are_the_exception_family_and_the_version():
    expected = {name for name, value in vars(synth).items()
                if isinstance(value, type) and issubclass(value, synth.SynthError)}
    assert set(synth.__all__) == expected | {"__version__"}


def test_exception_family_is_one_tree():
    for name in ("DataError", "UnsafeInputError", "UsageError", "ReconstructionError",
                 "ReportError"):
        assert issubclass(getattr(synth, name), synth.SynthError)
    assert issubclass(synth.ChecksumError, synth.DataError)
    assert issubclass(synth.UsageError, ValueError)


def _modules() -> list[str]:
    names = ["synth"]
    for info in pkgutil.walk_packages(synth.__path__, "synth."):
        names.append(info.name)
    return sorted(n for n in names if not n.endswith("__main__"))


@pytest.mark.parametrize("module", _modules())
def test_every_module_declares_all_and_its_names_exist(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), list), f"{module} has no __all__ list"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.__all__ names missing {name}"


def test_public_modules_export_every_public_function_they_define():
    """What a public module defines without a leading underscore is in its __all__ (httpx's
    test_all_imports_are_exported, derived from the module rather than a hand-kept list)."""
    for module in _modules():
        if any(part.startswith("_") for part in module.split(".")[1:]):
            continue
        mod = importlib.import_module(module)
        defined = {
            name for name, value in vars(mod).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == module
            and callable(value)
        }
        missing = defined - set(mod.__all__)
        assert not missing, f"{module} defines but does not export {sorted(missing)}"


def test_py_typed_is_shipped(root):
    assert (root / "src" / "synth" / "py.typed").is_file()


def test_version_and_help():
    out = subprocess.run([sys.executable, "-m", "synth.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"synth {synth.__version__}"
    out = subprocess.run([sys.executable, "-m", "synth.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for name in COMMANDS:
        assert name.replace("_", "-") in out.stdout
    # the help ends with the exit codes
    tail = out.stdout.strip().splitlines()
    codes = [line.split()[0] for line in tail if line.startswith("  ") and line.split()[0].isdigit()]
    assert codes == ["0", "1", "2", "130"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_description_and_an_example(name, capsys):
    command = name.replace("_", "-")
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith(f"usage: synth {command}")
    description = rest.split("\n\n")[0]
    assert len(description.split()) >= 25, f"{command}: a paragraph, not a line"
    example = text.split("example")[-1]
    assert f"synth {command}" in example


def test_commands_reading_coded_data_take_data_with_one_default():
    readers = ["validate", "analyse", "figures", "tables", "audit", "report", "manuscript",
               "export-qdpx", "export-sav"]
    parser = build_parser()
    for command in readers:
        extra = {"figures": ["--out", "o"], "tables": ["--out", "o"], "analyse": ["--out", "o"],
                 "export-qdpx": ["--out-file", "o"], "export-sav": ["--out-file", "o"]}
        args = parser.parse_args([command, *extra.get(command, [])])
        assert args.data is None, command  # None: the compendium's data/raw/, found the same way
        assert synth.cli._common.data_folder(args) == synth.paths.raw_dir(), command


def test_the_default_data_folder_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = subprocess.run([sys.executable, "-m", "synth.cli", "validate"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "977 coding references" in out.stdout


def test_a_closed_pipe_ends_quietly(raw):
    """``synth validate | head -1``: no BrokenPipeError traceback, the usual exit code."""
    proc = subprocess.run(
        f"{sys.executable} -m synth.cli validate --data {raw} | head -c 5",
        shell=True, capture_output=True, text=True,
        executable="/bin/bash",
    )
    assert proc.stdout == "977 c"
    assert proc.stderr == ""
    piped = subprocess.run(
        ["bash", "-o", "pipefail", "-c",
         f"{sys.executable} -m synth.cli audit --data {raw} | head -n 1 >/dev/null"],
        capture_output=True, text=True,
    )
    assert piped.returncode == 0 and "Traceback" not in piped.stderr


def test_no_command_prints_help_and_fails():
    out = subprocess.run([sys.executable, "-m", "synth.cli"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage: synth" in out.stdout


def test_unit_choices_are_checked():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyse", "--out", "c", "--unit", "sentence"])


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
