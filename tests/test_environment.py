"""The environment files agree: pyproject.toml's dependencies, requirements.lock's exact pins and
environment.yml (conda / Binder) list the same packages at the same versions."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pyproject() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(d) for d in project["dependencies"]}
    dev = {_name(d) for d in project["optional-dependencies"]["dev"]}
    return runtime, dev


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "==" in line, f"requirements.lock: not an exact pin: {line!r}"
        name, version = line.split("==", 1)
        pins[_name(name)] = version.split(";")[0].strip()
    return pins


def _conda() -> tuple[dict[str, str], list[object]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pins: dict[str, str] = {}
    pip_section: list[object] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
            continue
        name, _, version = str(dep).partition("=")
        pins[name.strip().lower()] = version.strip()
    return pins, pip_section


def test_lock_pins_every_dependency_exactly():
    runtime, dev = _pyproject()
    lock = _lock()
    missing = sorted((runtime | dev) - set(lock))
    assert not missing, f"requirements.lock lacks {missing}; run 'make lock'"


def test_environment_yml_lists_the_same_packages_as_pyproject():
    runtime, dev = _pyproject()
    conda, pip_section = _conda()
    listed = set(conda) - {"python", "pip"}
    assert listed == runtime | dev, (
        f"environment.yml and pyproject.toml differ: only in environment.yml "
        f"{sorted(listed - (runtime | dev))}, only in pyproject.toml {sorted((runtime | dev) - listed)}"
    )
    assert "-e ." in pip_section, "environment.yml must install the package itself (pip: -e .)"


def test_environment_yml_versions_match_the_lock():
    conda, _ = _conda()
    lock = _lock()
    drift = {n: (v, lock.get(n)) for n, v in conda.items() if n not in {"python", "pip"} and v != lock.get(n)}
    assert not drift, f"environment.yml pins differ from requirements.lock: {drift}"


def test_python_floor_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    conda, _ = _conda()
    assert conda["python"] == "3.11"
