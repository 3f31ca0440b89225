"""`mentorbot migrate` with no DATABASE_URL makes and migrates the embedded database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg

from storage.embedded import start_embedded
from tests.shifted import python_command


def _migrate(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MENTORSHIP_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        python_command("-m", "bot.cli", "migrate"),
        env=env,
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_creates_the_embedded_database_and_is_harmless_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _migrate(data_dir)
    second = _migrate(data_dir)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "database is at the latest schema" in first.stdout
    assert "Running upgrade 0001 -> 0002" in first.stderr
    assert "Running upgrade" not in second.stderr

    with psycopg.connect(start_embedded(data_dir)) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
    assert version is not None
    assert {"users", "sessions", "feedback", "notifications", "ratings"} <= tables
