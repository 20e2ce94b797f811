"""The layers only point down: the domain, operations and queries never import Flask, a blueprint package,
the CLI or the app's extensions, and no module hides an import inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "quizapp"
LOWER = ("domain", "operations", "queries")
# What no lower module may import: the web framework and its extensions, and the layers above.
HIGHER = ("flask", "flask_login", "flask_wtf", "flask_migrate", "werkzeug", "wtforms", "quizapp.extensions")
BLUEPRINTS = ("admin", "auth", "banks", "cards", "home", "media", "quiz", "stats", "teach")
HIGHER += tuple(f"quizapp.{name}" for name in (*BLUEPRINTS, "cli", "access"))
HIGHER += ("quizapp.errors", "quizapp.rendering", "quizapp.security")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports, absolute, with the line."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found.append((name, node.lineno))
            found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return found


def lower_modules() -> list[Path]:
    return sorted(p for layer in LOWER for p in (PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", lower_modules(), ids=lambda p: module_name(p))
def test_lower_layers_never_import_flask_or_a_higher_layer(path):
    bad = [
        f"{module_name(path)}:{line} imports {name}"
        for name, line in imported(path)
        if any(name == h or name.startswith(h + ".") for h in HIGHER)
    ]
    assert not bad, bad


def test_the_import_graph_check_sees_relative_imports():
    names = {name for name, _line in imported(PACKAGE / "quiz" / "views.py")}
    assert {"quizapp.operations.quizzes", "quizapp.extensions.db", "flask.Blueprint"} <= names


def test_no_import_hides_inside_a_function():
    hidden = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden += [
                    f"{module_name(path)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert not hidden, hidden
