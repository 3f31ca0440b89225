"""The dependency rule of DESIGN.md, checked by walking every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "domain", "storage", "migrations")

# Top-level packages each layer must never import.
FORBIDDEN = {
    "domain": {
        "bot",
        "handlers",
        "storage",
        "migrations",
        "sqlalchemy",
        "psycopg",
        "slack_sdk",
        "slack_bolt",
        "alembic",
    },
    "storage": {"bot", "handlers", "slack_sdk", "slack_bolt"},
    "handlers": {"bot", "storage", "migrations", "sqlalchemy", "psycopg", "alembic"},
    "migrations": {"bot", "handlers", "domain"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_only_what_the_dependency_rule_allows(layer: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in _imports(path) & FORBIDDEN[layer]
    }
    assert not wrong


def test_domain_code_never_reads_the_clock() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "domain").rglob("*.py")
        if any(call in path.read_text() for call in ("datetime.now(", ".utcnow(", "time.time("))
    ]
    assert not offenders
