"""The dashboard's breakdowns — sessions trend, expertise short of mentors,
departments — and the per-mentor table, on the data set of
`tests/domain/analytics_data.py`, every figure against a hand computation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.analytics import dashboard, mentor_table
from domain.errors import NotAllowed
from domain.metrics import (
    DepartmentFigures,
    ExpertiseGap,
    TrendPoint,
    TrendUnit,
    department_figures,
    expertise_gaps,
)
from domain.model import Actor, Profile
from tests.domain.analytics_data import NOW, WEEK, ago, load_programme, months_before
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store


def weeks_before(n: int) -> date:
    """The Monday `n` weeks before now's."""
    return WEEK - timedelta(weeks=n)


@pytest.fixture
def store() -> Store:
    store = Store()
    load_programme(store)
    return store


def admin(store: Store, workspace: str = "T1") -> FakeUnitOfWork:
    return FakeUnitOfWork(store, Actor.admin(workspace, "UADMIN"))


def test_the_30_day_trend_has_a_bar_per_week_the_ends_partial(store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW))

    assert d.trend_unit is TrendUnit.WEEK
    assert d.trend == [
        # Five weeks ago: only its Saturday 08:00 on is in the period (session 11).
        TrendPoint(weeks_before(5), 1, 1, partial=True),
        TrendPoint(weeks_before(4), 4, 4),  # 1, 2, 5, 10, all completed
        TrendPoint(weeks_before(3), 3, 0),  # 3 no show, 4 cancelled, 6 declined
        TrendPoint(weeks_before(2), 1, 0),  # 9 requested
        TrendPoint(weeks_before(1), 1, 0),  # 7 expired
        # This week: its first eight hours (session 8, ongoing).
        TrendPoint(WEEK, 1, 0, partial=True),
    ]
    assert sum(p.sessions for p in d.trend) == d.sessions


def test_the_7_day_trend_is_two_weeks_both_cut_by_the_period(store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW), period_days=7)

    # From last Monday 08:00: session 7 (expired); then session 8.
    assert d.trend == [
        TrendPoint(weeks_before(1), 1, 0, partial=True),
        TrendPoint(WEEK, 1, 0, partial=True),
    ]


def test_a_period_starting_on_a_monday_at_midnight_has_a_whole_first_week(
    store: Store,
) -> None:
    # Now is Monday 00:00: the 7 days are exactly last week, and this week has
    # no time in the period, so no bar.
    d = dashboard(admin(store), FakeClock(ago(0, 0, 0)), period_days=7)

    assert d.trend == [TrendPoint(weeks_before(1), 1, 0)]  # session 7


def test_the_all_time_trend_is_the_last_twelve_months(store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW), period_days=None)

    assert d.trend_unit is TrendUnit.MONTH
    # Now is the 30th, the last day of its month (see analytics_data.py).
    assert [p.start for p in d.trend] == [months_before(n) for n in range(11, -1, -1)]
    counts = {p.start: (p.sessions, p.completed) for p in d.trend if p.sessions}
    assert counts == {
        months_before(3): (1, 1),  # 16
        months_before(1): (3, 3),  # 11, 13, 14
        months_before(0): (10, 4),  # 1-10; completed 1, 2, 5, 10
    }
    # Only now's month is cut (by now): "all time" has no start to cut the first.
    assert [p.start for p in d.trend if p.partial] == [months_before(0)]


def test_expertise_demand_per_mentor_ranks_the_tags_short_of_mentors(store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW))

    # Sessions in the period per mentor: Maya 6 (1, 2, 3, 4, 8, 11), Noah 4 (5,
    # 6, 7, 9), Omar 1 (10). Tags: Maya python + leadership, Noah python + sql,
    # Omar kubernetes. Active mentors: python Maya, Noah; leadership Maya, Pia;
    # sql Noah; kubernetes nobody (Omar left); ux Pia, but nobody asked.
    assert d.expertise == [
        ExpertiseGap("python", 10, 2),  # 5 per mentor
        ExpertiseGap("sql", 4, 1),  # 4
        ExpertiseGap("leadership", 6, 2),  # 3
        ExpertiseGap("kubernetes", 1, 0),  # ranks as if 1 mentor: 1
    ]
    assert [g.per_mentor for g in d.expertise] == [5.0, 4.0, 3.0, None]


