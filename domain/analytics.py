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
  with subject_role `mentor`) on sessions in the period. None without ratings,
  and below 3 ratings (see Privacy).
- **Top mentors by rating**: mentors with at least one such rating in the
  period, ranked by a Bayesian average so that one 5-star review does not beat
  fifty 4.8s: score = (C·m + Σ ratings) / (C + n), with n the mentor's ratings in
  the period, m the workspace's mean rating over all time and C = 5 (as if every
  mentor started with five ratings at the workspace's mean). Ties: more ratings
  first, then by name.
- **Top mentors by completed sessions**: mentors with at least one completed
  session in the period, most first; ties by name.
- **Utilization**: booked hours ÷ offered hours, per mentor and overall.
  Booked: the scheduled length (ends_at − starts_at) of a mentor's scheduled,
  ongoing, completed and no_show sessions in the period. Offered: an active
  mentor's weekly availability slots, each slot's length times the number of
  times its weekday occurs among the period's days — the UTC calendar dates
  from the date of `since` up to the day before today's, i.e. exactly
  `period_days` dates. Time off and one-off extra slots are not counted in this
  first version. Overall: the booked hours of the mentors who offered time ÷
  their offered hours (the hours of mentors who offered none — inactive ones,
  or active ones without weekly slots — would only inflate it). Per mentor:
  None for a mentor who offered nothing, whatever they booked. For "all time"
  both sides use the last 90 days instead (availability is only known as it is
  now, so a longer span would mean nothing). None when nothing was offered; it
  can exceed 1 when mentors took sessions outside their hours.
- **Sessions trend**: for a period of days, one bucket per ISO week (Monday
  00:00 UTC to the next Monday), from the week holding the period's start to
  the week holding its last instant; each holds the period's sessions (any
  status) that start in it, and how many of them are completed. The first and
  last weeks are usually cut by the period and marked partial. For all time,
  one bucket per UTC calendar month, the last 12 months including the current
  one (partial), as nobody reads two years of weekly bars.
- **Expertise in demand, short of mentors**: per expertise tag, demand is the
  number of sessions in the period (any status: a request shows demand whether
  or not it was met) whose mentor lists the tag in their profile today (a
  session counts once for each of its mentor's tags); supply is the number of
  active mentors listing it today. Listed: tags with demand, worst first by
  demand per mentor — a tag no active mentor offers counts as if one did, so
  it ranks by its demand alone — then more demand, then by tag; the first 5.
- **Departments**: as people's profiles say today ("" for none). Mentors and
  mentees: active people with the role in the department. Sessions and
  completed: the period's sessions whose *mentee* is in the department.
  Average rating: the mean of those sessions' mentee ratings of their mentors.
  Listed: departments with any of these, most sessions first (then most
  people, then by name); the first 10, and how many more there are.

- **Duration trend**: on the sessions trend's buckets, the *completed*
  sessions starting in each: planned minutes = Σ their scheduled length
  (ends_at − starts_at); actual minutes = Σ the minutes the mentor recorded on
  completing them (the scheduled length for a session completed without one,
  as before completion asked for it). Both 0 in a bucket without any.
- **Median days to a first session**: for each mentee whose first completed
  session (ever, as mentee) starts in the period, the days from their profile's
  creation (sign-up) to that session's start; the median of those (the mean of
  the middle two for an even count). None without such mentees. (Sign-up is
  the start for everyone; introductions have a figure of their own, below.)
