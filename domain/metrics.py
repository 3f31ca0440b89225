"""The programme dashboard's figures as values, and the arithmetic that turns
the database's sums into them. Pure: no unit of work, no clock. What each
figure means, precisely, is written in `domain.analytics`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

# The Bayesian prior's weight: how many ratings at the workspace's mean every
# mentor is assumed to start with.
PRIOR_WEIGHT = 5
# The span used for utilization when the period is "all time".
ALL_TIME_UTILIZATION_DAYS = 90
# How many calendar months the all-time trend shows.
ALL_TIME_TREND_MONTHS = 12
# How many expertise gaps and departments a dashboard keeps.
EXPERTISE_SHOWN = 5
DEPARTMENTS_SHOWN = 10
# How many at-risk pairs a dashboard keeps (the rest are counted).
AT_RISK_SHOWN = 10
# A manager sees a mentor's average rating only when it rests on this many
# ratings: fewer would let them guess who gave which.
MIN_RATINGS_SHOWN = 3
# A manager sees a department's goal attainment only when this many mentees set
# its goals: fewer, and the figures are one or two people's own progress.
MIN_PEOPLE_SHOWN = MIN_RATINGS_SHOWN
# The busiest share of mentors whose load the spread measures.
BUSIEST_SHARE = 0.1
# A cancellation closer than this to the session's start is a late one.
LATE_CANCEL = timedelta(hours=24)
# A pair is at risk after this long without a session, or with a rating this
# low on a session this recent.
QUIET_AFTER = timedelta(days=30)
LOW_RATING = 2


class TrendUnit(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class MentorFigures:
    mentor_id: int
    name: str
    completed: int
    rating_count: int
    average_rating: float | None
    score: float | None  # the Bayesian average; None without ratings
    booked_hours: float
    offered_hours: float
    sessions: int = 0  # in the period, any status

    @property
    def utilization(self) -> float | None:
        return self.booked_hours / self.offered_hours if self.offered_hours else None


@dataclass(frozen=True)
class TrendPoint:
    """Sessions starting in one week (Monday, UTC) or calendar month."""

    start: date
    sessions: int
    completed: int
    # Part of the week or month lies outside the period (its first or last bucket).
    partial: bool = False


@dataclass(frozen=True)
class ExpertiseGap:
    tag: str
    sessions: int  # demand: sessions in the period with mentors listing the tag
    mentors: int  # supply: active mentors listing it today

    @property
    def per_mentor(self) -> float | None:
        return self.sessions / self.mentors if self.mentors else None


@dataclass(frozen=True)
class DepartmentFigures:
    department: str  # "" for people without one
    mentors: int
    mentees: int
    sessions: int  # sessions in the period whose mentee is in the department
    completed: int
    rating_count: int
    average_rating: float | None


@dataclass(frozen=True)
class DurationWeek:
    """Completed sessions starting in one week (Monday, UTC) or calendar month:
    their scheduled minutes and the minutes their mentors recorded."""

    starts: date
    planned_minutes: int
    actual_minutes: int
    partial: bool = False


@dataclass(frozen=True)
class DepartmentGoals:
    department: str  # the mentee's, as their profile says today; "" for none
    set: int
    achieved: int
    mentees: int  # who set those goals


@dataclass(frozen=True)
class GoalAttainment:
    set: int = 0
    achieved: int = 0
    by_department: tuple[DepartmentGoals, ...] = ()
    # Departments with goals set by fewer than `MIN_PEOPLE_SHOWN` mentees:
    # named, their figures withheld (still counted in the programme's).
    withheld: tuple[str, ...] = ()

    @property
    def rate(self) -> float | None:
        return ratio(self.achieved, self.set)


def goal_attainment(departments: Iterable[DepartmentGoals]) -> GoalAttainment:
    """The programme's goal attainment and each department's, as a manager
    may see it: a department whose goals rest on fewer than `MIN_PEOPLE_SHOWN`
    mentees is only named."""
    with_goals = [d for d in departments if d.set]
    withheld = {d.department for d in with_goals if d.mentees < MIN_PEOPLE_SHOWN}
    # The programme's figures less the departments shown are the withheld
    # ones' together: while those rest on fewer than `MIN_PEOPLE_SHOWN`
    # mentees, the smallest department shown is withheld with them.
    shown = sorted((d for d in with_goals if d.department not in withheld), key=lambda d: d.mentees)
    while withheld and shown and _mentees(with_goals, withheld) < MIN_PEOPLE_SHOWN:
        withheld.add(shown.pop(0).department)
    return GoalAttainment(
        set=sum(d.set for d in with_goals),
        achieved=sum(d.achieved for d in with_goals),
        by_department=tuple(d for d in with_goals if d.department not in withheld),
        withheld=tuple(d.department for d in with_goals if d.department in withheld),
    )


def _mentees(departments: Iterable[DepartmentGoals], names: set[str]) -> int:
    return sum(d.mentees for d in departments if d.department in names)


@dataclass(frozen=True)
class IntroductionFigures:
    """Introductions sent in the period, how many led to a first session, and
    the median days that took (see `domain.analytics`)."""

    sent: int = 0
    booked: int = 0
    median_days: float | None = None  # None: none led to a session (yet)


class RiskReason(StrEnum):
    QUIET = "quiet"
    CANCELLED_TWICE = "cancelled_twice"
    LOW_RATING = "low_rating"


RISK_WORDS = {
    RiskReason.QUIET: "no session in 30 days since the last one",
    RiskReason.CANCELLED_TWICE: "the last two sessions were cancelled",
    RiskReason.LOW_RATING: "a session rated 2 or less in the last 30 days",
}


@dataclass(frozen=True)
class AtRiskPair:
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str
    reasons: tuple[RiskReason, ...]

    @property
    def words(self) -> str:
        return "; ".join(RISK_WORDS[r] for r in self.reasons)


@dataclass(frozen=True)
class Dashboard:
    period_days: int | None
    since: datetime | None
    mentors: int
    mentees: int
    sessions: int
    completed: int
    completion_rate: float | None
    average_rating: float | None
    top_by_rating: list[MentorFigures]
    top_by_completed: list[MentorFigures]
    utilization: float | None
    # How many ratings `average_rating` is the mean of.
    rating_count: int = 0
    trend_unit: TrendUnit = TrendUnit.WEEK
    trend: list[TrendPoint] = field(default_factory=list)
    expertise: list[ExpertiseGap] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)
    # Departments with figures beyond the `departments` shown.
    more_departments: int = 0
    # Programme health (see `domain.analytics`).
    duration_trend: tuple[DurationWeek, ...] = ()
    median_days_to_first_session: float | None = None
    goal_attainment: GoalAttainment = field(default_factory=GoalAttainment)
    no_show_rate: float | None = None
    late_cancel_rate: float | None = None
    load_spread: float | None = None
    at_risk: tuple[AtRiskPair, ...] = ()
    more_at_risk: int = 0
    introductions: IntroductionFigures = field(default_factory=IntroductionFigures)
    # When the figures were computed, if that was not just now (a snapshot).
    as_of: datetime | None = None


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def weekday_counts(since: datetime, until: datetime) -> tuple[int, ...]:
    """How often each weekday (Monday first) occurs among the UTC dates from
    `since`'s up to the day before `until`'s."""
    first = since.astimezone(UTC).date()
    days = max((until.astimezone(UTC).date() - first).days, 0)
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return tuple(weeks + ((weekday - start) % 7 < rest) for weekday in range(7))


def bayesian_score(rating_sum: int, rating_count: int, prior_mean: float) -> float:
    return (PRIOR_WEIGHT * prior_mean + rating_sum) / (PRIOR_WEIGHT + rating_count)


def by_rating(
    figures: Iterable[MentorFigures], fewest: int = MIN_RATINGS_SHOWN
) -> list[MentorFigures]:
    """Mentors whose average rests on at least `fewest` ratings (what a manager
    may see), best first."""
    rated = [f for f in figures if f.rating_count >= max(fewest, 1)]
    return sorted(
        rated, key=lambda f: (-(f.score or 0.0), -f.rating_count, f.name.casefold(), f.mentor_id)
    )


def manager_average(rating_sum: float, rating_count: int) -> float | None:
    """A mean of ratings as a manager may see it: None below
    `MIN_RATINGS_SHOWN` ratings. Also for the programme's and a department's
    averages: resting on one or two ratings, they are one mentor's (or one
    mentee's) ratings as surely as a per-mentor average is."""
    return ratio(rating_sum, rating_count) if rating_count >= MIN_RATINGS_SHOWN else None


