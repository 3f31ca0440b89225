"""The programme managers' dashboard: how the programme is doing over a period.

Definitions (all of them per workspace, the acting admin's; a system actor with
no workspace sees every workspace):

- **Period**: sessions *starting* in [now − period_days, now); with
  `period_days=None`, every session that started before now ("all time").
  Sessions that start in the future are never counted.
- **Mentors / mentees**: active people with that role today (not period-bound);
  someone who is both counts in both.
- **Sessions**: sessions in the period, whatever their status.
- **Completed**: sessions in the period with status `completed`.
- **Completion rate**: completed ÷ the sessions in the period that were due to
  happen: completed, no_show, and scheduled or ongoing ones (their start has
  passed, as for everything in the period). Requested, declined, cancelled and
  expired sessions never happened and are left out. None when nothing was due.
- **Average rating**: the mean of mentees' ratings of their mentors (feedback
  with subject_role `mentor`) on sessions in the period. None without ratings.
- **Top mentors by rating**: mentors with at least one such rating in the
  period, ranked by a Bayesian average so that one 5-star review does not beat
  fifty 4.8s: score = (C·m + Σ ratings) / (C + n), with n the mentor's ratings in
  the period, m the workspace's mean rating over all time and C = 5 (as if every
  mentor started with five ratings at the workspace's mean). Ties: more ratings
  first, then by name.
- **Top mentors by completed sessions**: mentors with at least one completed
  session in the period, most first; ties by name.
- **Utilization**: booked hours ÷ offered hours, overall and per mentor.
  Booked: the scheduled length (ends_at − starts_at) of scheduled, ongoing,
  completed and no_show sessions in the period. Offered: each active mentor's
  weekly availability slots, each slot's length times the number of times its
  weekday occurs among the period's days — the UTC calendar dates from the date
  of `since` up to the day before today's, i.e. exactly `period_days` dates.
  Time off and one-off extra slots are not counted in this first version. For
  "all time" both sides use the last 90 days instead (availability is only
  known as it is now, so a longer span would mean nothing). None when nothing
  was offered; it can exceed 1 when mentors took sessions outside their hours.

Mentors appear in the top lists whatever their status now (a mentor who has
since left still did the sessions); the per-mentor hours use the same window as
the overall utilization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.errors import InvalidInput, NotAllowed
from domain.model import Role
from domain.ports import Clock, MentorActivity, MentorHours, UnitOfWork

# The Bayesian prior's weight: how many ratings at the workspace's mean every
# mentor is assumed to start with.
PRIOR_WEIGHT = 5
# The span used for utilization when the period is "all time".
ALL_TIME_UTILIZATION_DAYS = 90
MAX_PERIOD_DAYS = 3650
NOT_ALLOWED = "Only programme managers can see the programme's statistics."


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

    @property
    def utilization(self) -> float | None:
        return self.booked_hours / self.offered_hours if self.offered_hours else None


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


def dashboard(
    uow: UnitOfWork, clock: Clock, *, period_days: int | None = 30, top: int = 5
) -> Dashboard:
    """The programme's figures for admins (and scheduled jobs, e.g. the digest)."""
    if uow.actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise NotAllowed(NOT_ALLOWED)
    if period_days is not None and not 1 <= period_days <= MAX_PERIOD_DAYS:
        raise InvalidInput(f"The period must be between 1 and {MAX_PERIOD_DAYS} days.")
    if top < 0:
        raise InvalidInput("The number of top mentors cannot be negative.")
    now = clock.now()
    since = None if period_days is None else now - timedelta(days=period_days)
    hours_since = now - timedelta(days=period_days or ALL_TIME_UTILIZATION_DAYS)
    workspace_id = uow.actor.workspace_id
    with uow:
        totals = uow.analytics.totals(workspace_id, since, now)
        activity = uow.analytics.mentor_activity(workspace_id, since, now)
        hours = uow.analytics.mentor_hours(
            workspace_id, hours_since, now, weekday_counts(hours_since, now)
        )
        mean = uow.analytics.workspace_mean_rating(workspace_id)

    figures = [
        mentor_figures(row, hours.get(row.mentor_id, MentorHours()), mean) for row in activity
    ]
    rated = [f for f in figures if f.rating_count]
    rated.sort(key=lambda f: (-(f.score or 0.0), -f.rating_count, f.name.casefold(), f.mentor_id))
    busy = [f for f in figures if f.completed]
    busy.sort(key=lambda f: (-f.completed, f.name.casefold(), f.mentor_id))
    booked = sum((h.booked for h in hours.values()), timedelta())
    offered = sum((h.offered for h in hours.values()), timedelta())
    return Dashboard(
        period_days=period_days,
        since=since,
        mentors=totals.mentors,
        mentees=totals.mentees,
        sessions=totals.sessions,
        completed=totals.completed,
        completion_rate=_ratio(totals.completed, totals.due),
        average_rating=_ratio(totals.rating_sum, totals.rating_count),
        top_by_rating=rated[:top],
        top_by_completed=busy[:top],
        utilization=booked / offered if offered else None,
        rating_count=totals.rating_count,
    )


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


def mentor_figures(row: MentorActivity, hours: MentorHours, mean: float | None) -> MentorFigures:
    """One mentor's figures for a window (`mean`: the workspace's all-time mean rating)."""
    average = _ratio(row.rating_sum, row.rating_count)
    score = None
    if average is not None:
        # The workspace mean includes this mentor's ratings, so it exists here.
        score = bayesian_score(row.rating_sum, row.rating_count, average if mean is None else mean)
    return MentorFigures(
        mentor_id=row.mentor_id,
        name=row.name,
        completed=row.completed,
        rating_count=row.rating_count,
        average_rating=average,
        score=score,
        booked_hours=hours.booked / timedelta(hours=1),
        offered_hours=hours.offered / timedelta(hours=1),
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
