"""Programme health through PostgreSQL: the hand-built programme of
tests/domain/health_data.py gives the same figures as the fake (whose every
figure tests/domain/test_health.py checks by hand), an empty programme gives
no figure, the snapshot keeps them, and a pair's nudges are held to one per 14
days by the database, even when two managers click at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.analytics import PERIODS, compute, dashboard, refresh_workspace
from domain.health import NUDGE_EVERY, NudgedRecently, nudge_pair
from domain.metrics import GoalAttainment, RiskReason
from domain.model import Actor
from storage.uow import SqlUnitOfWork
from tests.domain.analytics_data import NOW
from tests.domain.health_data import BOOKED, GOALS, MEMBERS, WORKSPACE, load_health
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store
from tests.storage.seed import add_session, add_user, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

MANAGER = Actor.admin(WORKSPACE, "HADMIN")


def load_health_into_database(engine: Engine) -> dict[str, int]:
    """The data set, written as the system actor through the application role."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text("INSERT INTO workspaces (id, name) VALUES (:w, 'Health')"), {"w": WORKSPACE}
        )
        ids: dict[str, int] = {}
        for m in MEMBERS:
            ids[m.slack_id] = add_user(
                conn,
                WORKSPACE,
                m.slack_id,
                mentor=m.mentor,
                mentee=m.mentee,
                name=m.name,
                department=m.department,
                expertise=m.expertise,
                created_at=m.signed_up,
            )
            if not m.active:
                conn.execute(
                    text("UPDATE users SET is_active = false WHERE id = :id"),
                    {"id": ids[m.slack_id]},
                )
        for b in BOOKED:
            session_id = add_session(
                conn,
                WORKSPACE,
                ids[b.mentor],
                ids[b.mentee],
                starts_at=b.starts_at,
                minutes=b.minutes,
                status=b.status.value,
            )
            conn.execute(
                text("UPDATE sessions SET actual_minutes = :m, updated_at = :at WHERE id = :id"),
                {"m": b.actual_minutes, "at": b.last_change, "id": session_id},
            )
            if b.rating is not None:
                conn.execute(
                    text(
                        "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                        " subject_role, rating) VALUES (:w, :s, :a, :b, 'mentor', :n)"
                    ),
                    {
                        "w": WORKSPACE,
                        "s": session_id,
                        "a": ids[b.mentee],
                        "b": ids[b.mentor],
                        "n": b.rating,
                    },
                )
        for g in GOALS:
            conn.execute(
                text(
                    "INSERT INTO goals (workspace_id, user_id, title, status, created_at,"
                    " updated_at) VALUES (:w, :u, :t, :s, :at, :at)"
                ),
                {
                    "w": WORKSPACE,
                    "u": ids[g.owner],
                    "t": g.title,
                    "s": g.status.value,
                    "at": g.created_at,
                },
            )
        return ids


@pytest.fixture
def health(app_engine: Engine) -> tuple[dict[str, int], Store]:
    ids = load_health_into_database(app_engine)
    store = Store()
    load_health(store, ids)
    return ids, store


@pytest.mark.parametrize("period", PERIODS)
def test_a_manager_sees_the_health_figures_the_fake_computes(
    session_factory: sessionmaker[OrmSession],
    health: tuple[dict[str, int], Store],
    period: int | None,
) -> None:
    _, store = health
    clock = FakeClock(NOW)
    real = dashboard(SqlUnitOfWork(session_factory, MANAGER), clock, period_days=period)
    fake = dashboard(FakeUnitOfWork(store, MANAGER), clock, period_days=period)

    assert real == fake


