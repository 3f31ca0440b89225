"""The programme dashboard on the fake unit of work: the headline figures and
the top mentors, every one checked against a hand computation on the data set
of `tests/domain/analytics_data.py` (the breakdowns and the snapshots have
test modules of their own)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta

import pytest

from domain.analytics import dashboard, mentor_table
from domain.errors import InvalidInput, NotAllowed
from domain.metrics import MentorFigures, bayesian_score, for_managers, weekday_counts
from domain.model import (
    Actor,
    Feedback,
    Profile,
    Session,
    SessionStatus,
    SubjectRole,
    WeeklySlot,
)
from tests.domain.analytics_data import NOW, PEOPLE, ago, load_programme
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

S = SessionStatus


def figures(
    ids: Mapping[str, int],
    slack_id: str,
    *,
    completed: int,
    ratings: tuple[int, ...],
    score: float | None,
    booked: float,
    offered: float,
    sessions: int,
) -> MentorFigures:
    name = next(p.name for p in PEOPLE if p.slack_id == slack_id)
    return MentorFigures(
        mentor_id=ids[slack_id],
        name=name,
        completed=completed,
        rating_count=len(ratings),
        average_rating=sum(ratings) / len(ratings) if ratings else None,
        score=None if score is None else pytest.approx(score),
        booked_hours=booked,
        offered_hours=offered,
        sessions=sessions,
    )


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return load_programme(store)


def admin(store: Store, workspace: str = "T1") -> FakeUnitOfWork:
    return FakeUnitOfWork(store, Actor.admin(workspace, "UADMIN"))


# T1's mean rating over all time: 5, 4, 3, 5, 2, 4, 4 (sessions 1, 2, 5, 10, 13,
# 14, 16) -> 27 / 7. The prior term C·m is then 5 · 27/7 = 135/7.
PRIOR = 135 / 7


def test_the_last_30_days_add_up_as_computed_by_hand(ids: dict[str, int], store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW))

    assert d.period_days == 30
    assert d.since == ago(30, 8, 0)  # the Saturday, the 31st of last month
    # Active mentors: Maya, Noah, Pia (Omar left; Zed is in T2).
    assert d.mentors == 3
    # Active mentees: Noah, Ben, Cara (Dan left).
    assert d.mentees == 3
    # Sessions 1-11 start in [since, now); 12 starts at now.
    assert d.sessions == 11
    # Completed: 1, 2, 5, 10, 11.
    assert d.completed == 5
    # Due: the 5 completed + 3 (no show) + 8 (ongoing) = 7; 4 cancelled,
    # 6 declined, 7 expired and 9 requested never happened.
    assert d.completion_rate == pytest.approx(5 / 7)
    # Mentees' ratings of mentors: 5, 4, 3, 5 (Noah's 2 for Ben is about a mentee).
    assert d.rating_count == 4
    assert d.average_rating == pytest.approx(17 / 4)
    # Offered (Mon..Fri x4, Sat/Sun x5): Maya Mon 4h·4 + Wed 2h·4 + Sat 1h·5 = 29 h,
    # Noah Tue 2h·4 = 8 h, Pia Fri 1h·4 = 4 h -> 41 h; Omar (inactive) offers nothing.
    # Booked by those three: Maya 60+30+60+30+30 min = 3.5 h (1, 2, 3, 8, 11),
    # Noah 1 h (5), Pia 0 -> 4.5 h. Omar's 0.75 h (10) is left out: he offered
    # nothing, so it would only inflate the figure (5.25 / 41 before).
    assert d.utilization == pytest.approx(4.5 / 41)

    maya = figures(
        ids,
        "UMAYA",
        completed=3,  # 1, 2, 11
        ratings=(5, 4),
        score=(PRIOR + 9) / (5 + 2),  # 198/49 ≈ 4.041
        booked=3.5,
        offered=29.0,
        sessions=6,  # 1, 2, 3, 4, 8, 11
    )
    noah = figures(
        ids,
        "UNOAH",
        completed=1,  # 5
        ratings=(3,),
        score=(PRIOR + 3) / (5 + 1),  # 26/7 ≈ 3.714
        booked=1.0,
        offered=8.0,
        sessions=4,  # 5, 6, 7, 9
    )
    omar = figures(
        ids,
        "UOMAR",
        completed=1,  # 10
        ratings=(5,),
        score=(PRIOR + 5) / (5 + 1),  # 170/42 ≈ 4.048
        booked=0.75,
        offered=0.0,
        sessions=1,  # 10
    )
    # With a prior this strong, Omar's single 5 just edges out Maya's 5 and 4.
    # Nobody's average rests on 3 ratings: a manager's rating list is empty
    # (privacy), though the ranking behind it is computed all the same.
    assert d.top_by_rating == []
    # The per-mentor table (the CSV) holds them all, by name, without the
    # averages (and scores) resting on fewer than 3 ratings.
    table = mentor_table(admin(store), FakeClock(NOW), period_days=d.period_days)
    rated = [r.figures for r in table.rows if r.figures.rating_count]
    assert rated == [for_managers(maya), for_managers(noah), for_managers(omar)]
    # Noah and Omar tie on 1; by name.
    assert d.top_by_completed == [maya, noah, omar]
    assert d.top_by_completed[0].utilization == pytest.approx(3.5 / 29)
    assert d.top_by_completed[2].utilization is None


def test_all_time_counts_every_past_session_and_uses_90_days_for_utilization(
    ids: dict[str, int], store: Store
) -> None:
    d = dashboard(admin(store), FakeClock(NOW), period_days=None)

    assert (d.period_days, d.since) == (None, None)
    assert (d.mentors, d.mentees) == (3, 3)
    # Every session that started before now: 1-11, 13, 14, 16 (not 12, 15).
    assert d.sessions == 14
    # Completed: 1, 2, 5, 10, 11, 13, 14, 16.
    assert d.completed == 8
    # Due: 8 completed + 3 + 8 = 10.
    assert d.completion_rate == pytest.approx(8 / 10)
    assert d.rating_count == 7
    assert d.average_rating == pytest.approx(27 / 7)
    # Utilization over [90 days ago 08:00, now): dates Tuesday 90 days ago .. Sunday,
    # 90 days = 12 weeks + Tue..Sun, so Monday x12 and every other weekday x13.
    # Offered: Maya 4h·12 + 2h·13 + 1h·13 = 87 h, Noah 2h·13 = 26 h, Pia 1h·13 = 13 h
    # -> 126 h. Booked by those three: Maya 3.5 h + session 13's 1 h (16 is too
    # old) = 4.5 h, Noah 1 h + session 14's 0.5 h = 1.5 h, Pia 0 -> 6 h (Omar's
    # 0.75 h is not counted: he offered nothing).
    assert d.utilization == pytest.approx(6 / 126)

    maya = figures(
        ids,
        "UMAYA",
        completed=5,  # 1, 2, 11, 13, 16
        ratings=(5, 4, 2, 4),
        score=(PRIOR + 15) / (5 + 4),  # 240/63 ≈ 3.810
        booked=4.5,
        offered=87.0,
        sessions=8,  # 1, 2, 3, 4, 8, 11, 13, 16
    )
    noah = figures(
        ids,
        "UNOAH",
        completed=2,  # 5, 14
        ratings=(3, 4),
        score=(PRIOR + 7) / (5 + 2),  # 184/49 ≈ 3.755
        booked=1.5,
        offered=26.0,
        sessions=5,  # 5, 6, 7, 9, 14
    )
    omar = figures(
        ids,
        "UOMAR",
        completed=1,
        ratings=(5,),
        score=(PRIOR + 5) / (5 + 1),  # ≈ 4.048
        booked=0.75,
        offered=0.0,
        sessions=1,  # 10
    )
    # Only Maya's average rests on 3 ratings or more: the others' are not
    # shown to a manager (privacy), though the ranking is computed all the same.
    assert d.top_by_rating == [maya]
    # The per-mentor table (the CSV) holds them all, by name, without the
    # averages (and scores) resting on fewer than 3 ratings.
    table = mentor_table(admin(store), FakeClock(NOW), period_days=d.period_days)
    rated = [r.figures for r in table.rows if r.figures.rating_count]
    assert rated == [for_managers(maya), for_managers(noah), for_managers(omar)]
    assert d.top_by_completed == [maya, noah, omar]


def test_a_week_with_nothing_completed_has_a_zero_rate_not_none(
    ids: dict[str, int], store: Store
) -> None:
    d = dashboard(admin(store), FakeClock(NOW), period_days=7)

    assert d.since == ago(7, 8, 0)  # last Monday
    # Sessions 7 (expired) and 8 (ongoing).
    assert (d.sessions, d.completed) == (2, 0)
    # One session was due (8) and none completed.
    assert d.completion_rate == 0.0
    assert (d.average_rating, d.rating_count) == (None, 0)
    assert (d.top_by_rating, d.top_by_completed) == ([], [])
    # 7 days: every weekday once. Offered Maya 4+2+1 + Noah 2 + Pia 1 = 10 h;
    # booked: session 8's half hour.
    assert d.utilization == pytest.approx(0.5 / 10)


def test_hours_booked_with_mentors_who_offer_no_time_leave_the_overall_figure_alone(
    store: Store,
) -> None:
    store.workspaces.add("T1")
    mentee = store.next_id()
    store.users[mentee] = Profile(mentee, "T1", "UMENTEE", "Mentee", is_mentee=True)
    offering, unlisted = store.next_id(), store.next_id()
    store.users[offering] = Profile(offering, "T1", "UOFFER", "Offering", is_mentor=True)
    store.users[unlisted] = Profile(unlisted, "T1", "UNONE", "Unlisted", is_mentor=True)
    store.weekly[offering] = [WeeklySlot(0, time(9), time(13), id=store.next_id())]
    for mentor, hours in ((offering, 1), (unlisted, 2)):
        starts_at = NOW - timedelta(days=2)
        ends_at = starts_at + timedelta(hours=hours)
        session = Session(store.next_id(), "T1", mentor, mentee, starts_at, ends_at, S.COMPLETED)
        store.sessions[session.id] = session

    d = dashboard(admin(store), FakeClock(NOW), period_days=7)

    # Seven days hold one Monday: Offering offered 4 h and was booked 1 h.
    # Unlisted (active, no weekly slots) offered nothing: their 2 h are theirs
    # alone, not 3 h of the 4 offered.
    assert d.utilization == pytest.approx(1 / 4)
    assert {f.name: f.utilization for f in d.top_by_completed} == {
        "Offering": pytest.approx(1 / 4),
        "Unlisted": None,
    }


def test_top_limits_the_lists(ids: dict[str, int], store: Store) -> None:
    d = dashboard(admin(store), FakeClock(NOW), top=1)

    assert d.top_by_rating == []  # nobody has 3 ratings
    assert [f.name for f in d.top_by_completed] == ["Maya Patel"]


def test_another_workspace_sees_only_its_own(ids: dict[str, int], store: Store) -> None:
    d = dashboard(admin(store, "T2"), FakeClock(NOW))

    assert (d.mentors, d.mentees, d.sessions, d.completed) == (1, 1, 1, 1)
    assert d.completion_rate == 1.0
    assert d.rating_count == 1
    assert d.average_rating is None  # one rating: a manager may not see it
    # Zed's single 1 against T2's own mean of 1: (5·1 + 1) / 6 = 1.
    # Zed's single 1 is not shown to a manager: fewer than 3 ratings.
    assert d.top_by_rating == []
    # Booked 1 h of Zed's Mondays: 8 h · 4.
    assert d.utilization == pytest.approx(1 / 32)


def test_the_system_actor_without_a_workspace_sees_every_workspace(
    ids: dict[str, int], store: Store
) -> None:
    d = dashboard(FakeUnitOfWork(store, Actor.system()), FakeClock(NOW))

    # T1's figures plus Zed, Yuki and their one completed, rated session.
    assert (d.mentors, d.mentees, d.sessions, d.completed) == (4, 4, 12, 6)
    assert d.average_rating == pytest.approx((17 + 1) / 5)
    assert "Zed Novak" in [f.name for f in d.top_by_completed]


def test_an_empty_programme_shows_zeros_and_nones_without_dividing_by_zero(
    store: Store,
) -> None:
    for period in (7, 30, 90, None):
        d = dashboard(admin(store), FakeClock(NOW), period_days=period)

        assert (d.mentors, d.mentees, d.sessions, d.completed, d.rating_count) == (0, 0, 0, 0, 0)
        assert (d.completion_rate, d.average_rating, d.utilization) == (None, None, None)
        assert (d.top_by_rating, d.top_by_completed) == ([], [])
        assert (d.expertise, d.departments, d.more_departments) == ([], [], 0)
        assert all((p.sessions, p.completed) == (0, 0) for p in d.trend)
        assert d.as_of is None
        assert "nan" not in repr(d).lower()


def rated_mentors(store: Store, ratings: Mapping[str, list[int]]) -> None:
    """Mentors each with completed sessions in the last days, rated as given."""
    store.workspaces.add("T1")
    mentee = store.next_id()
    store.users[mentee] = Profile(mentee, "T1", "UMENTEE", "Mentee", is_mentee=True)
    for name, marks in ratings.items():
        mentor = store.next_id()
        store.users[mentor] = Profile(mentor, "T1", f"U{mentor}", name, is_mentor=True)
        for index, mark in enumerate(marks):
            starts_at = NOW - timedelta(days=1, hours=index)
            session = Session(
                store.next_id(),
                "T1",
                mentor,
                mentee,
                starts_at,
                starts_at + timedelta(minutes=30),
                S.COMPLETED,
            )
            store.sessions[session.id] = session
            store.feedback.append(
                Feedback(session.id, "T1", mentee, mentor, SubjectRole.MENTOR, mark)
            )


def test_one_five_star_review_does_not_beat_fifty_averaging_four_point_eight(
    store: Store,
) -> None:
    rated_mentors(
        store,
        {
            "Ada Lone": [5] * 3,
            "Bo Many": [5] * 40 + [4] * 10,  # 240 / 50 = 4.8
            "Cy Plain": [3] * 20,  # brings the workspace's mean down to a usual 4.3
        },
    )
    d = dashboard(admin(store), FakeClock(NOW))

    # m = (15 + 240 + 60) / 73 = 315/73 ≈ 4.315, C·m ≈ 21.58.
    m = 315 / 73
    # Ada: (21.58 + 15) / 8 ≈ 4.57; Bo: (21.58 + 240) / 55 ≈ 4.76; Cy: (21.58 + 60) / 25 ≈ 3.26.
    assert [f.name for f in d.top_by_rating] == ["Bo Many", "Ada Lone", "Cy Plain"]
    assert [f.score for f in d.top_by_rating] == [
        pytest.approx((5 * m + 240) / 55),
        pytest.approx((5 * m + 15) / 8),
        pytest.approx((5 * m + 60) / 25),
    ]
    # A plain average would have put the single review first.
    assert [f.average_rating for f in d.top_by_rating] == [4.8, 5.0, 3.0]


def test_a_manager_sees_no_average_resting_on_fewer_than_three_ratings(store: Store) -> None:
    rated_mentors(store, {"Ada Lone": [5, 5], "Bo Many": [4, 4, 4], "Cy Plain": [1]})
    d = dashboard(admin(store), FakeClock(NOW))

    # Ada (2 ratings) and Cy (1) are left out; their ratings still make the mean.
    assert [(f.name, f.rating_count) for f in d.top_by_rating] == [("Bo Many", 3)]


def test_equal_scores_rank_more_ratings_first_then_by_name(store: Store) -> None:
    # Every rating is 4, so m = 4 and every score is exactly 4.
    rated_mentors(store, {"Xavier": [4] * 3, "Yara": [4] * 4, "aaron": [4] * 3})
    d = dashboard(admin(store), FakeClock(NOW))

    assert [f.score for f in d.top_by_rating] == [4.0, 4.0, 4.0]
    assert [f.name for f in d.top_by_rating] == ["Yara", "aaron", "Xavier"]


def test_a_member_may_not_see_the_statistics(ids: dict[str, int], store: Store) -> None:
    with pytest.raises(NotAllowed) as refused:
        dashboard(FakeUnitOfWork(store, Actor.member("T1", "UMAYA")), FakeClock(NOW))

    assert refused.value.message == "Only programme managers can see the programme's statistics."


@pytest.mark.parametrize(("period", "top"), [(0, 5), (-3, 5), (3651, 5), (30, -1)])
def test_a_period_or_top_out_of_range_is_refused(store: Store, period: int, top: int) -> None:
    with pytest.raises(InvalidInput):
        dashboard(admin(store), FakeClock(NOW), period_days=period, top=top)


@pytest.mark.parametrize(
    ("days", "counts"),
    [
        (7, (1, 1, 1, 1, 1, 1, 1)),
        (30, (4, 4, 4, 4, 4, 5, 5)),  # from the Saturday 30 days ago
        (90, (12, 13, 13, 13, 13, 13, 13)),  # from the Tuesday 90 days ago
        (1, (0, 0, 0, 0, 0, 0, 1)),  # yesterday, a Sunday
    ],
)
def test_weekday_counts_cover_exactly_the_periods_days(days: int, counts: tuple[int, ...]) -> None:
    since = NOW - timedelta(days=days)
    assert weekday_counts(since, NOW) == counts
    assert sum(counts) == days


def test_the_bayesian_score_pulls_few_ratings_towards_the_mean() -> None:
    # (5·4 + 5) / 6 = 25/6; (5·4 + 50·5) / 55 = 270/55.
    assert bayesian_score(5, 1, 4.0) == pytest.approx(25 / 6)
    assert bayesian_score(250, 50, 4.0) == pytest.approx(270 / 55)