def test_departments_count_people_today_and_sessions_by_the_mentees_department(
    store: Store,
) -> None:
    d = dashboard(admin(store), FakeClock(NOW))

    # Ben (Sales) is the mentee of 1, 3, 5, 7, 8: completed 1, 5, rated 5 and 3.
    # Cara (Engineering) of 2, 4, 6, 9, 10, 11: completed 2, 10, 11, rated 4, 5.
    # People today: Engineering Maya (mentor), Cara; Data Noah (both); Design
    # Pia; Sales Ben (Dan left). Olga has no department and no role: not listed.
    # Two ratings each: too few for a manager to see their average (4.5, 4.0).
    assert d.departments == [
        DepartmentFigures("Engineering", 1, 1, 6, 3, 2, None),
        DepartmentFigures("Sales", 0, 1, 5, 2, 2, None),
        DepartmentFigures("Data", 1, 1, 0, 0, 0, None),
        DepartmentFigures("Design", 1, 0, 0, 0, 0, None),
    ]
    assert d.more_departments == 0


def test_all_time_departments_take_every_past_session(store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW), period_days=None)

    # Ben also had 13 (completed, rated 2) and 16 (completed, rated 4); Cara 14
    # (completed, rated 4). Sales: 7 sessions, 4 completed, ratings 5, 3, 2, 4.
    # Engineering: 7 sessions, 4 completed, ratings 4, 5, 4.
    assert d.departments[:2] == [
        DepartmentFigures("Engineering", 1, 1, 7, 4, 3, 13 / 3),
        DepartmentFigures("Sales", 0, 1, 7, 4, 4, 3.5),
    ]


def test_only_the_first_departments_are_kept_and_the_rest_counted() -> None:
    rows = [DepartmentFigures(f"D{n:02d}", 1, 0, n, 0, 0, None) for n in range(12)]
    rows.append(DepartmentFigures("Nobody", 0, 0, 0, 0, 0, None))

    shown, more = department_figures(rows, shown=10)

    assert [row.department for row in shown] == [f"D{n:02d}" for n in range(11, 1, -1)]
    assert more == 2  # D01 and D00; "Nobody" has nothing to show


def test_expertise_ties_go_to_more_demand_then_the_tag() -> None:
    gaps = expertise_gaps([("b", 4, 2), ("a", 2, 1), ("c", 2, 1), ("d", 0, 0)], shown=5)

    assert [g.tag for g in gaps] == ["b", "a", "c"]


def test_the_per_mentor_table_has_every_mentor_with_activity_or_hours(store: Store) -> None:
    table = mentor_table(admin(store), FakeClock(NOW), period_days=30)

    assert (table.period_days, table.since, table.until) == (30, ago(30, 8, 0), NOW)
    rows = [
        (
            r.figures.name,
            r.slack_user_id,
            r.department,
            r.figures.sessions,
            r.figures.completed,
            r.figures.rating_count,
            r.figures.booked_hours,
            r.figures.offered_hours,
            r.figures.utilization,
        )
        for r in table.rows
    ]
    # See the 30-day test of test_analytics.py for the hours; Pia offered 4 h,
    # nobody booked her.
    assert rows == [
        ("Maya Patel", "UMAYA", "Engineering", 6, 3, 2, 3.5, 29.0, 3.5 / 29),
        ("Noah Berg", "UNOAH", "Data", 4, 1, 1, 1.0, 8.0, 1 / 8),
        ("Omar Haddad", "UOMAR", "Engineering", 1, 1, 1, 0.75, 0.0, None),
        ("Pia Lund", "UPIA", "Design", 0, 0, 0, 0.0, 4.0, 0.0),
    ]
    assert table.rows[3].figures.score is None


def test_an_active_mentor_with_nothing_to_show_is_still_in_the_table(store: Store) -> None:
    quiet = store.next_id()
    store.users[quiet] = Profile(
        quiet, "T1", "UQUINN", "Quinn Idle", department="Ops", is_mentor=True
    )

    for period in (7, 30, None):
        table = mentor_table(admin(store), FakeClock(NOW), period_days=period)

        (row,) = [r for r in table.rows if r.slack_user_id == "UQUINN"]
        f = row.figures
        assert (row.department, f.sessions, f.completed, f.rating_count) == ("Ops", 0, 0, 0)
        assert (f.booked_hours, f.offered_hours, f.utilization) == (0.0, 0.0, None)
        # Omar has left: listed only for periods in which he held a session.
        assert ("UOMAR" in [r.slack_user_id for r in table.rows]) is (period != 7)


def test_an_empty_programme_has_an_empty_table(store: Store) -> None:
    table = mentor_table(admin(Store()), FakeClock(NOW), period_days=None)

    assert table.rows == []


def test_a_member_may_not_export_the_table(store: Store) -> None:
    with pytest.raises(NotAllowed):
        mentor_table(FakeUnitOfWork(store, Actor.member("T1", "UMAYA")), FakeClock(NOW))
