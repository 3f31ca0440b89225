"""Calendar feeds in the fake store: a token hash per person, and the sessions
their feed shows (the person's own only, as row-level security keeps it)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from domain.model import SessionStatus
from domain.ports import CalendarRows, CalendarSession, FeedOwner
from tests.fakes.store import Store


class FakeCalendarFeeds:
    def __init__(self, store: Store) -> None:
        self.store = store

    def since(self, user_id: int) -> datetime | None:
        found = self.store.calendar_feeds.get(user_id)
        return found[1] if found is not None else None

    def add(self, workspace_id: str, user_id: int, token_hash: str, *, at: datetime) -> bool:
        if user_id in self.store.calendar_feeds:
            return False
        self.store.calendar_feeds[user_id] = (token_hash, at)
        return True

    def replace(self, workspace_id: str, user_id: int, token_hash: str, *, at: datetime) -> None:
        self.store.calendar_feeds[user_id] = (token_hash, at)

    def owner(self, token_hash: str) -> FeedOwner | None:
        for user_id, (stored, _) in self.store.calendar_feeds.items():
            if stored == token_hash:
                person = self.store.users[user_id]
                return FeedOwner(
                    person.workspace_id, person.slack_user_id, user_id, person.is_active
                )
        return None

    def version(
        self,
        user_id: int,
        *,
        held: Iterable[SessionStatus],
        starts_from: datetime,
        starts_before: datetime,
        around: datetime,
        limit: int,
    ) -> str:
        return self.sessions(
            user_id,
            held=held,
            starts_from=starts_from,
            starts_before=starts_before,
            around=around,
            limit=limit,
        ).version

    def sessions(
        self,
        user_id: int,
        *,
        held: Iterable[SessionStatus],
        starts_from: datetime,
        starts_before: datetime,
        around: datetime,
        limit: int,
    ) -> CalendarRows:
        statuses = set(held)
        shown = [
            s
            for s in self.store.sessions.values()
            if user_id in (s.mentor_id, s.mentee_id)
            and starts_from <= s.starts_at < starts_before
            and (s.status in statuses or s.calendar_sequence is not None)
        ]
        nearest = sorted(shown, key=lambda s: (abs(s.starts_at - around), s.id))[:limit]
        found = sorted(nearest, key=lambda s: (s.starts_at, s.id))
        users = self.store.users
        rows = [
            CalendarSession(
                s,
                users[s.mentor_id].display_name,
                users[s.mentee_id].display_name,
                users[s.mentor_id].meeting_link,
            )
            for s in found
        ]
        return CalendarRows(hashlib.sha256(repr(rows).encode()).hexdigest(), rows)
