"""The dashboard's aggregates in PostgreSQL, as the admin row-level security
lets through: the hand-checked data set of `tests/domain/analytics_data.py`
gives exactly the dashboards (and per-mentor tables) the fake gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.analytics import dashboard, mentor_table
from domain.errors import NotAllowed
from domain.metrics import Dashboard, IntroductionFigures
from domain.model import Actor, Profile, Session, SessionStatus
from storage.uow import SqlUnitOfWork
from tests.domain.analytics_data import (
    INTRODUCTIONS,
    NOW,
    PEOPLE,
    SESSIONS,
    WEEKLY,
    Introduced,
    goals,
    load_programme,
    signed_up,
)
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store
from tests.storage.seed import add_session, add_user, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")


def load_into_database(engine: Engine) -> dict[str, int]:
    """The data set, written as the system actor through the application role."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id, name) VALUES ('T1', 'One'), ('T2', 'Two')"))
        ids: dict[str, int] = {}
        for person in PEOPLE:
            ids[person.slack_id] = user_id = add_user(
                conn,
                person.workspace,
                person.slack_id,
                mentor=person.mentor,
                mentee=person.mentee,
                name=person.name,
                department=person.department,
                expertise=person.expertise,
                goals=goals(person),
                created_at=signed_up(),
            )
            if not person.active:
                conn.execute(
                    text("UPDATE users SET is_active = false WHERE id = :id"), {"id": user_id}
                )
        workspace_of = {p.slack_id: p.workspace for p in PEOPLE}
        for slack_id, weekday, start, end in WEEKLY:
            conn.execute(
                text(
                    "INSERT INTO availability"
                    " (workspace_id, user_id, weekday, start_time, end_time)"
                    " VALUES (:w, :u, :d, :s, :e)"
                ),
                {
                    "w": workspace_of[slack_id],
                    "u": ids[slack_id],
                    "d": weekday,
                    "s": start,
                    "e": end,
                },
            )
        for held in SESSIONS:
            mentor, mentee = ids[held.mentor], ids[held.mentee]
            session_id = add_session(
                conn,
                held.workspace,
                mentor,
                mentee,
                starts_at=held.starts_at,
                minutes=held.minutes,
                status=held.status.value,
            )
            for author, subject, role, rating in (
                (mentee, mentor, "mentor", held.rating),
                (mentor, mentee, "mentee", held.mentor_rating),
            ):
                if rating is not None:
                    conn.execute(
                        text(
                            "INSERT INTO feedback (workspace_id, session_id, author_id,"
                            " subject_id, subject_role, rating) VALUES (:w, :s, :a, :b, :r, :n)"
                        ),
                        {
                            "w": held.workspace,
                            "s": session_id,
                            "a": author,
                            "b": subject,
                            "r": role,
                            "n": rating,
                        },
                    )
        for introduced in INTRODUCTIONS:
            _introduce(conn, introduced, ids)
        return ids


def _introduce(conn: Connection, introduced: Introduced, ids: dict[str, int]) -> None:
    """A sent introduction, or one only proposed (`sent_at` None), in a preview of its own."""
    sent = introduced.sent_at
    conn.execute(
        text(
            "INSERT INTO introductions (workspace_id, preview_id, mentee_id, mentor_id, score,"
            " status, proposed_by, proposed_at, sent_by, sent_at)"
            " VALUES (:w, gen_random_uuid(), :e, :r, 0.5, :s, 'UADMIN', :p, :by, :at)"
        ),
        {
            "w": introduced.workspace,
            "e": ids[introduced.mentee],
            "r": ids[introduced.mentor],
            "s": "proposed" if sent is None else "sent",
            "p": NOW - timedelta(days=1) if sent is None else sent,
            "by": None if sent is None else "UADMIN",
            "at": sent,
        },
    )


@pytest.fixture
def programme(app_engine: Engine) -> Store:
    """The data set in PostgreSQL, and the same (with the same ids) in a fake store."""
    ids = load_into_database(app_engine)
    store = Store()
    load_programme(store, ids)
    return store