- **Goal attainment**: goals created in the period (set) and how many of them
  are `achieved` now, overall and per department of the goal's mentee (as
  profiles say today), by department. Dropped goals were set and count as not
  achieved. The rate is achieved ÷ set, None when none was set. Managers see
  only these counts, never a goal (a SECURITY DEFINER function counts them),
  and a department's only when its goals were set by at least
  `MIN_PEOPLE_SHOWN` (3) mentees: below that it is named, "too few to show"
  (its goals still count in the programme's figure).
- **No-show rate**: no_show ÷ the sessions that were due (the completion
  rate's denominator). None when nothing was due.
- **Late-cancel rate**: sessions cancelled less than 24 hours before their
  start (the session's last change, `updated_at`, is its cancellation: a
  cancelled session changes no more) ÷ the sessions that were due or
  cancelled. None when there were none.
- **Load spread**: the share of the period's due sessions taken by the
  busiest 10 % of mentors (rounded up, at least one). The mentors counted:
  every active mentor and any other with a due session in the period. 0.1 is
  an even spread, 1 one mentor taking everything. None without due sessions.
- **At-risk pairs** (as of now, whatever the period): a mentor and a mentee,
  both active, with at least one of: *quiet* — they completed a session, and
  their latest session that was not declined, expired or cancelled starts
  more than 30 days before now; *cancelled twice* — of their sessions that
  were not declined or expired, the latest two (by start) are cancelled, the
  later starting less than 30 days before now (or yet to come); *low rating* —
  the mentee rated a session of theirs starting in the last 30 days 2 or less.
  Listed: most reasons first, then by mentor and mentee name; the first 10,
  and how many more there are. Each has a Nudge button (`nudge_pair`).
- **Introductions → first session**: the introductions a manager *sent* in
  the period (`sent_at` in [since, now); proposed or dropped pairs never
  count), and of those, the ones that *led to a first session*: the mentee
  booked a session with that mentor at or after the introduction was sent
  (the session's `created_at`, whatever became of the session since: a
  booking is what an introduction asks for) and before now. Median days:
  from sending to that first booking, over the introductions that led to
  one (the mean of the middle two for an even count); None when none did.
  An empty programme has 0 sent, never a division.
- **Privacy**: a mentor's average rating reaches a manager only when it rests
  on at least 3 ratings (`MIN_RATINGS_SHOWN`): the rating top list holds only
  such mentors; the per-mentor table (the CSV) and the digest leave the
  others' average and score blank (`for_managers`); the programme's and a
  department's average are left out below 3 ratings too (`manager_average`),
  as one or two ratings are a mentor's own. Written
  feedback never reaches a manager's view, CSV or digest: the database lets
  only the session's two people read it (migration 0026), and every figure
  here reads the ratings kept on sessions and per mentor.

Mentors appear in the top lists whatever their status now (a mentor who has
since left still did the sessions); the per-mentor hours use the same window as
the overall utilization. The per-mentor table (the CSV export) holds every
active mentor, and any other mentor with a session or a rating in the period
or booked hours in the utilization window, by name.

Every figure of a dashboard (or table) is read from one snapshot of the
database (a REPEATABLE READ transaction), so its several queries agree with
each other even while people book and rate.

**Snapshots and staleness.** The `analytics` job (every 5 minutes) computes
each workspace's dashboard for 7, 30 and 90 days and all time, as the system
actor, and keeps it with the time it was computed and how long that took. A
dashboard is served from its snapshot when the snapshot is at most
`STALE_AFTER` (15 minutes) old — normally at most 5 minutes plus the refresh
time — and computing it took at least `LIVE_BELOW` (50 ms); otherwise it is
computed live. So a small programme's figures are always exact, a big one's
are at most 15 minutes old and say "as of" when, and a missing or stale
snapshot never shows old figures (it costs the live computation instead). A
snapshot dated in the future (a clock that was ahead) is never served and is
stale to the job, which replaces it. The job deletes the snapshots of
workspaces that no longer have people (they hold the names of mentors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.analytics_ports import AnalyticsRepository, MentorActivity, MentorHours, Snapshot
from domain.chart_ports import ChartFile, charts_in_order
from domain.errors import InvalidInput, NotAllowed
from domain.metrics import (
    ALL_TIME_UTILIZATION_DAYS,
    Dashboard,
    DepartmentFigures,
    MentorFigures,
    at_risk_list,
    bayesian_score,
    by_completed,
    by_rating,
    department_figures,
    duration_weeks,
    expertise_gaps,
    for_managers,
    goal_attainment,
    load_spread,
    manager_average,
    ratio,
    trend_points,
    trend_window,
    weekday_counts,
)
from domain.model import Role
from domain.ports import Clock, UnitOfWork

MAX_PERIOD_DAYS = 3650
# The periods the dashboard offers (None: all time); the job keeps a snapshot of each.
PERIODS: tuple[int | None, ...] = (7, 30, 90, None)
SNAPSHOT_TOP = 10  # top-list length kept in a snapshot
STALE_AFTER = timedelta(minutes=15)
LIVE_BELOW = timedelta(milliseconds=50)
# A snapshot younger than this is not refreshed again (another scheduler just did).
REFRESH_AFTER = timedelta(minutes=4)
NOT_ALLOWED = "Only programme managers can see the programme's statistics."

Timer = Callable[[], float]  # seconds on a monotonic clock


@dataclass(frozen=True)
class MentorRow:
    figures: MentorFigures
    slack_user_id: str
    department: str


@dataclass(frozen=True)
class MentorTable:
    """The per-mentor figures of a period (the CSV export)."""

    period_days: int | None
    since: datetime | None
    until: datetime
    rows: list[MentorRow]


def dashboard(
    uow: UnitOfWork, clock: Clock, *, period_days: int | None = 30, top: int = 5
) -> Dashboard:
    """The programme's figures for admins (and scheduled jobs): the period's
    snapshot when it may be served, otherwise computed now."""
    _check(uow, period_days, top)
    now = clock.now()
    with uow.consistent(read_only=True):
        return dashboard_within(uow, uow.actor.workspace_id, now, period_days=period_days, top=top)


@dataclass(frozen=True)
class ChartedDashboard:
    figures: Dashboard
    # The pictures the `analytics` job uploaded for the period (none yet: none).
    charts: tuple[ChartFile, ...]


def charted_dashboard(
    uow: UnitOfWork, clock: Clock, *, period_days: int | None = 30, top: int = 5
) -> ChartedDashboard:
    """`dashboard` with its period's charts, read in the same transaction:
    only the files already uploaded, never drawn or uploaded here."""
    _check(uow, period_days, top)
    workspace_id = uow.actor.workspace_id
    if workspace_id is None:
        raise NotAllowed("Charts belong to one workspace's programme.")
    with uow.consistent(read_only=True):
        return charted_within(uow, workspace_id, clock.now(), period_days=period_days, top=top)


def charted_within(
    uow: UnitOfWork, workspace_id: str, now: datetime, *, period_days: int | None, top: int = 5
) -> ChartedDashboard:
    """`charted_dashboard`'s, inside a unit of work the caller opened."""
    return ChartedDashboard(
        dashboard_within(uow, workspace_id, now, period_days=period_days, top=top),
        # Only the files already uploaded: nothing is drawn or uploaded on a read.
        charts_in_order(uow.charts.for_period(workspace_id, period_days)),
    )


def dashboard_within(
    uow: UnitOfWork,
    workspace_id: str | None,
    now: datetime,
    *,
    period_days: int | None = 30,
    top: int = 5,
) -> Dashboard:
    """`dashboard`'s figures, read inside a unit of work the caller opened (an
    admin's or the system's), so that they share its transaction."""
    _check(uow, period_days, top)
    if workspace_id is not None and top <= SNAPSHOT_TOP:
        snapshot = uow.snapshots.get(workspace_id, period_days)
        if snapshot is not None and servable(snapshot, now):
            return _trimmed(snapshot, top)
    return compute(uow.analytics, workspace_id, now, period_days, top)


def servable(snapshot: Snapshot, now: datetime) -> bool:
    """Whether a snapshot may stand in for the live figures (see the module's docstring)."""
    age = now - snapshot.computed_at
    return snapshot.took >= LIVE_BELOW and timedelta(0) <= age <= STALE_AFTER


def mentor_table(uow: UnitOfWork, clock: Clock, *, period_days: int | None = 30) -> MentorTable:
    """Every mentor's figures for the period, computed now, by name."""
    _check(uow, period_days, 0)
    now = clock.now()
    since, hours_since = _windows(period_days, now)
    workspace_id = uow.actor.workspace_id
    with uow.consistent(read_only=True, report=True):
        activity, hours, mean = _mentor_inputs(uow.analytics, workspace_id, since, hours_since, now)
        # `hours` lists every active mentor, and inactive ones with booked hours.
        people = uow.users.get_many(sorted({row.mentor_id for row in activity} | hours.keys()))
    named = {row.mentor_id: row for row in activity}
    rows = []
    for mentor_id, person in people.items():
        row = named.get(mentor_id) or MentorActivity(mentor_id, person.display_name)
        figures = for_managers(mentor_figures(row, hours.get(mentor_id, MentorHours()), mean))
        rows.append(MentorRow(figures, person.slack_user_id, person.department))
    rows.sort(key=lambda r: (r.figures.name.casefold(), r.figures.mentor_id))
    return MentorTable(period_days, since, now, rows)


def snapshot_workspaces(system_uow: Callable[[], UnitOfWork]) -> list[str]:
    """System (the `analytics` job, step 1): the workspaces whose snapshots to
    refresh — the actor's own, or every workspace with people. For the latter,
    the snapshots of every other workspace are deleted."""
    uow = system_uow()
    _require_system(uow)
    if uow.actor.workspace_id is not None:
        return [uow.actor.workspace_id]
    with uow:
        workspaces = uow.workspaces.with_people()
        uow.snapshots.delete_all_but(workspaces)
        uow.commit()
    return workspaces


def refresh_workspace(
    system_uow: Callable[[], UnitOfWork], clock: Clock, workspace_id: str, *, timer: Timer
) -> int:
    """System (the `analytics` job, step 2, per workspace): compute and keep every
    period's dashboard of the workspace, skipping periods refreshed less than
    `REFRESH_AFTER` ago, and the whole workspace when another scheduler is
    refreshing it. Returns how many snapshots were written."""
    uow = system_uow()
    _require_system(uow)
    written = 0
    # Every period from one snapshot of the data, as of one instant: they agree.
    with uow.consistent(read_only=False):
        if not uow.snapshots.try_lock(workspace_id):
            return 0
        now = clock.now()
        for period_days in PERIODS:
            current = uow.snapshots.get(workspace_id, period_days)
            if current is not None and timedelta(0) <= now - current.computed_at < REFRESH_AFTER:
                continue
            began = timer()
            figures = compute(uow.analytics, workspace_id, now, period_days, SNAPSHOT_TOP)
            took = timedelta(seconds=max(timer() - began, 0.0))
            # Stale, or dated in the future: replaced, unless another scheduler
            # wrote a later one meanwhile.
            if uow.snapshots.save(
                workspace_id,
                Snapshot(figures, now, took),
                replacing=None if current is None else current.computed_at,
            ):
                written += 1
        uow.commit()
    return written


def compute(
    analytics: AnalyticsRepository,
    workspace_id: str | None,
    now: datetime,
    period_days: int | None,
    top: int,
) -> Dashboard:
    """Every figure of the period, from the database's sums."""
    since, hours_since = _windows(period_days, now)
    totals = analytics.totals(workspace_id, since, now)
    activity, hours, mean = _mentor_inputs(analytics, workspace_id, since, hours_since, now)
    figures = [
        mentor_figures(row, hours.get(row.mentor_id, MentorHours()), mean) for row in activity
    ]
    unit, first = trend_window(period_days, now)
    counts = {
        c.start: (c.sessions, c.completed)
        for c in analytics.trend(workspace_id, since or first, now, unit)
    }
    demand = analytics.expertise_demand(workspace_id, since, now)
    departments, more = department_figures(
        DepartmentFigures(
            department=d.department,
            mentors=d.mentors,
            mentees=d.mentees,
            sessions=d.sessions,
            completed=d.completed,
            rating_count=d.rating_count,
            average_rating=manager_average(d.rating_sum, d.rating_count),
        )
        for d in analytics.departments(workspace_id, since, now)
    )
    # Overall: only the mentors who offered time (see the module's docstring).
    offering = [h for h in hours.values() if h.offered]
    booked = sum((h.booked for h in offering), timedelta())
    offered = sum((h.offered for h in offering), timedelta())
    minutes = {
        m.start: (m.planned_minutes, m.actual_minutes)
        for m in analytics.duration_trend(workspace_id, since or first, now, unit)
    }
    goals = analytics.goals(workspace_id, since, now)
    # Every active mentor (listed by `hours`) and whoever took a due session.
    loads = dict.fromkeys(hours, 0)
    loads.update((row.mentor_id, row.due) for row in activity if row.due)
    at_risk, more_at_risk = at_risk_list(analytics.at_risk_pairs(workspace_id, now))
    return Dashboard(
        period_days=period_days,
        since=since,
        mentors=totals.mentors,
        mentees=totals.mentees,
        sessions=totals.sessions,
        completed=totals.completed,
        completion_rate=ratio(totals.completed, totals.due),
        average_rating=manager_average(totals.rating_sum, totals.rating_count),
        top_by_rating=by_rating(figures)[:top],
        top_by_completed=by_completed(figures)[:top],
        utilization=booked / offered if offered else None,
        rating_count=totals.rating_count,
        trend_unit=unit,
        trend=trend_points(counts, unit, first, since, now),
        expertise=expertise_gaps((t.tag, t.sessions, t.mentors) for t in demand),
        departments=departments,
        more_departments=more,
        duration_trend=duration_weeks(minutes, unit, first, since, now),
        median_days_to_first_session=analytics.median_days_to_first_session(
            workspace_id, since, now
        ),
        goal_attainment=goal_attainment(goals),
        no_show_rate=ratio(totals.no_show, totals.due),
        late_cancel_rate=ratio(totals.cancelled_late, totals.due + totals.cancelled),
        load_spread=load_spread(loads.values()),
        at_risk=at_risk,
        more_at_risk=more_at_risk,
        introductions=analytics.introductions(workspace_id, since, now),
    )


def mentor_figures(row: MentorActivity, hours: MentorHours, mean: float | None) -> MentorFigures:
    """One mentor's figures for a window (`mean`: the workspace's all-time mean rating)."""
    average = ratio(row.rating_sum, row.rating_count)
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
        sessions=row.sessions,
    )


def _require_system(uow: UnitOfWork) -> None:
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler refreshes the statistics.")


def _check(uow: UnitOfWork, period_days: int | None, top: int) -> None:
    if uow.actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise NotAllowed(NOT_ALLOWED)
    if period_days is not None and not 1 <= period_days <= MAX_PERIOD_DAYS:
        raise InvalidInput(f"The period must be between 1 and {MAX_PERIOD_DAYS} days.")
    if top < 0:
        raise InvalidInput("The number of top mentors cannot be negative.")


def _windows(period_days: int | None, now: datetime) -> tuple[datetime | None, datetime]:
    """The period's start (None: all time) and the utilization window's."""
    since = None if period_days is None else now - timedelta(days=period_days)
    return since, now - timedelta(days=period_days or ALL_TIME_UTILIZATION_DAYS)


def _mentor_inputs(
    analytics: AnalyticsRepository,
    workspace_id: str | None,
    since: datetime | None,
    hours_since: datetime,
    now: datetime,
) -> tuple[list[MentorActivity], dict[int, MentorHours], float | None]:
    activity = analytics.mentor_activity(workspace_id, since, now)
    hours = analytics.mentor_hours(workspace_id, hours_since, now, weekday_counts(hours_since, now))
    return activity, hours, analytics.workspace_mean_rating(workspace_id)


def _trimmed(snapshot: Snapshot, top: int) -> Dashboard:
    d = snapshot.dashboard
    return replace(
        d,
        top_by_rating=d.top_by_rating[:top],
        top_by_completed=d.top_by_completed[:top],
        as_of=snapshot.computed_at,
    )
