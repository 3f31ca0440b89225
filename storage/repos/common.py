"""Small helpers the repositories share."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session as OrmSession

from storage.errors import translated_errors


def average(value: Decimal | float | None) -> float | None:
    """`ratings.average_rating` is NUMERIC(3, 2); the domain speaks float."""
    return None if value is None else float(value)


def id_list(ids: Iterable[int]) -> list[int]:
    """Distinct ids in first-seen order (an iterable may be consumed only once)."""
    return list(dict.fromkeys(ids))


def rowcount(session: OrmSession, statement: Executable) -> int:
    """Run a Core INSERT, UPDATE or DELETE; how many rows it touched.

    `preserve_rowcount`: SQLAlchemy keeps the count of UPDATE and DELETE only,
    and an `INSERT … ON CONFLICT DO NOTHING` needs it too."""
    with translated_errors():
        result = session.execute(statement, execution_options={"preserve_rowcount": True})
    return cast(CursorResult[Any], result).rowcount
