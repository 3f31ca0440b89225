"""The programme dashboard's figures as values, and the arithmetic that turns
the database's sums into them. Pure: no unit of work, no clock. What each
figure means, precisely, is written in `domain.analytics`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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


def by_rating(figures: Iterable[MentorFigures]) -> list[MentorFigures]:
    rated = [f for f in figures if f.rating_count]
    return sorted(
        rated, key=lambda f: (-(f.score or 0.0), -f.rating_count, f.name.casefold(), f.mentor_id)
    )


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
