"""Earlier migrations, for the migrations that change what they made: their
SQL is read from them, not copied (the files' names start with a date, so they
are not importable by name)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).with_name("versions")


def migration(name: str) -> ModuleType:
    """The module of `versions/<name>`."""
    path = VERSIONS / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replacing(function: str) -> str:
    """A `CREATE FUNCTION` made `CREATE OR REPLACE`: for the same signature, the
    function is replaced in place and keeps its grants."""
    return function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