def test_the_30_day_health_figures_are_the_hand_computed_ones(
    session_factory: sessionmaker[OrmSession], health: tuple[dict[str, int], Store]
) -> None:
    ids, _ = health
    d = dashboard(SqlUnitOfWork(session_factory, MANAGER), FakeClock(NOW))

    # See test_the_30_day_health_figures_are_as_computed_by_hand for the arithmetic.
    assert [(w.planned_minutes, w.actual_minutes) for w in d.duration_trend] == [
        (0, 0),
        (60, 50),
        (30, 30),
        (30, 45),
        (60, 60),
        (0, 0),
    ]
    assert d.median_days_to_first_session == pytest.approx(11.5)
    assert (d.goal_attainment.set, d.goal_attainment.achieved) == (4, 2)
    assert d.no_show_rate == pytest.approx(1 / 5)
    assert d.late_cancel_rate == pytest.approx(1 / 7)
    assert d.load_spread == pytest.approx(4 / 5)
    assert [(p.mentor_id, p.mentee_id, p.reasons) for p in d.at_risk] == [
        (ids["HBOB"], ids["HGUS"], (RiskReason.QUIET, RiskReason.CANCELLED_TWICE)),
        (ids["HANA"], ids["HFAY"], (RiskReason.LOW_RATING,)),
    ]


def test_an_empty_programme_has_no_health_figures(
    session_factory: sessionmaker[OrmSession], app_engine: Engine
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text("INSERT INTO workspaces (id, name) VALUES (:w, 'Empty')"), {"w": WORKSPACE}
        )
        add_user(conn, WORKSPACE, "HADMIN")
    for period in PERIODS:
        d = dashboard(SqlUnitOfWork(session_factory, MANAGER), FakeClock(NOW), period_days=period)

        assert d.median_days_to_first_session is None
        assert d.goal_attainment == GoalAttainment(0, 0, ())
        assert (d.no_show_rate, d.late_cancel_rate, d.load_spread) == (None, None, None)
        assert d.at_risk == ()
        assert all(w.planned_minutes == w.actual_minutes == 0 for w in d.duration_trend)


def test_a_departments_goal_attainment_is_too_few_below_3_mentees_or_beside_fewer(
    session_factory: sessionmaker[OrmSession],
    app_engine: Engine,
    health: tuple[dict[str, int], Store],
) -> None:
    ids, _ = health
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text(
                "INSERT INTO goals (workspace_id, user_id, title, status, created_at, updated_at)"
                " VALUES (:w, :u, 'Close a quarter', 'in_progress', :at, :at)"
            ),
            {"w": WORKSPACE, "u": ids["HIVY"], "at": NOW - timedelta(days=2)},
        )

    manager = SqlUnitOfWork(session_factory, MANAGER)
    ever = dashboard(manager, FakeClock(NOW), period_days=None).goal_attainment
    month = dashboard(manager, FakeClock(NOW), period_days=30).goal_attainment

    # All time, Sales: Eve's two (one achieved), Hal's (achieved), Ivy's new
    # one: 2 of 4, from three mentees. Data (Gus) and Engineering (Fay): one
    # each, two together: 6 of the programme less Sales's 4 would be theirs,
    # so Sales is withheld with them.
    assert ever.by_department == ()
    assert ever.withheld == ("Data", "Engineering", "Sales")
    assert (ever.set, ever.achieved) == (6, 3)
    # In 30 days Hal's is out: Sales rests on Eve and Ivy, too few; the
    # programme's figure still counts every goal: Eve 2, Fay 1, Gus 1, Ivy 1.
    assert month.by_department == ()
    assert month.withheld == ("Data", "Engineering", "Sales")
    assert (month.set, month.achieved) == (5, 2)


def test_goal_counts_reach_managers_and_the_system_only(
    session_factory: sessionmaker[OrmSession], health: tuple[dict[str, int], Store]
) -> None:
    member = SqlUnitOfWork(session_factory, Actor.member(WORKSPACE, "HEVE"))
    with member:
        # The function answers a member with nothing, whatever workspace they name.
        assert member.analytics.goals(WORKSPACE, None, NOW) == []
    system = SqlUnitOfWork(session_factory, Actor.system())
    with system:
        assert sum(g.set for g in system.analytics.goals(WORKSPACE, None, NOW)) == len(GOALS)
    other = SqlUnitOfWork(session_factory, Actor.admin("T9", "UOTHER"))
    with other:
        # Another workspace's manager counts their own (none), not H1's.
        assert other.analytics.goals(WORKSPACE, None, NOW) == []


