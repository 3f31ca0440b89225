"""Feedback in the fake store, once per author and session; ratings computed from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from domain.errors import Conflict
from domain.model import Feedback, MentorRating, SubjectRole
from tests.fakes.store import Store


class FakeFeedback:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, feedback: Feedback, *, at: datetime) -> Feedback:
        if any(
            (f.session_id, f.author_id) == (feedback.session_id, feedback.author_id)
            for f in self.store.feedback
        ):
            raise Conflict("You already left feedback for this session.")
        saved = replace(feedback, id=self.store.next_id(), created_at=at)
        self.store.feedback.append(saved)
        return saved

    def for_session(self, session_id: int) -> list[Feedback]:
        return [f for f in self.store.feedback if f.session_id == session_id]

    def for_sessions(self, session_ids: Iterable[int]) -> dict[int, list[Feedback]]:
        return {session_id: self.for_session(session_id) for session_id in session_ids}

    def about(
        self, subject_id: int, *, limit: int = 5, reader_id: int | None = None
    ) -> list[Feedback]:
        return [
            f
            for f in reversed(self.store.feedback)
            if f.subject_id == subject_id and reader_id in (None, f.author_id, f.subject_id)
        ][:limit]

    def rating(self, mentor_id: int) -> MentorRating:
        ratings = [
            f.rating
            for f in self.store.feedback
            if f.subject_id == mentor_id and f.subject_role is SubjectRole.MENTOR
        ]
        if not ratings:
            return MentorRating(mentor_id)
        return MentorRating(mentor_id, len(ratings), round(sum(ratings) / len(ratings), 2))
