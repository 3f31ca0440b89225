"""Rows to domain objects: one function per table, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Row

from domain.model import (
    Feedback,
    Goal,
    GoalStatus,
    HistoryEntry,
    Notification,
    NotificationKind,
    Profile,
    Session,
    SessionStatus,
    SubjectRole,
)
from storage.models import Feedback as FeedbackRow
from storage.models import GoalRow, SessionHistory, SessionRow, User
from storage.models import Notification as NotificationRow

# A profile's fields are the users columns of the same names.
PROFILE_FIELDS = tuple(f.name for f in fields(Profile))
PROFILE_COLUMNS = tuple(User.__table__.c[name] for name in PROFILE_FIELDS)


# A session's fields are the SessionRow attributes of the same names (the
# series' size is a subquery), read as columns where many are listed.
SESSION_COLUMNS = tuple(getattr(SessionRow, f.name) for f in fields(Session))
FEEDBACK_COLUMNS = tuple(getattr(FeedbackRow, f.name) for f in fields(Feedback))


_ARRAYS_AT = tuple(PROFILE_FIELDS.index(name) for name in ("expertise", "learning_goals"))
_STATUS_AT = tuple(f.name for f in fields(Session)).index("status")


def profile_from_row(row: User) -> Profile:
    return profile_from_columns([getattr(row, name) for name in PROFILE_FIELDS])


def profile_from_columns(row: Sequence[Any]) -> Profile:
    """A profile from a row that begins with `PROFILE_COLUMNS`, taken by
    position (they are Profile's fields, in order): what a list of mentors
    reads, at a third of the cost of loading each as an ORM object."""
    values = list(row[: len(PROFILE_FIELDS)])
    for at in _ARRAYS_AT:
        values[at] = tuple(values[at])
    return Profile(*values)


def session_from_columns(row: Sequence[Any]) -> Session:
    """A session from a row of `SESSION_COLUMNS`, by position (they are
    Session's fields, in order): a busy mentor's Home reads 150."""
    values = list(row)
    values[_STATUS_AT] = SessionStatus(values[_STATUS_AT])
    return Session(*values)


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
        updated_at=row.updated_at,
        calendar_sequence=row.calendar_sequence,
        meeting_token=row.meeting_token,
        goal_id=row.goal_id,
        series_id=row.series_id,
        series_place=row.series_place,
        series_times=row.series_times,
    )


def history_from_row(row: SessionHistory) -> HistoryEntry:
    return HistoryEntry(
        session_id=row.session_id,
        workspace_id=row.workspace_id,
        actor_id=row.actor_id,
        from_status=SessionStatus(row.from_status) if row.from_status is not None else None,
        to_status=SessionStatus(row.to_status),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        at=row.created_at,
    )


def feedback_from_row(row: FeedbackRow | Row[Any]) -> Feedback:
    """From an ORM object or a row of `FEEDBACK_COLUMNS`."""
    return Feedback(
        session_id=row.session_id,
        workspace_id=row.workspace_id,
        author_id=row.author_id,
        subject_id=row.subject_id,
        subject_role=SubjectRole(row.subject_role),
        rating=row.rating,
        comment=row.comment,
        id=row.id,
        created_at=row.created_at,
    )


def notification_from_row(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        workspace_id=row.workspace_id,
        recipient_id=row.recipient_id,
        kind=NotificationKind(row.kind),
        session_id=row.session_id,
        payload=dict(row.payload),  # type: ignore[arg-type]  # JSONB of str | int | None
        created_at=row.created_at,
        idempotency_key=row.idempotency_key,
        read_at=row.read_at,
        attempts=row.attempts,
    )


def goal_from_row(row: GoalRow) -> Goal:
    return Goal(
        id=row.id,
        workspace_id=row.workspace_id,
        owner_id=row.user_id,
        title=row.title,
        status=GoalStatus(row.status),
        target_date=row.target_date,
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
