"""Calls to the SECURITY DEFINER functions of migrations 0003 and 0015: what a
member may know of sessions they cannot see (times and status, completed
counts, the goals of mentors' satisfied mentees), limited by the database to
the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    Text,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TableValuedAlias

from domain.model import BusyPeriod, SessionStatus
from storage.repos.common import ID_ARRAY, id_list


def completed_counts_of(mentor_ids: ColumnElement[Any]) -> TableValuedAlias:
    """`mentor_completed_counts()` of an array expression, to join in a statement
    of its own; a mentor without a completed session has no row."""
    return func.mentor_completed_counts(mentor_ids).table_valued(
        column("mentor_id", BigInteger), column("completed", BigInteger)
    )


def busy_periods_of(user_ids: ColumnElement[Any]) -> TableValuedAlias:
    """`busy_periods()` of an array expression, between the bound
    `period_start` and `period_end`, to join in a statement of its own."""
    return func.busy_periods(
        user_ids,
        bindparam("period_start", type_=DateTime(timezone=True)),
        bindparam("period_end", type_=DateTime(timezone=True)),
    ).table_valued(
        # BusyPeriod's fields, in order.
        column("user_id", BigInteger),
        column("starts_at", DateTime(timezone=True)),
        column("ends_at", DateTime(timezone=True)),
        column("status", Text),
        column("as_mentor", Boolean),
    )


def busy_period(row: Sequence[Any]) -> BusyPeriod:
    """A period from a row of `busy_periods_of()`'s columns."""
    user_id, starts_at, ends_at, status, as_mentor = row
    return BusyPeriod(user_id, starts_at, ends_at, SessionStatus(status), as_mentor)


# Built once (each is read on every search or booking; building a statement
# costs about as much as running it).
_PERIODS = busy_periods_of(bindparam("user_ids", type_=ID_ARRAY))
_BUSY_PERIODS = select(_PERIODS).order_by(_PERIODS.c.starts_at, _PERIODS.c.user_id)
_DONE = completed_counts_of(bindparam("mentor_ids", type_=ID_ARRAY))
_COMPLETED_COUNTS = select(_DONE.c.mentor_id, _DONE.c.completed)


def busy_periods(
    session: OrmSession, user_ids: Iterable[int], start: datetime, end: datetime
) -> list[BusyPeriod]:
    ids = id_list(user_ids)
    if not ids:
        return []
    rows = session.execute(
        _BUSY_PERIODS, {"user_ids": ids, "period_start": start, "period_end": end}
    ).all()
    return [busy_period(row) for row in rows]


def completed_counts(session: OrmSession, mentor_ids: Iterable[int]) -> dict[int, int]:
    ids = id_list(mentor_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    for mentor_id, completed in session.execute(_COMPLETED_COUNTS, {"mentor_ids": ids}):
        counts[mentor_id] = completed
    return counts


def satisfied_goals(
    session: OrmSession, mentor_ids: Iterable[int], min_rating: int
) -> dict[int, tuple[str, ...]]:
    ids = id_list(mentor_ids)
    if not ids:
        return {}
    goals = func.satisfied_goals(
        bindparam("mentor_ids", ids, type_=ID_ARRAY), bindparam("min_rating", min_rating, Integer)
    ).table_valued(column("mentor_id", BigInteger), column("goal", Text))
    found: dict[int, list[str]] = {}
    for mentor_id, goal in session.execute(
        select(goals.c.mentor_id, goals.c.goal).order_by(goals.c.mentor_id, goals.c.goal)
    ):
        found.setdefault(mentor_id, []).append(goal)
    return {mentor_id: tuple(goal_list) for mentor_id, goal_list in found.items()}
