"""A person's sessions as a list: the statement `SqlSessionRepository.for_user`
runs, one per shape of bounds."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, Text, any_, bindparam, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from storage.models import SessionRow
from storage.repos.rows import SESSION_COLUMNS


@cache
def for_user_statement(
    by_status: bool, after: bool, before: bool, newest_first: bool
) -> Select[Any]:
    """`for_user`'s statement for one shape of bounds, built once: a Home reads
    two lists of sessions, and building this union cost more than running it.
    Columns, not ORM objects: a busy mentor's Home reads a hundred sessions
    to come."""
    conditions: list[ColumnElement[bool]] = []
    if by_status:
        # One array, as `any_id` binds ids: no statement rewritten per execution.
        conditions.append(SessionRow.status == any_(bindparam("statuses", type_=ARRAY(Text))))
    if after:
        conditions.append(SessionRow.starts_at > bindparam("after"))
    if before:
        conditions.append(SessionRow.starts_at < bindparam("before"))

    def order(starts_at: Any, session_id: Any) -> tuple[Any, ...]:
        if newest_first:
            return (starts_at.desc(), session_id.desc())
        return (starts_at, session_id)

    # Each side walks its own (person, starts_at) index and stops at `limit`,
    # instead of one OR reading every session of a busy mentor (1,338 at 1M
    # sessions, 10 ms) to sort them: nobody mentors themself, so the two sides
    # never share a session.
    limit = bindparam("limit", type_=Integer)
    sides = [
        select(SessionRow.id, SessionRow.starts_at)
        .where(person == bindparam("user_id"), *conditions)
        .order_by(*order(SessionRow.starts_at, SessionRow.id))
        .limit(limit)
        for person in (SessionRow.mentor_id, SessionRow.mentee_id)
    ]
    found = union_all(*sides).subquery()
    return (
        select(*SESSION_COLUMNS)
        .join(found, found.c.id == SessionRow.id)
        .order_by(*order(found.c.starts_at, found.c.id))
        .limit(limit)
    )
