"""Alembic migrations: the schema, its constraints, roles, grants and row-level policies."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent
