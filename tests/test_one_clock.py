"""The one-clock rule (`domain.ports.Clock`), held by reading the code: the
application never writes the database's `now()`, and reads the system's clock
only where a clock is made or a real-world instant is meant."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = ("bot", "handlers", "domain", "storage")

# SQL that reads the database server's clock, in any string the code holds
# (adjacent literals are one string in the AST, so a split `"now" "()"` is seen).
DATABASE_CLOCK = re.compile(
    r"\bnow\s*\(\s*\)|'now'|\bcurrent_(timestamp|date|time)\b|\blocaltime(stamp)?\b"
    r"|\bclock_timestamp\b|\bstatement_timestamp\b|\btransaction_timestamp\b|\btimeofday\b",
    re.IGNORECASE,
)
# The same functions reached through SQLAlchemy's `func`.
DATABASE_CLOCK_FUNCS = {
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
}
# Where the system clock is read, and why that is not a second clock.
SYSTEM_CLOCK_READERS = {
    "bot/deps.py",  # SystemClock: the application's clock itself
    "bot/demo/cast.py",  # the demo's fake clock starts on the Monday after today
    "bot/cli.py",  # `mentorbot seed` spreads its synthetic sessions around today
    "storage/seed/common.py",  # the seed's reference instant, this week's Monday
    "bot/standin/signing.py",  # Slack signs requests with real Unix time, by protocol
}


def _sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _database_clock_uses(path: Path) -> list[int]:
    """Lines that read the database's clock: a SQL string naming one of its
    clock functions, or `func.<one of them>`; a column's `server_default=`
    (a default for rows written by hand) is the one exception."""
    tree = ast.parse(path.read_text(), filename=str(path))
    defaults = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword) and node.arg == "server_default"
        for inner in ast.walk(node.value)
    }
    lines = []
    for node in ast.walk(tree):
        if id(node) in defaults:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if DATABASE_CLOCK.search(node.value) and not _is_docstring(tree, node):
                lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr.lower() in DATABASE_CLOCK_FUNCS:
            if (isinstance(node.value, ast.Name) and node.value.id == "func") or (
                isinstance(node.value, ast.Attribute) and node.value.attr == "func"
            ):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).lower() in DATABASE_CLOCK_FUNCS
        ):
            lines.append(node.lineno)
    return lines


def _is_docstring(tree: ast.AST, constant: ast.Constant) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and body[0].value is constant:
                return True
    return False


def test_no_application_code_writes_or_reads_the_database_clock() -> None:
    # Column defaults stay (the models match the migrations): they serve rows
    # written by hand, and the application always writes the column itself.
    found = [
        f"{_name(path)}:{line}"
        for path in _sources(*APPLICATION)
        for line in _database_clock_uses(path)
    ]
    assert found == []


def test_migrations_use_the_database_clock_only_as_a_default_for_hand_written_rows() -> None:
    found = [
        f"{_name(path)}:{line}"
        for path in _sources("migrations")
        for line in _database_clock_uses(path)
    ]
    assert found == []


CLOCK_MODULE_READS = {"time": {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime"}}
CLOCK_CLASS_READS = {"now", "utcnow", "today"}


def _system_clock_calls(path: Path) -> list[int]:
    """Every reference (called or handed on, as `default_factory=datetime.now`)
    to the wall clock: `datetime.now`, `datetime.datetime.now`, `dt.date.today`,
    `time.time`, `time.time_ns`, and names imported from `time`."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "time"
            and any(alias.name in CLOCK_MODULE_READS["time"] for alias in node.names)
        ):
            lines.append(node.lineno)
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else None
        )
        reads_class = node.attr in CLOCK_CLASS_READS and owner_name in {"datetime", "date"}
        reads_module = owner_name == "time" and node.attr in CLOCK_MODULE_READS["time"]
        if reads_class or reads_module:
            lines.append(node.lineno)
    return lines


def test_only_the_listed_modules_read_the_system_clock() -> None:
    readers = {_name(path) for path in _sources(*APPLICATION) if _system_clock_calls(path)}
    assert readers <= SYSTEM_CLOCK_READERS
