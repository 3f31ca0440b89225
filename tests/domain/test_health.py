"""Programme health on a hand-built programme (tests/domain/health_data.py):
every figure against the arithmetic written beside it, the empty programme,
and nudging an at-risk pair."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.analytics import compute, dashboard
from domain.digest import DigestSchedule, claim_digest
from domain.errors import InvalidInput, NotAllowed
from domain.health import NUDGE_EVERY, NudgedRecently, nudge_pair
from domain.metrics import (
    MIN_PEOPLE_SHOWN,
    MIN_RATINGS_SHOWN,
    AtRiskPair,
    DepartmentGoals,
    DurationWeek,
    GoalAttainment,
    RiskReason,
    at_risk_list,
    goal_attainment,
    load_spread,
)
from domain.model import Actor, NotificationKind
from tests.domain.analytics_data import NOW, TODAY
from tests.domain.health_data import WORKSPACE, load_health
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return load_health(store)


def manager(store: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(store, Actor.admin(WORKSPACE, "HADMIN"))


def test_the_30_day_health_figures_are_as_computed_by_hand(
    ids: dict[str, int], store: Store
) -> None:
    d = dashboard(manager(store), FakeClock(NOW))

    # Completed sessions by week: 1 (Thu, 25 days ago) 60 planned / 50 actual;
    # 10 (18 days ago) 30/30; 2 (12 days ago) 30/45; 7 (2 days ago) 60/60 (no
    # actual minutes recorded: the planned ones). 3 and 11 are before the period.
    assert d.duration_trend == (
        DurationWeek(TODAY - timedelta(days=35), 0, 0, partial=True),
        DurationWeek(TODAY - timedelta(days=28), 60, 50, partial=False),
        DurationWeek(TODAY - timedelta(days=21), 30, 30, partial=False),
        DurationWeek(TODAY - timedelta(days=14), 30, 45, partial=False),
        DurationWeek(TODAY - timedelta(days=7), 60, 60, partial=False),
        DurationWeek(TODAY, 0, 0, partial=True),
    )
    # First completed sessions in the period: Eve 25 days ago (signed up 40
    # days ago: 15 days), Fay 12 days ago (20: 8 days). Gus's first was 60 days
    # ago, Hal has none. Median of 15 and 8: 11.5.
    assert d.median_days_to_first_session == pytest.approx(11.5)
    # Goals set in the period: Eve's two (one achieved), Fay's (dropped), Gus's
    # (achieved); Hal's was set 45 days ago. Each department's rest on one
    # mentee: too few to show.
    assert d.goal_attainment == GoalAttainment(
        set=4, achieved=2, by_department=(), withheld=("Data", "Engineering", "Sales")
    )
    assert d.goal_attainment.rate == pytest.approx(0.5)
    # Due in the period: completed 1, 2, 7, 10 and no-show 6 = 5.
    assert d.no_show_rate == pytest.approx(1 / 5)
    # Cancelled: 4 (25 h before: not late) and 5 (8 h before: late) -> 1 ÷ (5 + 2).
    assert d.late_cancel_rate == pytest.approx(1 / 7)
    # Due sessions per mentor: Ana 4 (1, 2, 6, 10), Cat 1 (7), Bob 0, Dee 0.
    # The busiest 10 % of 4 mentors, rounded up: 1 mentor, Ana: 4 ÷ 5.
    assert d.load_spread == pytest.approx(4 / 5)
    # Bob and Gus: nothing held for 60 days, and 4 and 5 cancelled in a row;
    # Ana and Fay: session 2 rated 2. Cat and Ivy are quiet too, but Ivy left.
    assert d.at_risk == (
        AtRiskPair(
            ids["HBOB"],
            ids["HGUS"],
            "Bob",
            "Gus",
            (RiskReason.QUIET, RiskReason.CANCELLED_TWICE),
        ),
        AtRiskPair(ids["HANA"], ids["HFAY"], "Ana", "Fay", (RiskReason.LOW_RATING,)),
    )
    assert d.more_at_risk == 0
    assert d.at_risk[0].words == (
        "no session in 30 days since the last one; the last two sessions were cancelled"
    )


def test_all_time_health_counts_every_goal_and_first_session(
    ids: dict[str, int], store: Store
) -> None:
    d = dashboard(manager(store), FakeClock(NOW), period_days=None)

    # Gus's first (60 days ago; signed up 100 days ago: 40) and Ivy's (50 days
    # ago; 200: 150) join 15 and 8: the median of 8, 15, 40, 150 is 27.5.
    assert d.median_days_to_first_session == pytest.approx(27.5)
    assert (d.goal_attainment.set, d.goal_attainment.achieved) == (5, 3)
    # Sales: Eve's two and Hal's, two mentees: still too few to show.
    assert "Sales" in d.goal_attainment.withheld
    # Due: 1, 2, 3, 6, 7, 10, 11 = 7 (8 is yet to come); no-show 6.
    assert d.no_show_rate == pytest.approx(1 / 7)
    # Ana 4 of 7 due sessions; the others: Bob 1 (3), Cat 2 (7, 11), Dee 0.
    assert d.load_spread == pytest.approx(4 / 7)
    # Monthly buckets over the last 12 months hold every completed session:
    # 1, 2, 3, 7, 10, 11 planned and actual (7's actual: its planned 60).
    assert sum(w.planned_minutes for w in d.duration_trend) == 60 + 30 + 60 + 60 + 30 + 30
    assert sum(w.actual_minutes for w in d.duration_trend) == 50 + 45 + 60 + 60 + 30 + 30
    assert d.duration_trend[-1].partial


def test_an_empty_programme_has_no_nan_and_no_division_by_zero(store: Store) -> None:
    store.workspaces.add(WORKSPACE)
    for period in (7, 30, 90, None):
        d = compute(FakeUnitOfWork(store, Actor.system()).analytics, WORKSPACE, NOW, period, 5)

        assert d.median_days_to_first_session is None
        assert d.goal_attainment == GoalAttainment(0, 0, ())
        assert d.goal_attainment.rate is None
        assert (d.no_show_rate, d.late_cancel_rate, d.load_spread) == (None, None, None)
        assert d.at_risk == ()
        assert d.duration_trend
        assert all(w.planned_minutes == w.actual_minutes == 0 for w in d.duration_trend)


def test_the_load_spread_takes_the_busiest_tenth_rounded_up() -> None:
    # 20 mentors: the busiest 2 took all 16 sessions.
    assert load_spread([10, 6] + [0] * 18) == 1.0
    # 11 mentors: ceil(1.1) = 2 busiest, 5 + 4 of 5 + 4 + 9 · 1 = 18.
    assert load_spread([5, 4] + [1] * 9) == pytest.approx(9 / 18)
    assert load_spread([]) is None
    assert load_spread([0, 0]) is None


def test_at_risk_pairs_beyond_ten_are_counted() -> None:
    pairs = [
        AtRiskPair(i, 100 + i, f"Mentor {i:02}", "Mentee", (RiskReason.LOW_RATING,))
        for i in range(12)
    ]
    shown, more = at_risk_list(pairs)
    assert [p.mentor_id for p in shown] == list(range(10))
    assert more == 2


def test_a_manager_nudges_a_pair_and_both_get_a_notice(ids: dict[str, int], store: Store) -> None:
    outcome = nudge_pair(
        manager(store), FakeClock(NOW), mentor_id=ids["HBOB"], mentee_id=ids["HGUS"]
    )

    assert outcome.nudge.sent_at == NOW
    assert outcome.nudge.sent_by == ids["HADMIN"]
    notices = [n for n in store.notifications if n.kind is NotificationKind.NUDGE]
    assert {n.recipient_id for n in notices} == {ids["HBOB"], ids["HGUS"]}
    assert {n.payload["other_name"] for n in notices} == {"Bob", "Gus"}
    assert {d.recipient.id for d in outcome.notices} == {ids["HBOB"], ids["HGUS"]}


def test_a_second_nudge_within_14_days_is_refused_with_when_the_last_went(
    ids: dict[str, int], store: Store
) -> None:
    pair = {"mentor_id": ids["HBOB"], "mentee_id": ids["HGUS"]}
    nudge_pair(manager(store), FakeClock(NOW), **pair)
    later = NOW + NUDGE_EVERY - timedelta(minutes=1)

    with pytest.raises(NudgedRecently) as refused:
        nudge_pair(manager(store), FakeClock(later), **pair)

    assert f"{NOW:%Y-%m-%d at %H:%M} UTC" in refused.value.message
    assert len([n for n in store.notifications if n.kind is NotificationKind.NUDGE]) == 2
    # 14 days on, the pair may be nudged again.
    nudge_pair(manager(store), FakeClock(NOW + NUDGE_EVERY), **pair)
    assert len(store.nudges) == 2


def test_a_member_may_not_nudge(ids: dict[str, int], store: Store) -> None:
    member = FakeUnitOfWork(store, Actor.member(WORKSPACE, "HEVE"))

    with pytest.raises(NotAllowed):
        nudge_pair(member, FakeClock(NOW), mentor_id=ids["HBOB"], mentee_id=ids["HGUS"])

    assert store.nudges == []
    assert store.notifications == []


def test_a_pair_with_someone_who_left_is_not_nudged(ids: dict[str, int], store: Store) -> None:
    with pytest.raises(InvalidInput, match="left the programme"):
        nudge_pair(manager(store), FakeClock(NOW), mentor_id=ids["HCAT"], mentee_id=ids["HIVY"])

    assert store.nudges == []
    assert store.notifications == []


def test_the_digest_carries_the_weeks_health_as_computed_by_hand(
    ids: dict[str, int], store: Store
) -> None:
    # The digest due at 09:05 today reports [last Monday 09:00, today 09:00).
    [digest] = claim_digest(
        FakeUnitOfWork(store, Actor.system()),
        FakeClock(NOW + timedelta(hours=1, minutes=5)),
        schedule=DigestSchedule(),
        default_channel="C0DIGEST",
    )

    # In the week: 5 (cancelled 8 h before: late), 6 (no-show), 7 (completed,
    # 60 planned, none recorded: 60 held), 9 (declined).
    assert (digest.planned_minutes, digest.actual_minutes) == (60, 60)
    # Due: 6 and 7; cancelled: 5.
    assert digest.no_show_rate == pytest.approx(1 / 2)
    assert digest.late_cancel_rate == pytest.approx(1 / 3)
    # Ana 1 (6), Cat 1 (7), Bob and Dee 0: the busiest one of four took half.
    assert digest.load_spread == pytest.approx(1 / 2)
    # Gus's goal, set 5 days ago, is achieved.
    assert (digest.goal_attainment.set, digest.goal_attainment.achieved) == (1, 1)
    # Bob and Gus, Ana and Fay (as on the dashboard).
    assert digest.at_risk == 2


def test_a_departments_goal_attainment_is_withheld_below_3_mentees() -> None:
    found = goal_attainment(
        [
            DepartmentGoals("Data", 2, 2, 2),
            DepartmentGoals("Design", 0, 0, 0),
            DepartmentGoals("Sales", 5, 3, 3),
            DepartmentGoals("", 1, 0, 1),
        ]
    )

    # Sales: 3 of 5 from three mentees, shown; Data (two mentees) and the
    # profiles without a department (one) are only named; Design set none.
    # Everyone: 2 + 5 + 1 = 8 set, 2 + 3 = 5 achieved.
    assert found == GoalAttainment(
        set=8, achieved=5, by_department=(DepartmentGoals("Sales", 5, 3, 3),), withheld=("Data", "")
    )
    assert found.rate == pytest.approx(5 / 8)
    assert MIN_PEOPLE_SHOWN == MIN_RATINGS_SHOWN == 3


def test_a_small_departments_goals_are_not_the_programmes_less_those_shown() -> None:
    found = goal_attainment(
        [
            DepartmentGoals("Data", 4, 2, 2),
            DepartmentGoals("Sales", 5, 3, 3),
            DepartmentGoals("Ops", 6, 1, 4),
        ]
    )

    # Showing Sales and Ops beside the programme's 6 of 15 would tell Data's
    # two mentees achieved 2 of 4: the smallest shown (Sales) is withheld
    # with Data, so only the two together (five mentees) can be worked out.
    assert found == GoalAttainment(
        set=15,
        achieved=6,
        by_department=(DepartmentGoals("Ops", 6, 1, 4),),
        withheld=("Data", "Sales"),
    )
