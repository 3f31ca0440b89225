"""Workspaces and profiles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.errors import NotFound
from domain.model import BusyPeriod, Candidate, MentorHit, NewProfile, Profile, SearchTerm
from domain.ports import DigestPlace
from storage.errors import translated_errors
from storage.models import User, Workspace
from storage.repos.common import ID_ARRAY, any_id, id_list, rowcount
from storage.repos.definer import busy_period, busy_periods_of
from storage.repos.rows import PROFILE_COLUMNS, profile_from_columns, profile_from_row
from storage.repos.search import ranked

# Built once: every request reads the acting person, and building a statement
# costs about as much as running it (see storage/repos/availability.py).
_PROFILE_BY_SLACK_ID = select(*PROFILE_COLUMNS).where(
    User.workspace_id == bindparam("workspace"), User.slack_user_id == bindparam("slack_user")
)
# The acting person, with the sessions of others (a search's mentors) and of
# themselves, for a search: one row per session (or one with no session), in
# one round trip.
_BUSY = busy_periods_of(func.array_append(bindparam("others", type_=ID_ARRAY), User.id)).lateral(
    "busy"
)
_PROFILE_AND_BUSY = (
    select(*PROFILE_COLUMNS, *_BUSY.c)
    .select_from(User)
    .outerjoin(_BUSY, true())
    .where(
        User.workspace_id == bindparam("workspace"), User.slack_user_id == bindparam("slack_user")
    )
    .order_by(_BUSY.c.starts_at, _BUSY.c.user_id)
)
_PROFILES_BY_ID = select(*PROFILE_COLUMNS).where(User.id == any_id("user_ids"))


class SqlWorkspaceRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def ensure(self, workspace_id: str, name: str = "", *, at: datetime) -> None:
        statement = (
            insert(Workspace)
            .values(id=workspace_id, name=name, created_at=at)
            .on_conflict_do_nothing(index_elements=[Workspace.id])
        )
        with translated_errors():
            self._session.execute(statement)

    def with_people(self) -> list[str]:
        return list(
            self._session.scalars(select(User.workspace_id).distinct().order_by(User.workspace_id))
        )

    def digest_places(self) -> list[DigestPlace]:
        has_people = select(User.id).where(User.workspace_id == Workspace.id).exists()
        rows = self._session.execute(
            select(
                Workspace.id, Workspace.digest_channel, has_people, Workspace.paused_at
            ).order_by(Workspace.created_at, Workspace.id)
        )
        return [
            DigestPlace(workspace_id, channel, bool(people), paused_at is not None)
            for workspace_id, channel, people, paused_at in rows
        ]

    def set_digest_channel(self, workspace_id: str, channel: str | None) -> None:
        self._session.execute(
            update(Workspace)
            .where(Workspace.id == workspace_id)
            .values(digest_channel=channel)
            .execution_options(synchronize_session=False)
        )

    def pause(self, workspace_id: str, at: datetime, because: str) -> bool:
        statement = (
            update(Workspace)
            .where(Workspace.id == workspace_id, Workspace.paused_at.is_(None))
            .values(paused_at=at, paused_because=because[:200])
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement) == 1

    def resume(self, workspace_id: str) -> bool:
        statement = (
            update(Workspace)
            .where(Workspace.id == workspace_id, Workspace.paused_at.is_not(None))
            .values(paused_at=None, paused_because=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(self._session, statement) == 1

    def count_undelivered(self, workspace_id: str) -> None:
        self._session.execute(
            update(Workspace)
            .where(Workspace.id == workspace_id)
            .values(undelivered_notices=Workspace.undelivered_notices + 1)
            .execution_options(synchronize_session=False)
        )

    def undelivered(self, workspace_id: str) -> int:
        found = self._session.scalar(
            select(Workspace.undelivered_notices).where(Workspace.id == workspace_id)
        )
        return found or 0


class SqlUserRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def get(self, user_id: int) -> Profile | None:
        row = self._session.get(User, user_id, populate_existing=True)
        return profile_from_row(row) if row else None

    def get_many(self, user_ids: Iterable[int]) -> dict[int, Profile]:
        ids = id_list(user_ids)
        if not ids:
            return {}
        # Columns, not ORM objects: read-only, and half the cost (see rows.py).
        rows = self._session.execute(_PROFILES_BY_ID, {"user_ids": ids})
        return {row.id: profile_from_columns(row) for row in rows}

    def by_slack_id(self, workspace_id: str, slack_user_id: str) -> Profile | None:
        row = self._session.execute(
            _PROFILE_BY_SLACK_ID, {"workspace": workspace_id, "slack_user": slack_user_id}
        ).first()
        return profile_from_columns(row) if row else None

    def by_slack_id_with_busy(
        self,
        workspace_id: str,
        slack_user_id: str,
        others: Iterable[int],
        start: datetime,
        end: datetime,
    ) -> tuple[Profile, list[BusyPeriod]] | None:
        rows = self._session.execute(
            _PROFILE_AND_BUSY,
            {
                "workspace": workspace_id,
                "slack_user": slack_user_id,
                "others": id_list(others),
                "period_start": start,
                "period_end": end,
            },
        ).all()
        if not rows:
            return None
        width = len(PROFILE_COLUMNS)
        periods = [busy_period(row[width:]) for row in rows if row[width] is not None]
        return profile_from_columns(rows[0]), periods

    def unnamed(self, limit: int) -> list[tuple[str, str]]:
        rows = self._session.execute(
            select(User.workspace_id, User.slack_user_id)
            .join(Workspace, Workspace.id == User.workspace_id)
            # Where the app is uninstalled, Slack would refuse the token.
            .where(
                User.display_name == User.slack_user_id,
                User.is_active,
                Workspace.paused_at.is_(None),
            )
            .order_by(func.random())
            .limit(max(limit, 0))
        )
        return [(workspace_id, slack_user_id) for workspace_id, slack_user_id in rows]

    def add(self, profile: NewProfile) -> Profile:
        row = User(
            workspace_id=profile.workspace_id,
            slack_user_id=profile.slack_user_id,
            display_name=profile.display_name,
            time_zone=profile.time_zone,
            title=profile.title,
            department=profile.department,
            created_at=profile.created_at,
            updated_at=profile.created_at,
        )
        self._session.add(row)
        with translated_errors():
            self._session.flush()
        return profile_from_row(row)

    def lock(self, user_ids: Iterable[int]) -> None:
        # Through a SECURITY DEFINER function: a member may not lock another
        # person's row with FOR UPDATE (the row's UPDATE policy is its owner's).
        ids = bindparam("user_ids", id_list(user_ids), type_=ID_ARRAY)
        with translated_errors():
            self._session.execute(select(func.lock_people(ids)))

    def save(self, profile: Profile, *, at: datetime) -> Profile:
        """Every field but the identity (id, workspace, Slack user), which never changes."""
        statement = (
            update(User)
            .where(User.id == profile.id)
            .values(
                display_name=profile.display_name,
                time_zone=profile.time_zone,
                title=profile.title,
                department=profile.department,
                is_mentor=profile.is_mentor,
                is_mentee=profile.is_mentee,
                is_active=profile.is_active,
                bio=profile.bio,
                expertise=list(profile.expertise),
                learning_goals=list(profile.learning_goals),
                meeting_link=profile.meeting_link,
                session_minutes=profile.session_minutes,
                max_sessions_per_week=profile.max_sessions_per_week,
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        saved = self.get(profile.id) if rowcount(self._session, statement) else None
        if saved is None:
            raise NotFound("That profile no longer exists.")
        return saved

    def search_mentors(
        self,
        workspace_id: str,
        terms: Sequence[SearchTerm],
        *,
        exclude_user_id: int | None,
        limit: int,
        offset: int,
    ) -> list[MentorHit]:
        return ranked(
            self._session,
            workspace_id,
            terms,
            exclude_user_id=exclude_user_id,
            limit=limit,
            offset=offset,
            with_completed=True,
        )

    def mentor_candidates(
        self,
        workspace_id: str,
        terms: Sequence[SearchTerm],
        *,
        exclude_user_id: int | None,
        limit: int,
    ) -> list[Candidate]:
        hits = ranked(
            self._session,
            workspace_id,
            terms,
            exclude_user_id=exclude_user_id,
            limit=limit,
            offset=0,
            with_completed=False,
        )
        return [Candidate(hit.profile, hit.rating, hit.score) for hit in hits]
