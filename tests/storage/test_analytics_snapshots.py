"""What the dashboard keeps in PostgreSQL: each session's rating (kept from
feedback by a trigger, and by nothing else), and the snapshots the `analytics`
job writes — a round trip that changes no figure, newer figures never
overwritten by older ones unless read as stale, one refresher per workspace at a
time, a job that is idempotent and forgets workspaces without people — and the
one snapshot of the data every figure is read from."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any, Self

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.analytics import (
    PERIODS,
    SNAPSHOT_TOP,
    compute,
    dashboard,
    refresh_workspace,
    snapshot_workspaces,
)
from domain.analytics_ports import Snapshot
from domain.metrics import IntroductionFigures
from domain.model import Actor
from storage.errors import INSUFFICIENT_PRIVILEGE, constraint_name, sqlstate
from storage.repos.analytics import SqlAnalyticsRepository
from storage.repos.snapshots import encode
from storage.uow import SqlUnitOfWork
from tests.domain.analytics_data import NOW
from tests.fakes.uow import FakeClock
from tests.storage.seed import add_session, make_org, set_actor
from tests.storage.test_analytics_repository import load_into_database

pytestmark = pytest.mark.usefixtures("clean_tables")
SLOW = timedelta(seconds=3)


def system(factory: sessionmaker[OrmSession]) -> SqlUnitOfWork:
    return SqlUnitOfWork(factory, Actor.system())


def refresh(factory: sessionmaker[OrmSession], clock: FakeClock) -> int:
    """The `analytics` job's two steps (bot/jobs.py runs them, logging failures)."""
    readings = iter(range(1000))

    def timer() -> float:
        return next(readings) * SLOW.total_seconds()

    return sum(
        refresh_workspace(lambda: system(factory), clock, workspace_id, timer=timer)
        for workspace_id in snapshot_workspaces(lambda: system(factory))
    )


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_feedback_about_the_mentor_sets_the_sessions_rating_and_nothing_else_does(
    app_engine: Engine, owner_engine: Engine
) -> None:
    org = make_org(app_engine)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="completed")
    feedback = (
        "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id, subject_role,"
        " rating) VALUES ('T1', :s, :author, :subject, :role, :rating)"
    )
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTOR", "member")
        conn.execute(
            text(feedback),
            {
                "s": session,
                "author": org.mentor,
                "subject": org.mentee,
                "role": "mentee",
                "rating": 2,
            },
        )
    assert _rows(owner_engine, "SELECT rating FROM sessions") == [(None,)]
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTEE", "member")  # may not update the session itself
        conn.execute(
            text(feedback),
            {
                "s": session,
                "author": org.mentee,
                "subject": org.mentor,
                "role": "mentor",
                "rating": 4,
            },
        )
        role = conn.execute(text("SELECT current_setting('app.role')")).scalar_one()
    assert role == "member"  # the trigger gave the caller's role back
    assert _rows(owner_engine, "SELECT rating FROM sessions") == [(4,)]
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("DELETE FROM feedback WHERE subject_role = 'mentor'"))
    assert _rows(owner_engine, "SELECT rating FROM sessions") == [(None,)]


def test_a_participant_cannot_rate_the_session_by_updating_it(
    app_engine: Engine, owner_engine: Engine
) -> None:
    org = make_org(app_engine)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="completed")
    for participant in ("UMENTOR", "UMENTEE"):
        with app_engine.begin() as conn:
            set_actor(conn, "T1", participant, "member")
            with pytest.raises(DBAPIError) as refused:
                conn.execute(text("UPDATE sessions SET rating = 5 WHERE id = :s"), {"s": session})
        assert sqlstate(refused.value) == INSUFFICIENT_PRIVILEGE
    with app_engine.begin() as conn:
        set_actor(conn, "T1", "UMENTEE", "member")
        conn.execute(
            text(
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                " subject_role, rating) VALUES ('T1', :s, :mentee, :mentor, 'mentor', 3)"
            ),
            {"s": session, "mentee": org.mentee, "mentor": org.mentor},
        )
    assert _rows(owner_engine, "SELECT rating FROM sessions") == [(3,)]


def test_the_app_role_may_update_every_column_of_sessions_but_its_identity_and_rating(
    owner_engine: Engine,
) -> None:
    """A column added to sessions later needs its UPDATE grant (see migrations 0009
    and 0010); who takes part and in which workspace never changes, nor does
    the meeting room's token the database drew (0013), nor the goal a session
    was booked about (0014), nor the series it was booked in (0021) and its
    place in it, set by the database (0025)."""
    rows = _rows(
        owner_engine,
        "SELECT attname, has_column_privilege('mentorship_app', 'sessions', attname, 'UPDATE')"
        " FROM pg_attribute WHERE attrelid = 'sessions'::regclass AND attnum > 0"
        " AND NOT attisdropped",
    )
    fixed = {name for name, updatable in rows if not updatable}
    assert fixed == {
        "rating",
        "id",
        "workspace_id",
        "mentor_id",
        "mentee_id",
        "meeting_token",
        "goal_id",
        "series_id",
        "series_place",
    }