def both(
    factory: sessionmaker[OrmSession], store: Store, actor: Actor, *, period_days: int | None = 30
) -> tuple[Dashboard, Dashboard]:
    """The dashboard through PostgreSQL and through the fake."""
    clock = FakeClock(NOW)
    real = dashboard(SqlUnitOfWork(factory, actor), clock, period_days=period_days)
    fake = dashboard(FakeUnitOfWork(store, actor), clock, period_days=period_days)
    return real, fake


@pytest.mark.parametrize("period", [7, 30, 90, None])
def test_an_admin_sees_the_same_dashboard_as_the_fake_computes(
    session_factory: sessionmaker[OrmSession], programme: Store, period: int | None
) -> None:
    real, fake = both(session_factory, programme, Actor.admin("T1", "UADMIN"), period_days=period)

    assert real == fake


def test_the_30_day_dashboard_has_the_hand_computed_headline_figures(
    session_factory: sessionmaker[OrmSession], programme: Store
) -> None:
    d = dashboard(SqlUnitOfWork(session_factory, Actor.admin("T1", "UADMIN")), FakeClock(NOW))

    # See test_the_last_30_days_add_up_as_computed_by_hand for the arithmetic.
    assert (d.mentors, d.mentees, d.sessions, d.completed) == (3, 3, 11, 5)
    assert d.completion_rate == pytest.approx(5 / 7)
    assert (d.rating_count, d.average_rating) == (4, pytest.approx(17 / 4))
    assert d.utilization == pytest.approx(4.5 / 41)
    # See tests/domain/test_introduction_figures.py: Pia-Ben and Maya-Cara
    # never booked; Noah-Cara did 1.5 days after, Noah-Ben 7 days after.
    assert d.introductions == IntroductionFigures(sent=4, booked=2, median_days=4.25)
    # Nobody's average rests on 3 ratings in the period: none shown (privacy).
    assert d.top_by_rating == []
    assert [(f.booked_hours, f.offered_hours) for f in d.top_by_completed] == [
        (3.5, 29.0),
        (1.0, 8.0),
        (0.75, 0.0),
    ]


def test_an_admin_of_another_workspace_sees_only_theirs(
    session_factory: sessionmaker[OrmSession], programme: Store
) -> None:
    real, fake = both(session_factory, programme, Actor.admin("T2", "UZED"))

    assert real == fake
    assert (real.mentors, real.sessions) == (1, 1)


def test_the_system_actor_without_a_workspace_sees_every_workspace(
    session_factory: sessionmaker[OrmSession], programme: Store
) -> None:
    real, fake = both(session_factory, programme, Actor.system(), period_days=None)

    assert real == fake
    assert real.sessions == 15  # T1's 14 and T2's one


def test_an_empty_programme_gives_the_empty_dashboard(
    session_factory: sessionmaker[OrmSession],
) -> None:
    real, fake = both(session_factory, Store(), Actor.admin("T1", "UADMIN"), period_days=None)

    assert real == fake
    assert (real.sessions, real.completion_rate, real.utilization) == (0, None, None)
    assert real.introductions == IntroductionFigures(sent=0, booked=0, median_days=None)


def test_a_member_is_refused_and_reads_nothing(
    session_factory: sessionmaker[OrmSession], programme: Store
) -> None:
    with pytest.raises(NotAllowed):
        dashboard(SqlUnitOfWork(session_factory, Actor.member("T1", "UMAYA")), FakeClock(NOW))


def test_the_booked_window_is_half_open(
    session_factory: sessionmaker[OrmSession], programme: Store
) -> None:
    # One day back from now: session 8 (07:45 today) is in, 12 (08:00 today) is not.
    real, fake = both(session_factory, programme, Actor.admin("T1", "UADMIN"), period_days=1)

    assert real == fake
    assert real.since == NOW - timedelta(days=1)
    assert real.sessions == 1


