"""Calendar feeds: whose token a hash is, and what a person's feed shows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.orm import Session as OrmSession

from domain.model import SessionStatus
from domain.ports import CalendarSession, FeedOwner
from storage.models import CalendarFeed, SessionRow, User
from storage.repos.common import rowcount
from storage.repos.rows import session_from_row


class SqlCalendarFeedRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def since(self, user_id: int) -> datetime | None:
        return self._session.scalar(
            select(CalendarFeed.created_at).where(CalendarFeed.user_id == user_id)
        )

    def add(self, workspace_id: str, user_id: int, token_hash: str, *, at: datetime) -> bool:
        statement = (
            insert(CalendarFeed)
            .values(
                workspace_id=workspace_id, user_id=user_id, token_hash=token_hash, created_at=at
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "user_id"])
        )
        return rowcount(self._session, statement) == 1

    def replace(self, workspace_id: str, user_id: int, token_hash: str, *, at: datetime) -> None:
        statement = insert(CalendarFeed).values(
            workspace_id=workspace_id, user_id=user_id, token_hash=token_hash, created_at=at
        )
        rowcount(
            self._session,
            statement.on_conflict_do_update(
                index_elements=["workspace_id", "user_id"],
                set_={
                    "token_hash": statement.excluded.token_hash,
                    "created_at": statement.excluded.created_at,
                },
            ),
        )

    def owner(self, token_hash: str) -> FeedOwner | None:
        row = self._session.execute(
            select(
                CalendarFeed.workspace_id, User.slack_user_id, CalendarFeed.user_id, User.is_active
            )
            .join(
                User,
                (User.workspace_id == CalendarFeed.workspace_id)
                & (User.id == CalendarFeed.user_id),
            )
            .where(CalendarFeed.token_hash == token_hash)
        ).one_or_none()
        return FeedOwner(*row) if row is not None else None

    def sessions(
        self,
        user_id: int,
        *,
        held: Iterable[SessionStatus],
        starts_from: datetime,
        starts_before: datetime,
        limit: int,
    ) -> list[CalendarSession]:
        """One statement. Each side (as mentor, as mentee) walks its own
        (person, starts_at) index in order and stops at `limit`, so someone
        with thousands of sessions costs no more than `limit` rows a side."""
        shown = or_(
            SessionRow.status.in_([status.value for status in held]),
            SessionRow.calendar_sequence.is_not(None),
        )

        def side(person: InstrumentedAttribute[int]) -> Select[SessionRow]:
            return (
                select(SessionRow)
                .where(
                    person == user_id,
                    SessionRow.starts_at >= starts_from,
                    SessionRow.starts_at < starts_before,
                    shown,
                )
                .order_by(SessionRow.starts_at, SessionRow.id)
                .limit(limit)
            )

        both = union_all(side(SessionRow.mentor_id), side(SessionRow.mentee_id)).subquery()
        found = aliased(SessionRow, both)
        mentor, mentee = aliased(User), aliased(User)
        rows = self._session.execute(
            select(found, mentor.display_name, mentor.meeting_link, mentee.display_name)
            .join(mentor, mentor.id == found.mentor_id)
            .join(mentee, mentee.id == found.mentee_id)
            .order_by(found.starts_at, found.id)
            .limit(limit)
        )
        return [
            CalendarSession(session_from_row(row), mentor_name, mentee_name, mentor_link)
            for row, mentor_name, mentor_link, mentee_name in rows
        ]
