"""The unit of work: one SQLAlchemy session, one actor, commit explicitly."""

from __future__ import annotations

from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from domain.model import Actor, Delivery, Role
from storage.engine import with_transaction_settings
from storage.errors import WAITED_TOO_LONG, sqlstate, to_domain_error, translated_errors
from storage.repos.analytics import SqlAnalyticsRepository
from storage.repos.calendar_feeds import SqlCalendarFeedRepository
from storage.repos.charts import SqlChartRepository
from storage.repos.digests import SqlDigestRepository
from storage.repos.events import SqlEventRepository
from storage.repos.goals import SqlGoalRepository
from storage.repos.introductions import SqlIntroductionRepository
from storage.repos.nudges import SqlNudgeRepository
from storage.repos.settings import SqlSettingsRepository
from storage.repos.snapshots import SqlSnapshotRepository
from storage.repositories import (
    SqlAvailabilityRepository,
    SqlFeedbackRepository,
    SqlNotificationRepository,
    SqlSessionRepository,
    SqlUserRepository,
    SqlWorkspaceRepository,
)

# A person's request must answer within Slack's 3 s: a statement gets 2 s, a
# wait for a lock (a booking queued behind others for the same mentor) 1.5 s,
# and then the person is told to try again. The lock wait outlasts the
# server's deadlock_timeout (1 s by default), so a deadlock is still found and
# broken as one rather than timing out on both sides. The system actor runs
# the jobs, whose batches may take longer but must not hang on a lock for ever.
_TIMEOUTS = {
    Role.MEMBER: ("2s", "1500ms"),
    Role.ADMIN: ("2s", "1500ms"),
    Role.SYSTEM: ("60s", "10s"),
}
# A report (the all-time CSV of a programme with a million sessions) is read
# after the click was acknowledged, on the post-ack pool: it holds no ack, so
# its statements get what a job's get; its lock waits stay a request's.
_REPORT_STATEMENT_TIMEOUT = "60s"
# psycopg begins the transaction with these (`BEGIN ISOLATION LEVEL REPEATABLE
# READ READ ONLY`), so a consistent read costs no statement of its own.
_CONSISTENT = {
    False: {"isolation_level": "REPEATABLE READ", "postgresql_readonly": False},
    True: {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True},
}


class SqlUnitOfWork:
    """`new_notifications` starts empty on each `with` and lists the notices
    inserted through it; ids from work that was rolled back are dropped again,
    so it never names a notice that does not exist."""

    workspaces: SqlWorkspaceRepository
    settings: SqlSettingsRepository
    users: SqlUserRepository
    availability: SqlAvailabilityRepository
    sessions: SqlSessionRepository
    feedback: SqlFeedbackRepository
    goals: SqlGoalRepository
    notifications: SqlNotificationRepository

    def __init__(self, session_factory: sessionmaker[Session], actor: Actor) -> None:
        self._session_factory = session_factory
        self.actor = actor
        self.new_notifications: list[UUID] = []
        self.claimed: list[Delivery] = []
        self._committed_notifications = 0
        # None: READ COMMITTED, PostgreSQL's default; else whether read only.
        self._consistent_read_only: bool | None = None
        self._report = False

    def consistent(self, *, read_only: bool, report: bool = False) -> Self:
        self._consistent_read_only = read_only
        self._report = report
        return self

    def __enter__(self) -> Self:
        self.session = self._session_factory(bind=self._engine())
        self.new_notifications = []
        self.claimed = []
        self._committed_notifications = 0
        self.workspaces = SqlWorkspaceRepository(self.session)
        self.settings = SqlSettingsRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.availability = SqlAvailabilityRepository(self.session)
        self.sessions = SqlSessionRepository(self.session)
        self.feedback = SqlFeedbackRepository(self.session)
        self.goals = SqlGoalRepository(self.session)
        self.notifications = SqlNotificationRepository(self.session, self.new_notifications)
        self.events = SqlEventRepository(self.session)
        self.analytics = SqlAnalyticsRepository(self.session)
        self.snapshots = SqlSnapshotRepository(self.session)
        self.charts = SqlChartRepository(self.session)
        self.nudges = SqlNudgeRepository(self.session)
        self.digests = SqlDigestRepository(self.session)
        self.calendar_feeds = SqlCalendarFeedRepository(self.session)
        self.introductions = SqlIntroductionRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self.session.close()
        # Rolled back, so nothing was written: say so, whichever query waited.
        if isinstance(exc, DBAPIError) and sqlstate(exc) in WAITED_TOO_LONG:
            raise to_domain_error(exc) or exc from exc

    def commit(self) -> None:
        with translated_errors():
            self.session.commit()
        self._committed_notifications = len(self.new_notifications)

    def rollback(self) -> None:
        self.session.rollback()
        del self.new_notifications[self._committed_notifications :]

    def _engine(self) -> Engine:
        """The factory's engine, whose every transaction begins by setting the
        actor and the timeouts, transaction-local (`set_config(..., true)`): the
        identity ends with the transaction and never reaches the next borrower
        of the connection, whether SQLAlchemy's pool or PgBouncer's lends it."""
        engine = self._session_factory.kw["bind"]
        assert isinstance(engine, Engine)
        actor = self.actor
        statement_timeout, lock_timeout = _TIMEOUTS[actor.role]
        if self._report:
            statement_timeout = _REPORT_STATEMENT_TIMEOUT
        settings = (
            ("app.workspace_id", actor.workspace_id or ""),
            ("app.slack_user_id", actor.slack_user_id or ""),
            ("app.role", actor.role.value),
            ("statement_timeout", statement_timeout),
            ("lock_timeout", lock_timeout),
        )
        consistent = (
            {} if self._consistent_read_only is None else _CONSISTENT[self._consistent_read_only]
        )
        return with_transaction_settings(engine, settings, **consistent)
