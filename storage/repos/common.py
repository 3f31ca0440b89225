"""Small helpers the repositories share."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, Executable, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import ColumnElement

from storage.errors import translated_errors


def average(value: Decimal | float | None) -> float | None:
    """`ratings.average_rating` is NUMERIC(3, 2); the domain speaks float."""
    return None if value is None else float(value)


# A list of ids bound as one parameter (a bigint[]).
ID_ARRAY = ARRAY(BigInteger)


def any_id(name: str) -> ColumnElement[Any]:
    """`column == any_id("ids")`: a list of ids bound as one array. An expanding
    IN binds a parameter per id and has SQLAlchemy rewrite the statement at
    every execution: 0.8 ms more for 100 ids."""
    return any_(bindparam(name, type_=ID_ARRAY))


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
