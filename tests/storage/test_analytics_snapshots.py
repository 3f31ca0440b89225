"""What the dashboard keeps in PostgreSQL: each session's rating (kept from
feedback by a trigger), and the snapshots the `analytics` job writes — a round
trip that changes no figure, newer figures never overwritten by older ones, one
refresher per workspace at a time, and a job that is idempotent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.analytics import PERIODS, SNAPSHOT_TOP, compute, dashboard, refresh_snapshots
from domain.analytics_ports import Snapshot
from domain.model import Actor
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
    readings = iter(range(1000))
    return refresh_snapshots(
        lambda: system(factory), clock, timer=lambda: next(readings) * SLOW.total_seconds()
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
        uow.snapshots.save("T1", Snapshot(figures, NOW, SLOW))
        uow.snapshots.save("T1", Snapshot(figures, NOW - timedelta(minutes=5), SLOW / 2))
        uow.commit()
    with system(session_factory) as uow:
        kept = uow.snapshots.get("T1", 30)
    assert kept is not None
    assert (kept.computed_at, kept.took) == (NOW, SLOW)


def test_a_snapshot_in_another_format_reads_as_none(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO analytics_snapshots VALUES ('T1', 30, now(), 900, '{\"format\": 0}'),"
                " ('T1', 7, now(), 900, '{\"format\": 1, \"sessions\": 3}')"
            )
        )
    with system(session_factory) as uow:
        assert (uow.snapshots.get("T1", 30), uow.snapshots.get("T1", 7)) == (None, None)


def test_only_one_transaction_at_a_time_refreshes_a_workspace(
    session_factory: sessionmaker[OrmSession], loaded: dict[str, int]
) -> None:
    with system(session_factory) as first, system(session_factory) as second:
        assert first.snapshots.try_lock("T1") is True
        assert second.snapshots.try_lock("T1") is False
        assert second.snapshots.try_lock("T2") is True
    with system(session_factory) as third:
        assert third.snapshots.try_lock("T1") is True  # the claim ended with its transaction


def test_the_job_is_idempotent_and_its_figures_are_what_an_admin_is_served(
    session_factory: sessionmaker[OrmSession], owner_engine: Engine, loaded: dict[str, int]
) -> None:
    clock = FakeClock(NOW)

    assert refresh(session_factory, clock) == 2 * len(PERIODS)
    rows = _rows(owner_engine, "SELECT * FROM analytics_snapshots ORDER BY 1, 2")
    assert refresh(session_factory, clock) == 0
    assert _rows(owner_engine, "SELECT * FROM analytics_snapshots ORDER BY 1, 2") == rows
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