def test_the_snapshot_keeps_the_health_figures(
    session_factory: sessionmaker[OrmSession], health: tuple[dict[str, int], Store]
) -> None:
    refresh_workspace(
        lambda: SqlUnitOfWork(session_factory, Actor.system()),
        FakeClock(NOW),
        WORKSPACE,
        timer=lambda: 0.0,
    )
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        for period in PERIODS:
            kept = uow.snapshots.get(WORKSPACE, period)
            assert kept is not None
            assert kept.dashboard == compute(uow.analytics, WORKSPACE, NOW, period, 10)
            assert kept.dashboard.at_risk


def test_a_pair_is_nudged_once_in_14_days_and_the_second_click_says_when(
    session_factory: sessionmaker[OrmSession], health: tuple[dict[str, int], Store]
) -> None:
    ids, _ = health
    pair = {"mentor_id": ids["HBOB"], "mentee_id": ids["HGUS"]}
    outcome = nudge_pair(SqlUnitOfWork(session_factory, MANAGER), FakeClock(NOW), **pair)
    assert {d.recipient.id for d in outcome.notices} == {ids["HBOB"], ids["HGUS"]}

    with pytest.raises(NudgedRecently, match="once every 14 days"):
        nudge_pair(
            SqlUnitOfWork(session_factory, MANAGER),
            FakeClock(NOW + NUDGE_EVERY - timedelta(seconds=1)),
            **pair,
        )
    again = nudge_pair(
        SqlUnitOfWork(session_factory, MANAGER), FakeClock(NOW + NUDGE_EVERY), **pair
    )
    assert again.nudge.sent_at == NOW + NUDGE_EVERY
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        kinds = uow.session.execute(
            text("SELECT count(*) FROM notifications WHERE kind = 'nudge'")
        ).scalar_one()
    assert kinds == 4


def test_two_clicks_at_once_send_one_nudge(
    session_factory: sessionmaker[OrmSession], health: tuple[dict[str, int], Store]
) -> None:
    ids, _ = health
    first_wrote = threading.Event()
    let_first_commit = threading.Event()
    results: dict[str, object] = {}

    class Holding(SqlUnitOfWork):
        """Holds its transaction open after writing, until told to commit."""

        def commit(self) -> None:
            first_wrote.set()
            let_first_commit.wait(timeout=10)
            super().commit()

    def first() -> None:
        results["first"] = nudge_pair(
            Holding(session_factory, MANAGER),
            FakeClock(NOW),
            mentor_id=ids["HBOB"],
            mentee_id=ids["HGUS"],
        )

    def second() -> None:
        try:
            nudge_pair(
                SqlUnitOfWork(session_factory, MANAGER),
                FakeClock(NOW + timedelta(seconds=1)),
                mentor_id=ids["HBOB"],
                mentee_id=ids["HGUS"],
            )
        except NudgedRecently as refused:
            results["second"] = refused

    one = threading.Thread(target=first)
    one.start()
    assert first_wrote.wait(timeout=10)
    two = threading.Thread(target=second)
    two.start()
    # The second insert waits on the first's uncommitted nudge, then finds it.
    two.join(timeout=0.5)
    assert two.is_alive()
    let_first_commit.set()
    one.join(timeout=10)
    two.join(timeout=10)

    assert isinstance(results["second"], NudgedRecently)
    with SqlUnitOfWork(session_factory, Actor.system()) as uow:
        nudges = uow.session.execute(text("SELECT count(*) FROM nudges")).scalar_one()
    assert nudges == 1
