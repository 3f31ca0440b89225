"""Repositories: rows in, domain objects out. They flush but never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.model import NewProfile, NewSession, Profile, Session, SessionStatus
from storage.errors import translated_errors
from storage.models import SessionRow, User, Workspace


def profile_from_row(row: User) -> Profile:
    return Profile(
        id=row.id,
        workspace_id=row.workspace_id,
        slack_user_id=row.slack_user_id,
        display_name=row.display_name,
        time_zone=row.time_zone,
        title=row.title,
        department=row.department,
        is_mentor=row.is_mentor,
        is_mentee=row.is_mentee,
        is_active=row.is_active,
        bio=row.bio,
        expertise=tuple(row.expertise),
        learning_goals=tuple(row.learning_goals),
        meeting_link=row.meeting_link,
        session_minutes=row.session_minutes,
        max_sessions_per_week=row.max_sessions_per_week,
    )


def session_from_row(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        workspace_id=row.workspace_id,
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=SessionStatus(row.status),
        topic=row.topic,
        notes=row.notes,
        actual_minutes=row.actual_minutes,
        cancel_reason=row.cancel_reason,
        previous_starts_at=row.previous_starts_at,
        created_at=row.created_at,
    )


class SqlWorkspaceRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def ensure(self, workspace_id: str, name: str = "") -> None:
        statement = (
            insert(Workspace)
            .values(id=workspace_id, name=name)
            .on_conflict_do_nothing(index_elements=[Workspace.id])
        )
        with translated_errors():
            self._session.execute(statement)


class SqlUserRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def get(self, user_id: int) -> Profile | None:
        row = self._session.get(User, user_id)
        return profile_from_row(row) if row else None

    def by_slack_id(self, workspace_id: str, slack_user_id: str) -> Profile | None:
        row = self._session.scalar(
            select(User).where(
                User.workspace_id == workspace_id, User.slack_user_id == slack_user_id
            )
        )
        return profile_from_row(row) if row else None

    def add(self, profile: NewProfile) -> Profile:
        row = User(
            workspace_id=profile.workspace_id,
            slack_user_id=profile.slack_user_id,
            display_name=profile.display_name,
            time_zone=profile.time_zone,
            title=profile.title,
            department=profile.department,
        )
        self._session.add(row)
        with translated_errors():
            self._session.flush()
        return profile_from_row(row)


class SqlSessionRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def get(self, session_id: int) -> Session | None:
        row = self._session.get(SessionRow, session_id)
        return session_from_row(row) if row else None

    def add(self, session: NewSession) -> Session:
        row = SessionRow(
            workspace_id=session.workspace_id,
            mentor_id=session.mentor_id,
            mentee_id=session.mentee_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            status=session.status.value,
            topic=session.topic,
        )
        self._session.add(row)
        with translated_errors():
            self._session.flush()
        return session_from_row(row)