def for_managers(f: MentorFigures) -> MentorFigures:
    """The figures a manager may see: no average (nor the score made from it)
    resting on fewer than `MIN_RATINGS_SHOWN` ratings."""
    if f.rating_count >= MIN_RATINGS_SHOWN:
        return f
    return replace(f, average_rating=None, score=None)


def by_completed(figures: Iterable[MentorFigures]) -> list[MentorFigures]:
    busy = [f for f in figures if f.completed]
    return sorted(busy, key=lambda f: (-f.completed, f.name.casefold(), f.mentor_id))


# --- the trend ---------------------------------------------------------------


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _next_bucket(start: date, unit: TrendUnit) -> date:
    if unit is TrendUnit.WEEK:
        return start + timedelta(days=7)
    return _month_start(start + timedelta(days=31))


def trend_window(period_days: int | None, now: datetime) -> tuple[TrendUnit, datetime]:
    """The trend's unit and where its first bucket starts: the Monday of the
    period's first week, or for all time the first of the month
    `ALL_TIME_TREND_MONTHS - 1` months before the current one (UTC)."""
    last = (now - timedelta(microseconds=1)).astimezone(UTC).date()
    if period_days is None:
        return TrendUnit.MONTH, _utc_midnight(_month_start(last, ALL_TIME_TREND_MONTHS - 1))
    first = (now - timedelta(days=period_days)).astimezone(UTC).date()
    return TrendUnit.WEEK, _utc_midnight(first - timedelta(days=first.weekday()))


