"""Feedback on sessions and the mentors' rating aggregates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session as OrmSession

from domain.model import Feedback, MentorRating
from storage.errors import translated_errors
from storage.models import Feedback as FeedbackRow
from storage.models import Rating
from storage.repos.common import any_id, average, id_list
from storage.repos.rows import FEEDBACK_COLUMNS, feedback_from_row

# Built once, read as columns: a Home shows the feedback of 50 past sessions.
_FOR_SESSIONS = (
    select(*FEEDBACK_COLUMNS)
    .where(FeedbackRow.session_id == any_id("session_ids"))
    .order_by(FeedbackRow.created_at, FeedbackRow.id)
)


class SqlFeedbackRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def add(self, feedback: Feedback, *, at: datetime) -> Feedback:
        values: dict[str, object] = {
            "workspace_id": feedback.workspace_id,
            "session_id": feedback.session_id,
            "author_id": feedback.author_id,
            "subject_id": feedback.subject_id,
            "subject_role": feedback.subject_role.value,
            "rating": feedback.rating,
            "comment": feedback.comment,
            "created_at": at,
        }
        statement = insert(FeedbackRow).values(values).returning(FeedbackRow.id)
        with translated_errors():
            row_id = self._session.execute(statement).scalar_one()
        return Feedback(
            session_id=feedback.session_id,
            workspace_id=feedback.workspace_id,
            author_id=feedback.author_id,
            subject_id=feedback.subject_id,
            subject_role=feedback.subject_role,
            rating=feedback.rating,
            comment=feedback.comment,
            id=row_id,
            created_at=at,
        )

    def for_session(self, session_id: int) -> list[Feedback]:
        return self.for_sessions([session_id])[session_id]

    def for_sessions(self, session_ids: Iterable[int]) -> dict[int, list[Feedback]]:
        ids = id_list(session_ids)
        found: dict[int, list[Feedback]] = {session_id: [] for session_id in ids}
        if not ids:
            return found
        for row in self._session.execute(_FOR_SESSIONS, {"session_ids": ids}):
            found[row.session_id].append(feedback_from_row(row))
        return found

    def about(
        self, subject_id: int, *, limit: int = 5, reader_id: int | None = None
    ) -> list[Feedback]:
        statement = select(FeedbackRow).where(FeedbackRow.subject_id == subject_id)
        if reader_id is not None:
            # A session's feedback is between its two people: the author and the subject.
            statement = statement.where(
                or_(FeedbackRow.author_id == reader_id, FeedbackRow.subject_id == reader_id)
            )
        rows = self._session.scalars(
            statement.order_by(FeedbackRow.created_at.desc(), FeedbackRow.id.desc()).limit(limit)
        )
        return [feedback_from_row(row) for row in rows]

    def rating(self, mentor_id: int) -> MentorRating:
        row = self._session.execute(
            select(Rating.rating_count, Rating.average_rating).where(Rating.mentor_id == mentor_id)
        ).one_or_none()
        if row is None:
            return MentorRating(mentor_id, 0, None)
        count, mean = row
        return MentorRating(mentor_id, count, average(mean))
