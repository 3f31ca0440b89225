"""Units of work and seeded sessions for the session repository tests
(`test_repositories_sessions.py`, `test_repositories_sessions_windows.py`),
on the `org` of `seed.make_org`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import Actor, SessionStatus
from storage.uow import SqlUnitOfWork
from tests.storage.seed import BASE_TIME, Org, add_session, set_actor

S = SessionStatus
HOUR = timedelta(hours=1)


def as_member(factory: sessionmaker[OrmSession], slack_user_id: str) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.member("T1", slack_user_id))


def as_system(factory: sessionmaker[OrmSession], workspace: str | None = None) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.system(workspace))


def seed_session(
    engine: Engine,
    org: Org,
    *,
    at: datetime = BASE_TIME,
    status: str = "requested",
    mentee: int | None = None,
    minutes: int = 30,
) -> int:
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        return add_session(
            conn,
            "T1",
            org.mentor,
            mentee or org.mentee,
            starts_at=at,
            minutes=minutes,
            status=status,
        )
