"""Units of work and shorthands for the session repository tests
(`test_repositories_sessions.py`, `test_repositories_sessions_windows.py`),
on the `org` of `seed.make_org`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import Actor, SessionStatus
from storage.uow import SqlUnitOfWork

S = SessionStatus
HOUR = timedelta(hours=1)


def as_member(factory: sessionmaker[OrmSession], slack_user_id: str) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.member("T1", slack_user_id))


def as_system(factory: sessionmaker[OrmSession], workspace: str | None = None) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.system(workspace))