@pytest.mark.parametrize("period", [7, 30, None])
def test_the_per_mentor_table_is_the_same_as_the_fake_computes(
    session_factory: sessionmaker[OrmSession], programme: Store, period: int | None
) -> None:
    clock = FakeClock(NOW)
    actor = Actor.admin("T1", "UADMIN")
    real = mentor_table(SqlUnitOfWork(session_factory, actor), clock, period_days=period)
    fake = mentor_table(FakeUnitOfWork(programme, actor), clock, period_days=period)

    assert real == fake
    # Omar (left) only had a session 26 days ago; Pia only offers hours.
    omar = [] if period == 7 else ["UOMAR"]
    assert [row.slack_user_id for row in real.rows] == ["UMAYA", "UNOAH", *omar, "UPIA"]


def test_mentors_who_offer_no_weekly_time_are_listed_and_leave_utilization_alone(
    session_factory: sessionmaker[OrmSession], app_engine: Engine, programme: Store
) -> None:
    """Quinn (active) has done nothing; Rita (active) offers no weekly time but
    held an hour's session: both are in the table, Rita's hour is not in the
    overall utilization."""
    starts_at = NOW - timedelta(days=3)
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        quinn = add_user(conn, "T1", "UQUINN", mentor=True, name="Quinn Idle")
        rita = add_user(conn, "T1", "URITA", mentor=True, name="Rita Busy")
        ben = conn.execute(text("SELECT id FROM users WHERE slack_user_id = 'UBEN'")).scalar_one()
        held = add_session(
            conn, "T1", rita, ben, starts_at=starts_at, minutes=60, status="completed"
        )
    for user_id, slack_id, name in ((quinn, "UQUINN", "Quinn Idle"), (rita, "URITA", "Rita Busy")):
        programme.users[user_id] = Profile(  # as add_user wrote them
            user_id,
            "T1",
            slack_id,
            name,
            department="Engineering",
            is_mentor=True,
            expertise=("python",),
            learning_goals=("leadership",),
        )
    programme.sessions[held] = Session(
        held, "T1", rita, ben, starts_at, starts_at + timedelta(hours=1), SessionStatus.COMPLETED
    )
    actor = Actor.admin("T1", "UADMIN")
    clock = FakeClock(NOW)

    real, fake = both(session_factory, programme, actor)
    table = mentor_table(SqlUnitOfWork(session_factory, actor), clock, period_days=30)

    assert real == fake
    assert real.utilization == pytest.approx(4.5 / 41)  # as without Rita
    assert table == mentor_table(FakeUnitOfWork(programme, actor), clock, period_days=30)
    figures = {row.slack_user_id: row.figures for row in table.rows}
    assert (figures["UQUINN"].sessions, figures["UQUINN"].offered_hours) == (0, 0.0)
    assert (figures["URITA"].booked_hours, figures["URITA"].utilization) == (1.0, None)


def test_the_breakdowns_have_the_hand_computed_figures(
    session_factory: sessionmaker[OrmSession], programme: Store
) -> None:
    d = dashboard(SqlUnitOfWork(session_factory, Actor.admin("T1", "UADMIN")), FakeClock(NOW))

    # See tests/domain/test_analytics_breakdowns.py for the arithmetic.
    week = NOW.date()  # a Monday: the trend's last point is now's week
    assert [(p.start, p.sessions, p.completed) for p in d.trend] == [
        (week - timedelta(weeks=5), 1, 1),
        (week - timedelta(weeks=4), 4, 4),
        (week - timedelta(weeks=3), 3, 0),
        (week - timedelta(weeks=2), 1, 0),
        (week - timedelta(weeks=1), 1, 0),
        (week, 1, 0),
    ]
    assert [(g.tag, g.sessions, g.mentors) for g in d.expertise] == [
        ("python", 10, 2),
        ("sql", 4, 1),
        ("leadership", 6, 2),
        ("kubernetes", 1, 0),
    ]
    # Two ratings each (4.5 and 4.0 on average): too few for a manager to see.
    assert [
        (r.department, r.sessions, r.rating_count, r.average_rating) for r in d.departments
    ] == [
        ("Engineering", 6, 2, None),
        ("Sales", 5, 2, None),
        ("Data", 0, 0, None),
        ("Design", 0, 0, None),
    ]
