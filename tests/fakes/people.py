"""Workspaces and people in the fake store, and a mentor search by terms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.errors import Conflict
from domain.model import BusyPeriod, Candidate, MentorHit, NewProfile, Profile, SearchTerm
from domain.ports import DigestPlace
from domain.skills.words import tokens
from tests.fakes.feedback import FakeFeedback
from tests.fakes.sessions import FakeSessions
from tests.fakes.store import Store


class FakeWorkspaces:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ensure(self, workspace_id: str, name: str = "", *, at: datetime) -> None:
        self.store.workspaces.add(workspace_id)

    def with_people(self) -> list[str]:
        return sorted({profile.workspace_id for profile in self.store.users.values()})

    def digest_places(self) -> list[DigestPlace]:
        """The fake does not stamp creation: sorted by id stands for oldest first."""
        people = set(self.with_people())
        return [
            DigestPlace(
                workspace_id,
                self.store.digest_channels.get(workspace_id),
                workspace_id in people,
                workspace_id in self.store.paused,
            )
            for workspace_id in sorted(self.store.workspaces | people)
        ]

    def set_digest_channel(self, workspace_id: str, channel: str | None) -> None:
        if channel is None:
            self.store.digest_channels.pop(workspace_id, None)
        else:
            self.store.digest_channels[workspace_id] = channel

    def pause(self, workspace_id: str, at: datetime, because: str) -> bool:
        if workspace_id in self.store.paused:
            return False
        self.store.paused[workspace_id] = (at, because)
        return True

    def resume(self, workspace_id: str) -> bool:
        return self.store.paused.pop(workspace_id, None) is not None

    def count_undelivered(self, workspace_id: str) -> None:
        self.store.undelivered[workspace_id] = self.store.undelivered.get(workspace_id, 0) + 1

    def undelivered(self, workspace_id: str) -> int:
        return self.store.undelivered.get(workspace_id, 0)


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

    def by_slack_id_with_busy(
        self,
        workspace_id: str,
        slack_user_id: str,
        others: Iterable[int],
        start: datetime,
        end: datetime,
    ) -> tuple[Profile, list[BusyPeriod]] | None:
        profile = self.by_slack_id(workspace_id, slack_user_id)
        if profile is None:
            return None
        return profile, FakeSessions(self.store).busy_periods([*others, profile.id], start, end)

    def unnamed(self, limit: int) -> list[tuple[str, str]]:
        return [
            (p.workspace_id, p.slack_user_id)
            for p in self.store.users.values()
            if p.display_name == p.slack_user_id
            and p.is_active
            and p.workspace_id not in self.store.paused
        ][: max(limit, 0)]

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
        self.store.signed_up[saved.id] = profile.created_at
        return saved

    def lock(self, user_ids: Iterable[int]) -> None:
        """One fake unit of work runs at a time: nothing to wait for."""

    def save(self, profile: Profile, *, at: datetime) -> Profile:
        self.store.users[profile.id] = profile
        return profile

    def search_mentors(
        self,
        workspace_id: str,
        terms: Sequence[SearchTerm],
        *,
        exclude_user_id: int | None,
        limit: int,
        offset: int,
    ) -> list[MentorHit]:
        found = self._ranked(workspace_id, terms, exclude_user_id)[offset : offset + limit]
        completed = FakeSessions(self.store).completed_counts(c.profile.id for c in found)
        return [MentorHit(c.profile, c.rating, completed[c.profile.id], c.score) for c in found]

    def mentor_candidates(
        self,
        workspace_id: str,
        terms: Sequence[SearchTerm],
        *,
        exclude_user_id: int | None,
        limit: int,
    ) -> list[Candidate]:
        return self._ranked(workspace_id, terms, exclude_user_id)[:limit]

    def _ranked(
        self, workspace_id: str, terms: Sequence[SearchTerm], exclude_user_id: int | None
    ) -> list[Candidate]:
        """Like the directory's function, without close spellings: each group
        scores its best term (a typed word matched only as a prefix at 0.8),
        and a mentor the sum over the groups."""
        groups = {term.group for term in terms}
        found = []
        for profile in self.store.users.values():
            if profile.workspace_id != workspace_id or profile.id == exclude_user_id:
                continue
            if not (profile.is_mentor and profile.is_active):
                continue
            words = tokens(" ".join((profile.display_name, profile.department, *profile.expertise)))
            best: dict[int, float] = {}
            for term in terms:
                worth = term.weight * _match(term, words)
                best[term.group] = max(best.get(term.group, 0.0), worth)
            score = sum(best.values()) / len(groups) if groups else 0.0
            if score > 0 or not groups:
                rating = FakeFeedback(self.store).rating(profile.id)
                found.append(Candidate(profile, rating, round(score, 3)))
        found.sort(
            key=lambda c: (-c.score, -(c.rating.average or 0), c.profile.display_name, c.profile.id)
        )
        return found


def _match(term: SearchTerm, words: tuple[str, ...]) -> float:
    wanted = tokens(term.text)
    if term.prefix:
        if term.text in words:
            return 1.0
        return 0.8 if any(word.startswith(term.text) for word in words) else 0.0
    n = len(wanted)
    return 1.0 if any(words[i : i + n] == wanted for i in range(len(words))) else 0.0