def trend_points(
    counts: dict[date, tuple[int, int]],
    unit: TrendUnit,
    first: datetime,
    since: datetime | None,
    now: datetime,
) -> list[TrendPoint]:
    """Every bucket from `first` to the one holding the last instant before
    `now`, zeros where `counts` (bucket start -> sessions, completed) has none."""
    points: list[TrendPoint] = []
    start = first.astimezone(UTC).date()
    while _utc_midnight(start) < now:
        end = _next_bucket(start, unit)
        sessions, completed = counts.get(start, (0, 0))
        cut = (since is not None and _utc_midnight(start) < since) or _utc_midnight(end) > now
        points.append(TrendPoint(start, sessions, completed, partial=cut))
        start = end
    return points


# --- supply and demand, departments ---------------------------------------------


def expertise_gaps(
    demand: Iterable[tuple[str, int, int]], shown: int = EXPERTISE_SHOWN
) -> list[ExpertiseGap]:
    """(tag, sessions, active mentors) ranked worst first: most sessions per
    mentor, a tag nobody offers counting as if one mentor did; then more
    sessions; then by tag."""
    gaps = [ExpertiseGap(tag, sessions, mentors) for tag, sessions, mentors in demand if sessions]
    gaps.sort(key=lambda g: (-g.sessions / max(g.mentors, 1), -g.sessions, g.tag))
    return gaps[:shown]


def department_figures(
    rows: Iterable[DepartmentFigures], shown: int = DEPARTMENTS_SHOWN
) -> tuple[list[DepartmentFigures], int]:
    """Departments with people in a role or sessions, the busiest first
    (sessions, then people, then name), and how many more there are."""
    ranked = sorted(
        (d for d in rows if d.sessions or d.mentors or d.mentees),
        key=lambda d: (-d.sessions, -(d.mentors + d.mentees), d.department.casefold()),
    )
    return ranked[:shown], max(len(ranked) - shown, 0)


# --- programme health ---------------------------------------------------------


def duration_weeks(
    minutes: dict[date, tuple[int, int]],
    unit: TrendUnit,
    first: datetime,
    since: datetime | None,
    now: datetime,
) -> tuple[DurationWeek, ...]:
    """The duration trend on the sessions trend's buckets (`minutes`: bucket
    start -> planned, actual), zeros where there is none."""
    return tuple(
        DurationWeek(p.start, *minutes.get(p.start, (0, 0)), partial=p.partial)
        for p in trend_points({}, unit, first, since, now)
    )


def load_spread(due_by_mentor: Iterable[int]) -> float | None:
    """The share of the sessions taken by the busiest `BUSIEST_SHARE` of the
    mentors counted (at least one mentor); None without sessions."""
    loads = sorted(due_by_mentor, reverse=True)
    total = sum(loads)
    if not total:
        return None
    busiest = max(1, math.ceil(len(loads) * BUSIEST_SHARE))
    return sum(loads[:busiest]) / total


def at_risk_list(
    pairs: Iterable[AtRiskPair], shown: int = AT_RISK_SHOWN
) -> tuple[tuple[AtRiskPair, ...], int]:
    """Pairs with the most reasons first, then by mentor and mentee name."""
    ranked = sorted(
        pairs,
        key=lambda p: (
            -len(p.reasons),
            p.mentor_name.casefold(),
            p.mentee_name.casefold(),
            p.mentor_id,
            p.mentee_id,
        ),
    )
    return tuple(ranked[:shown]), max(len(ranked) - shown, 0)
