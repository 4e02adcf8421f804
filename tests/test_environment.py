"""environment.yml (conda, Binder) must install what `make` installs: same pins, same package, same Python."""

import re
import sys
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def conda_pip_lines() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "environment.yml installs through one pip section"
    return pip[0]


def test_conda_pins_agree_with_the_constraints_file():
    pins = constraints()
    lines = conda_pip_lines()
    assert "--constraint constraints.txt" in lines
    assert "--editable .[lab,site]" in lines
    explicit = [Requirement(line) for line in lines if not line.startswith("-")]
    assert explicit, "name the key packages with their exact pins"
    for req in explicit:
        (spec,) = req.specifier
        assert spec.operator == "==", f"{req}: pin exactly"
        assert pins[req.name.lower()] == spec.version, f"{req} disagrees with constraints.txt"


def test_conda_python_matches_the_one_ci_uses_and_the_package_allows():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python == f"python={sys.version_info.major}.{sys.version_info.minor}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert Requirement(f"x{project['requires-python']}").specifier.contains(python.split("=")[1])


def test_torch_is_pinned_where_setup_installs_from():
    assert constraints()["torch"] == "2.13.0"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch = next(Requirement(d) for d in project["dependencies"] if d.startswith("torch"))
    assert torch.specifier.contains("2.13.0") and not torch.specifier.contains("2.14.0"), "never leave torch open"


def test_every_package_dependency_is_pinned_in_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = constraints()
    names = [Requirement(d).name for d in project["dependencies"]]
    names += [Requirement(d).name for extra in project["optional-dependencies"].values() for d in extra]
    missing = [n for n in names if n != "lesson-utils" and n.lower() not in pins]
    assert not missing, f"add exact pins for {missing} to constraints.txt"
    assert not re.search(r"^-e|lesson", (ROOT / "constraints.txt").read_text(), re.M)
