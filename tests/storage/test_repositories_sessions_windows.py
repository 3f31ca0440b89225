"""The two narrow SECURITY DEFINER windows onto sessions a member may not read
(`busy_periods`, `mentor_completed_counts`), on PostgreSQL as the real actors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.model import BusyPeriod
from tests.storage.seed import BASE_TIME, Org, add_session, add_user, seed_session, set_actor
from tests.storage.sessions_seed import HOUR, S, as_member, as_system

pytestmark = pytest.mark.usefixtures("clean_tables")


# --- the SECURITY DEFINER windows -----------------------------------------------


def test_a_bystander_cannot_read_a_session_but_sees_its_busy_period(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="scheduled")
    with as_member(session_factory, "UBYSTANDER") as uow:
        visible = uow.session.execute(text("SELECT count(*) FROM sessions")).scalar_one()
        busy = uow.sessions.busy_periods([org.mentor], BASE_TIME - HOUR, BASE_TIME + HOUR)
    assert visible == 0
    assert busy == [
        BusyPeriod(
            org.mentor, BASE_TIME, BASE_TIME + timedelta(minutes=30), S.SCHEDULED, as_mentor=True
        )
    ]


def test_busy_periods_cover_both_roles_the_busy_statuses_and_the_half_open_window(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="completed")
    seed_session(app_engine, org, at=BASE_TIME + HOUR, status="ongoing")
    seed_session(app_engine, org, at=BASE_TIME + 2 * HOUR, status="cancelled")
    seed_session(app_engine, org, at=BASE_TIME + 3 * HOUR, status="declined")
    seed_session(app_engine, org, at=BASE_TIME + 4 * HOUR, mentee=org.bystander)
    with as_member(session_factory, "UADMIN") as uow:
        window = uow.sessions.busy_periods(
            [org.mentee, org.mentor], BASE_TIME + timedelta(minutes=30), BASE_TIME + 4 * HOUR
        )
        everything = uow.sessions.busy_periods(
            iter([org.mentee]), BASE_TIME - HOUR, BASE_TIME + 9 * HOUR
        )
        nobody = uow.sessions.busy_periods([], BASE_TIME - HOUR, BASE_TIME + 9 * HOUR)
    # [start, end): the session ending at the window's start and the one starting
    # at its end are outside; cancelled and declined ones never count.
    assert sorted((p.user_id, p.status) for p in window) == sorted(
        [(org.mentor, S.ONGOING), (org.mentee, S.ONGOING)]
    )
    assert [(p.starts_at, p.status) for p in everything] == [
        (BASE_TIME, S.COMPLETED),
        (BASE_TIME + HOUR, S.ONGOING),
    ]
    assert nobody == []


def test_the_longest_session_that_began_before_the_window_still_counts_in_it(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    # 0031 reads only sessions starting within 240 minutes before the window:
    # the longest a session may last, so none that reaches into it is missed.
    window_start = BASE_TIME + 10 * HOUR
    seed_session(app_engine, org, at=window_start - timedelta(minutes=239), minutes=240)
    seed_session(app_engine, org, at=BASE_TIME, minutes=240, mentee=org.bystander)
    with as_member(session_factory, "UADMIN") as uow:
        busy = uow.sessions.busy_periods([org.mentor], window_start, window_start + HOUR)
    assert [(p.starts_at, p.ends_at) for p in busy] == [
        (window_start - timedelta(minutes=239), window_start + timedelta(minutes=1))
    ]


@pytest.mark.parametrize("by", ["system", "owner"])
def test_no_write_makes_a_session_longer_than_busy_periods_looks_back(
    app_engine: Engine, owner_engine: Engine, org: Org, by: str
) -> None:
    # 0031 relies on ck_sessions_length_range on every path: a move of either
    # end, a status change carrying new times, the table's owner itself.
    session = seed_session(app_engine, org, at=BASE_TIME, status="scheduled", minutes=240)
    changes = (
        "ends_at = ends_at + interval '1 minute'",
        "starts_at = starts_at - interval '1 minute'",
        "status = 'completed', ends_at = starts_at + interval '241 minutes'",
        "starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day 1 second'",
    )
    engine = app_engine if by == "system" else owner_engine
    for change in changes:
        with engine.connect() as conn:
            set_actor(conn, None, None, "system")
            update = text(f"UPDATE sessions SET {change} WHERE id = {session}")
            with pytest.raises(IntegrityError, match="ck_sessions_length_range"):
                conn.execute(update)


def test_completed_counts_include_sessions_the_reader_cannot_see(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="completed")
    seed_session(app_engine, org, at=BASE_TIME + HOUR, status="completed", mentee=org.bystander)
    seed_session(app_engine, org, at=BASE_TIME + 2 * HOUR, status="scheduled")
    with as_member(session_factory, "UADMIN") as uow:
        counts = uow.sessions.completed_counts([org.mentor, org.mentee, org.mentor])
    assert counts == {org.mentor: 2, org.mentee: 0}


def test_a_member_of_another_workspace_gets_nothing_from_either_function(
    app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="completed")
    seed_session(app_engine, org, at=BASE_TIME + HOUR, status="scheduled")
    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, "T2", "UFOREIGN", "member")
        busy = conn.execute(
            text("SELECT * FROM busy_periods(:ids, :a, :b)"),
            {"ids": [org.mentor, org.mentee], "a": BASE_TIME - HOUR, "b": BASE_TIME + 9 * HOUR},
        ).all()
        counts = conn.execute(
            text("SELECT * FROM mentor_completed_counts(:ids)"), {"ids": [org.mentor]}
        ).all()
        # The same calls as a member of T1 do see them.
        set_actor(conn, "T1", "UMENTEE", "member")
        t1_view = conn.execute(
            text("SELECT count(*) FROM busy_periods(:ids, :a, :b)"),
            {"ids": [org.mentor], "a": BASE_TIME - HOUR, "b": BASE_TIME + 9 * HOUR},
        ).scalar_one()
    assert busy == []
    assert counts == []
    assert t1_view == 2


def test_without_an_actor_the_functions_return_nothing(app_engine: Engine, org: Org) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="completed")
    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, None, None, "")
        busy = conn.execute(
            text("SELECT * FROM busy_periods(:ids, :a, :b)"),
            {"ids": [org.mentor], "a": BASE_TIME - HOUR, "b": BASE_TIME + HOUR},
        ).all()
        counts = conn.execute(
            text("SELECT * FROM mentor_completed_counts(:ids)"), {"ids": [org.mentor]}
        ).all()
    assert (busy, counts) == ([], [])


def test_the_functions_return_times_status_and_counts_and_nothing_else(
    app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="completed")
    with app_engine.connect() as conn, conn.begin():
        set_actor(conn, "T1", "UBYSTANDER", "member")
        busy = conn.execute(
            text("SELECT * FROM busy_periods(:ids, :a, :b)"),
            {"ids": [org.mentor], "a": BASE_TIME - HOUR, "b": BASE_TIME + HOUR},
        )
        counts = conn.execute(
            text("SELECT * FROM mentor_completed_counts(:ids)"), {"ids": [org.mentor]}
        )
        assert list(busy.keys()) == ["user_id", "starts_at", "ends_at", "status", "as_mentor"]
        assert len(busy.all()) == 1
        assert list(counts.keys()) == ["mentor_id", "completed"]
        assert counts.all() == [(org.mentor, 1)]


def test_only_the_application_role_may_call_the_functions(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT proname, prosecdef, proacl::text[] FROM pg_proc"
                " WHERE proname IN ('busy_periods', 'mentor_completed_counts') ORDER BY proname"
            )
        ).all()
    assert [(name, definer) for name, definer, _ in rows] == [
        ("busy_periods", True),
        ("mentor_completed_counts", True),
    ]
    for _, _, acl in rows:
        grantees = {entry.split("=", 1)[0] for entry in acl}
        assert "" not in grantees  # PUBLIC has no EXECUTE
        assert "mentorship_app" in grantees


def test_the_cross_workspace_system_actor_sees_busy_periods_of_every_workspace(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, org: Org
) -> None:
    seed_session(app_engine, org, at=BASE_TIME, status="completed")
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        t2_mentor = add_user(conn, "T2", "UT2MENTOR", mentor=True)
        add_session(conn, "T2", t2_mentor, org.foreigner, starts_at=BASE_TIME, status="completed")
    people = [org.mentor, t2_mentor]
    window = (BASE_TIME - HOUR, BASE_TIME + HOUR)
    with as_system(session_factory) as uow:
        everywhere = uow.sessions.busy_periods(people, *window)
        counts = uow.sessions.completed_counts(people)
    with as_system(session_factory, "T2") as uow:
        in_t2 = uow.sessions.busy_periods(people, *window)
    assert {p.user_id for p in everywhere} == {org.mentor, t2_mentor}
    assert counts == {org.mentor: 1, t2_mentor: 1}
    assert {p.user_id for p in in_t2} == {t2_mentor}
