"""The one-clock rule (`domain.ports.Clock`), held by reading the code: the
application never writes the database's `now()`, and reads the system's clock
only where a clock is made or a real-world instant is meant."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = ("bot", "handlers", "domain", "storage")

# SQL that reads the database server's clock.
DATABASE_CLOCK = re.compile(
    r"\bfunc\.now\b|(?<![.\w`])now\(\)|\bcurrent_timestamp\b|\bclock_timestamp\b"
    r"|\bstatement_timestamp\b|\btransaction_timestamp\b|\blocaltimestamp\b",
    re.IGNORECASE,
)
# Where the system clock is read, and why that is not a second clock.
SYSTEM_CLOCK_READERS = {
    "bot/deps.py",  # SystemClock: the application's clock itself
    "bot/demo/cast.py",  # the demo's fake clock starts on the Monday after today
    "bot/cli.py",  # `mentorbot seed` spreads its synthetic sessions around today
    "storage/seed/common.py",  # the seed's reference instant, this week's Monday
    "bot/standin/signing.py",  # Slack signs requests with real Unix time, by protocol
}
SYSTEM_CLOCK_CALLS = {"now", "utcnow", "today", "time"}


def _sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_application_code_writes_or_reads_the_database_clock() -> None:
    # Column defaults stay (the models match the migrations): they serve rows
    # written by hand, and the application always writes the column itself.
    found = [
        f"{_name(path)}:{number}: {line.strip()}"
        for path in _sources(*APPLICATION)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DATABASE_CLOCK.search(line.split("#")[0]) and "server_default" not in line
    ]
    assert found == []


def test_migrations_use_the_database_clock_only_as_a_default_for_hand_written_rows() -> None:
    found = [
        f"{_name(path)}:{number}: {line.strip()}"
        for path in _sources("migrations")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DATABASE_CLOCK.search(line) and "server_default" not in line
    ]
    assert found == []


def _system_clock_calls(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SYSTEM_CLOCK_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"datetime", "date", "time"}
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_listed_modules_read_the_system_clock() -> None:
    readers = {_name(path) for path in _sources(*APPLICATION) if _system_clock_calls(path)}
    assert readers <= SYSTEM_CLOCK_READERS
