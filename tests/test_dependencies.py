"""Every package the app imports is installed by `make run`, not only by the test tools."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

APP = Path(__file__).resolve().parent.parent / "app"
# Imported only when the optional feature is on (tracing: pip install devthread[otel]).
OPTIONAL = {"opentelemetry"}


def imported_top_levels() -> set[str]:
    """Return the top-level names of every absolute import under app/."""
    names: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "app"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure() -> set[str]:
    """Return the distributions `pip install .` brings: pyproject's dependencies, without extras."""
    project = tomllib.loads((APP.parent / "pyproject.toml").read_text(encoding="utf-8"))
    todo = [Requirement(line) for line in project["project"]["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = normalized(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        todo.extend(Requirement(line) for line in metadata.requires(name) or [])
    return seen


def test_every_imported_package_is_a_runtime_dependency():
    providers = metadata.packages_distributions()
    closure = runtime_closure()
    missing = {
        module: providers.get(module)
        for module in imported_top_levels() - OPTIONAL
        if not any(normalized(dist) in closure for dist in providers.get(module, []))
    }
    assert not missing, f"imported by app/ but not installed by `make run`: {missing}"
