"""The calendar and the `World` of the background-job tests on PostgreSQL
(`test_jobs_storage.py`, `test_jobs_schedulers_storage.py`); the `world`
fixture that builds it is in `conftest.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.digest import DigestSchedule
from domain.model import Actor, Role, SessionStatus
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.storage.seed import set_actor

S = SessionStatus
CHANNEL = "C0DIGEST"  # the default: T1's, the first workspace seen
T2_CHANNEL = "C0DIGESTT2"  # T2's own
MONDAY_9 = DigestSchedule()  # Monday 09:00 UTC
WEEK = MONDAY.date()  # the Monday of the week the tests run in
DAY = timedelta(days=1)
TUESDAY_9 = MONDAY + DAY + timedelta(hours=9)
TUESDAY_930 = TUESDAY_9 + timedelta(minutes=30)
# When the sessions were booked (a Friday), unless a test says otherwise.
BOOKED = MONDAY - 10 * DAY


@dataclass
class World:
    factory: sessionmaker[OrmSession]
    engine: Engine  # the application role's
    owner: Engine
    ids: dict[str, int]  # users.id by Slack id

    def uow(
        self, slack_id: str | None = None, workspace: str = "T1", role: Role = Role.MEMBER
    ) -> SqlUnitOfWork:
        if slack_id is None:
            return SqlUnitOfWork(self.factory, Actor.system())
        return SqlUnitOfWork(self.factory, Actor(workspace, slack_id, role))

    def system(self) -> SqlUnitOfWork:
        return self.uow()

    def session(
        self,
        mentor: str,
        mentee: str,
        starts_at: datetime,
        *,
        minutes: int = 30,
        status: SessionStatus = S.SCHEDULED,
        created_at: datetime = BOOKED,
        rating: int | None = None,
    ) -> int:
        """A session (and the mentee's rating of the mentor), written as the system."""
        with self.engine.begin() as conn:
            set_actor(conn, None, None, "system")
            workspace = conn.execute(
                text("SELECT workspace_id FROM users WHERE id = :id"), {"id": self.ids[mentor]}
            ).scalar_one()
            session_id: int = conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at,"
                    " ends_at, status, created_at)"
                    " VALUES (:w, :mentor, :mentee, :s, :e, :status, :created) RETURNING id"
                ),
                {
                    "w": workspace,
                    "mentor": self.ids[mentor],
                    "mentee": self.ids[mentee],
                    "s": starts_at,
                    "e": starts_at + timedelta(minutes=minutes),
                    "status": status.value,
                    "created": created_at,
                },
            ).scalar_one()
            if rating is not None:
                conn.execute(
                    text(
                        "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                        " subject_role, rating) VALUES (:w, :s, :mentee, :mentor, 'mentor', :r)"
                    ),
                    {
                        "w": workspace,
                        "s": session_id,
                        "mentee": self.ids[mentee],
                        "mentor": self.ids[mentor],
                        "r": rating,
                    },
                )
        return session_id

    def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        with self.owner.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