def test_a_session_holds_one_rating_of_its_mentor(app_engine: Engine) -> None:
    org = make_org(app_engine)
    feedback = (
        "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id, subject_role,"
        " rating) VALUES ('T1', :s, :author, :mentor, 'mentor', 4)"
    )
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        session = add_session(conn, "T1", org.mentor, org.mentee, status="completed")
        conn.execute(text(feedback), {"s": session, "author": org.mentee, "mentor": org.mentor})
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")  # the policies would stop anyone else first
        second = {"s": session, "author": org.bystander, "mentor": org.mentor}
        with pytest.raises(IntegrityError) as refused:
            conn.execute(text(feedback), second)
    assert constraint_name(refused.value) == "uq_feedback_session_id_mentor"


@pytest.fixture
def loaded(app_engine: Engine) -> dict[str, int]:
    return load_into_database(app_engine)


def test_a_snapshot_reads_back_exactly_as_computed(
    session_factory: sessionmaker[OrmSession], loaded: dict[str, int]
) -> None:
    for period in PERIODS:
        with system(session_factory) as uow:
            figures = compute(uow.analytics, "T1", NOW, period, SNAPSHOT_TOP)
            uow.snapshots.save("T1", Snapshot(figures, NOW, SLOW))
            uow.commit()
        with system(session_factory) as uow:
            assert uow.snapshots.get("T1", period) == Snapshot(figures, NOW, SLOW)


def test_an_older_snapshot_never_replaces_a_newer_one(
    session_factory: sessionmaker[OrmSession], loaded: dict[str, int]
) -> None:
    with system(session_factory) as uow:
        figures = compute(uow.analytics, "T1", NOW, 30, SNAPSHOT_TOP)
        assert uow.snapshots.save("T1", Snapshot(figures, NOW, SLOW)) is True
        older = Snapshot(figures, NOW - timedelta(minutes=5), SLOW / 2)
        assert uow.snapshots.save("T1", older) is False
        # Nor when the caller read another snapshot than the one there now.
        assert uow.snapshots.save("T1", older, replacing=NOW - timedelta(minutes=9)) is False
        uow.commit()
    with system(session_factory) as uow:
        kept = uow.snapshots.get("T1", 30)
    assert kept is not None
    assert (kept.computed_at, kept.took) == (NOW, SLOW)


