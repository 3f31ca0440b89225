"""Workspaces and people in the fake store, and a mentor search by word prefixes."""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import Conflict
from domain.model import MentorHit, NewProfile, Profile
from tests.fakes.feedback import FakeFeedback
from tests.fakes.sessions import FakeSessions
from tests.fakes.store import Store


class FakeWorkspaces:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ensure(self, workspace_id: str, name: str = "") -> None:
        self.store.workspaces.add(workspace_id)

    def with_people(self) -> list[str]:
        return sorted({profile.workspace_id for profile in self.store.users.values()})


class FakeUsers:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, user_id: int) -> Profile | None:
        return self.store.users.get(user_id)

    def get_many(self, user_ids: Iterable[int]) -> dict[int, Profile]:
        return {i: self.store.users[i] for i in user_ids if i in self.store.users}

    def by_slack_id(self, workspace_id: str, slack_user_id: str) -> Profile | None:
        for profile in self.store.users.values():
            if (profile.workspace_id, profile.slack_user_id) == (workspace_id, slack_user_id):
                return profile
        return None

    def add(self, profile: NewProfile) -> Profile:
        if self.by_slack_id(profile.workspace_id, profile.slack_user_id):
            raise Conflict("exists")
        saved = Profile(
            id=self.store.next_id(),
            workspace_id=profile.workspace_id,
            slack_user_id=profile.slack_user_id,
            display_name=profile.display_name,
            time_zone=profile.time_zone,
            title=profile.title,
            department=profile.department,
        )
        self.store.users[saved.id] = saved
        return saved

    def lock(self, user_ids: Iterable[int]) -> None:
        """One fake unit of work runs at a time: nothing to wait for."""

    def save(self, profile: Profile) -> Profile:
        self.store.users[profile.id] = profile
        return profile

    def search_mentors(
        self, workspace_id: str, query: str, *, exclude_user_id: int | None, limit: int, offset: int
    ) -> list[MentorHit]:
        words = query.casefold().split()
        hits = []
        for profile in self.store.users.values():
            if profile.workspace_id != workspace_id or profile.id == exclude_user_id:
                continue
            if not (profile.is_mentor and profile.is_active):
                continue
            haystack = " ".join((profile.display_name, profile.department, *profile.expertise))
            tokens = haystack.casefold().split()
            if all(any(token.startswith(word) for token in tokens) for word in words):
                rating = FakeFeedback(self.store).rating(profile.id)
                completed = FakeSessions(self.store).completed_counts([profile.id])[profile.id]
                hits.append(MentorHit(profile, rating, completed, score=1.0))
        hits.sort(key=lambda hit: (-(hit.rating.average or 0), hit.profile.display_name))
        return hits[offset : offset + limit]
