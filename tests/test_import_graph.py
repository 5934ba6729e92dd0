"""Imports run one way: no module reaches itself again, function-local imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_path(name: str) -> Path:
    """Return the file of a module of this project."""
    base = ROOT.joinpath(*name.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def imports_of(name: str) -> set[str]:
    """Return the project modules ``name`` imports anywhere in its text (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module_path(name).read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                # ``from app.x import y`` needs the module app.x.y when there is one, else app.x.
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if is_module(submodule) else node.module)
    return {m for m in found if m.startswith("app") and is_module(m)}


def is_module(name: str) -> bool:
    """Tell whether a dotted name is a module of this project."""
    return name.split(".")[0] == "app" and module_path(name).exists()


def cycle_through(start: str, within: str) -> list[str] | None:
    """Return an import path from ``start`` back to itself inside package ``within``, if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for imported in sorted(imports_of(name)):
            if not imported.startswith(within):
                continue
            if imported == start:
                return [*path, imported]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


@pytest.mark.parametrize(
    "module",
    [f"app.observability.{p.stem}" for p in sorted((ROOT / "app/observability").glob("[!_]*.py"))],
)
def test_observability_modules_import_one_way(module):
    assert cycle_through(module, "app.observability") is None


@pytest.mark.parametrize(
    "module", ["app.messaging.services", "app.admin.services", "app.admin.views"]
)
def test_finding_a_person_needs_no_social_service(module):
    # user_or_404 is a read: callers take it from app.social.queries, so messaging no longer
    # reaches the notification services (and back) through app.social.services.
    imported = imports_of(module)
    assert "app.social.services" not in imported
    assert "app.social.queries" in imported