def test_a_snapshot_dated_in_the_future_is_replaced_by_the_job(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    ahead = NOW + timedelta(minutes=10)
    assert refresh(session_factory, FakeClock(ahead)) == 2 * len(PERIODS)

    assert refresh(session_factory, FakeClock(NOW)) == 2 * len(PERIODS)
    assert _rows(owner_engine, "SELECT DISTINCT computed_at FROM analytics_snapshots") == [(NOW,)]
    admin = Actor.admin("T1", "UADMIN")
    assert dashboard(SqlUnitOfWork(session_factory, admin), FakeClock(NOW)).as_of == NOW


def test_the_job_forgets_the_snapshots_of_a_workspace_left_without_people(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    refresh(session_factory, FakeClock(NOW))
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM sessions WHERE workspace_id = 'T2'"))
        conn.execute(text("DELETE FROM users WHERE workspace_id = 'T2'"))

    assert refresh(session_factory, FakeClock(NOW + timedelta(minutes=1))) == 0
    assert _rows(owner_engine, "SELECT DISTINCT workspace_id FROM analytics_snapshots") == [("T1",)]


def _isolation(session: OrmSession) -> tuple[str, str]:
    level = session.execute(text("SHOW transaction_isolation")).scalar_one()
    read_only = session.execute(text("SHOW transaction_read_only")).scalar_one()
    return level, read_only


def test_a_consistent_unit_of_work_reads_one_snapshot_of_the_data(
    session_factory: sessionmaker[OrmSession],
) -> None:
    with system(session_factory) as uow:
        assert _isolation(uow.session) == ("read committed", "off")
    with system(session_factory).consistent(read_only=True) as uow:
        assert _isolation(uow.session) == ("repeatable read", "on")
        uow.commit()
        assert _isolation(uow.session) == ("repeatable read", "on")  # the next one too
    with system(session_factory).consistent(read_only=False) as uow:
        assert _isolation(uow.session) == ("repeatable read", "off")


class SeenAnalytics(SqlAnalyticsRepository):
    """Notes the transaction's isolation whenever the dashboard reads its totals."""

    def __init__(self, session: OrmSession, seen: list[tuple[str, str]]) -> None:
        super().__init__(session)
        self.seen = seen

    def totals(self, *args: Any) -> Any:
        self.seen.append(_isolation(self._session))
        return super().totals(*args)


class Observed(SqlUnitOfWork):
    def __init__(
        self, factory: sessionmaker[OrmSession], actor: Actor, seen: list[tuple[str, str]]
    ) -> None:
        super().__init__(factory, actor)
        self.seen = seen

    def __enter__(self) -> Self:
        super().__enter__()
        self.analytics = SeenAnalytics(self.session, self.seen)
        return self


def test_the_dashboard_and_the_job_compute_on_one_snapshot_of_the_data(
    session_factory: sessionmaker[OrmSession], loaded: dict[str, int]
) -> None:
    seen: list[tuple[str, str]] = []
    dashboard(Observed(session_factory, Actor.admin("T1", "UADMIN"), seen), FakeClock(NOW))
    refresh_workspace(
        lambda: Observed(session_factory, Actor.system(), seen),
        FakeClock(NOW),
        "T1",
        timer=lambda: 0.0,
    )

    # The dashboard reads; the job writes the snapshots too.
    assert seen == [("repeatable read", "on")] + [("repeatable read", "off")] * len(PERIODS)


def test_a_snapshot_in_another_format_reads_as_none(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO analytics_snapshots VALUES ('T1', 30, :at, 900, '{\"format\": 0}'),"
                " ('T1', 7, :at, 900, '{\"format\": 1, \"sessions\": 3}')"
            ),
            {"at": NOW},
        )
    with system(session_factory) as uow:
        assert (uow.snapshots.get("T1", 30), uow.snapshots.get("T1", 7)) == (None, None)


def test_a_snapshot_from_before_introductions_is_not_served_until_the_job_rewrites_it(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    with system(session_factory) as uow:
        figures = encode(compute(uow.analytics, "T1", NOW, 30, SNAPSHOT_TOP))
    del figures["introductions"]  # what format 2 held
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO analytics_snapshots VALUES"
                " ('T1', 30, :at, 3000, CAST(:figures AS jsonb))"
            ),
            {"at": NOW, "figures": json.dumps({**figures, "format": 2})},
        )
    clock = FakeClock(NOW + timedelta(minutes=1))
    admin = Actor.admin("T1", "UADMIN")

    live = dashboard(SqlUnitOfWork(session_factory, admin), clock)
    assert (live.as_of, live.introductions) == (None, IntroductionFigures(4, 2, 4.25))

    refresh(session_factory, clock)
    served = dashboard(SqlUnitOfWork(session_factory, admin), clock)
    assert (served.as_of, served.introductions) == (clock.now(), live.introductions)


def test_only_one_transaction_at_a_time_refreshes_a_workspace(
    session_factory: sessionmaker[OrmSession], loaded: dict[str, int]
) -> None:
    with system(session_factory) as first, system(session_factory) as second:
        assert first.snapshots.try_lock("T1") is True
        assert second.snapshots.try_lock("T1") is False
        assert second.snapshots.try_lock("T2") is True
    with system(session_factory) as third:
        assert third.snapshots.try_lock("T1") is True  # the claim ended with its transaction


# The snapshot's own columns (a chart lease, 0019, is not the figures').
SNAPSHOT_ROWS = (
    "SELECT workspace_id, period_days, computed_at, took_ms, figures"
    " FROM analytics_snapshots ORDER BY 1, 2"
)


def test_the_job_is_idempotent_and_its_figures_are_what_an_admin_is_served(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    clock = FakeClock(NOW)

    assert refresh(session_factory, clock) == 2 * len(PERIODS)
    rows = _rows(owner_engine, SNAPSHOT_ROWS)
    assert refresh(session_factory, clock) == 0
    assert _rows(owner_engine, SNAPSHOT_ROWS) == rows
    assert [(w, p, ms) for w, p, _at, ms, _figures in rows] == [
        (w, p, 3000) for w in ("T1", "T2") for p in (0, 7, 30, 90)
    ]

    clock.advance(minutes=1)
    admin = Actor.admin("T1", "UADMIN")
    served = dashboard(SqlUnitOfWork(session_factory, admin), clock, period_days=None)
    with SqlUnitOfWork(session_factory, admin) as uow:
        live = compute(uow.analytics, "T1", NOW, None, 5)
    assert served.as_of == NOW
    assert served == replace(live, as_of=NOW)


def test_a_member_reads_no_snapshot(
    session_factory: sessionmaker[OrmSession], loaded: dict[str, int]
) -> None:
    refresh(session_factory, FakeClock(NOW))
    with SqlUnitOfWork(session_factory, Actor.member("T1", "UMAYA")) as uow:
        assert uow.snapshots.get("T1", 30) is None
    with SqlUnitOfWork(session_factory, Actor.admin("T2", "UZED")) as uow:
        assert uow.snapshots.get("T1", 30) is None
        assert uow.snapshots.get("T2", 30) is not None
