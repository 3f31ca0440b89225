"""What the domain needs from the outside world, as protocols.

`storage` implements the repositories and the unit of work; tests use fakes.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from domain.model import Actor, NewProfile, NewSession, Profile, Session


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class UserRepository(Protocol):
    def get(self, user_id: int) -> Profile | None: ...

    def by_slack_id(self, workspace_id: str, slack_user_id: str) -> Profile | None: ...

    def add(self, profile: NewProfile) -> Profile: ...


class SessionRepository(Protocol):
    def get(self, session_id: int) -> Session | None: ...

    def add(self, session: NewSession) -> Session:
        """Insert a session; raises `SlotTaken` when it overlaps an active one."""
        ...


class WorkspaceRepository(Protocol):
    def ensure(self, workspace_id: str, name: str = "") -> None:
        """Record the workspace if it is new; harmless when it exists."""
        ...


class UnitOfWork(Protocol):
    """One transaction, run as one actor. Rolls back unless `commit()` is called."""

    actor: Actor
    workspaces: WorkspaceRepository
    users: UserRepository
    sessions: SessionRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
