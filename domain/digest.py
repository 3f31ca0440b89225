"""The weekly digest: each workspace's programme figures for the past week,
posted to a channel once a week.

**When.** A `DigestSchedule` names a weekday and a wall-clock time in a zone
(default Monday 09:00 UTC, or the environment's `MENTORSHIP_DIGEST_*`); a
workspace whose managers set their own weekday, time or zone in Slack
(`domain.settings`) follows its own. The *digest moment* of a week is that
weekday and time in that zone, resolved with `zoneinfo` (so it stays at 09:00
local time across DST; a time that DST skips resolves to the same instant an
hour later, an ambiguous one to its first occurrence). At any instant, the digest that is
due belongs to the most recent moment at or before it: a run on Wednesday
still finds Monday's digest due, and a digest missed during a downtime is
posted by the next run. A downtime longer than a week skips the stale digest:
only the latest is posted.

**Which week.** A digest is identified by `week`: the Monday (a date in the
schedule's zone) of the ISO week its moment falls in. For the default Monday
schedule that is the moment's own local date. Identifying by ISO week, rather
than by the moment, keeps it to one digest a week even if the schedule changes.

**Figures.** The digest reports the period [previous moment, moment): the
seven local days before the moment (167 or 169 hours across a DST change),
compared with the seven before those. The definitions are the dashboard's
(`domain.analytics`), for sessions *starting* in the period:

- `new_sessions`: sessions in the period, whatever their status;
- `completed`: those completed;
- `average_rating`: the mean of mentees' ratings of mentors on those sessions
  (None below 3 ratings: one or two are a mentor's own, `manager_average`);
- `top_mentors`: mentors with at least one completed session in the period,
  most completed first, then the higher Bayesian score, then by name; an
  average resting on fewer than 3 ratings is left out (`for_managers`), and
  written feedback is never part of a digest;
- `expertise`: the expertise most in demand per mentor, the dashboard's
  "expertise in demand, short of mentors" over the period (the first 3);
- programme health over the period, as the dashboard defines it: completed
  sessions' planned and actual minutes, the no-show and late-cancel rates, the
  load spread, goals set in the period and achieved, how many pairs are
  at risk as the period ends, and the introductions sent in the period and
  how many of them led to a first session by its end.

**Where.** Each workspace's digest goes to its own channel only
(`digest_channels`): the workspace's `digest_channel` when it has one (a
manager sets it in the Settings modal or with `/mentor digest #channel`);
otherwise the default channel (`MENTORSHIP_DIGEST_CHANNEL`) serves the first
workspace the bot saw, and only that one, so that one channel never receives
several workspaces' digests. A workspace with neither, without people, or
paused (the app uninstalled there) gets none.

**Exactly once.** `claim_digest` records each workspace's digest of the due
week in the `digests` table (unique per workspace and week: the first claim
inserts, every later one finds it), leases it, and computes its figures in the
same transaction. The caller posts it outside any transaction, then calls
`mark_digest_posted` or `record_digest_failure`. A leased digest is not offered
to anybody else until the lease runs out; one that failed is offered again
after a backoff; one whose poster died is offered again once its lease ran out.
A scheduler dying after Slack accepted the message but before it was marked
posted can post it twice (Slack has no idempotency key): at-least-once there,
as for DMs. Retries stop when the next week's digest is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.analytics import mentor_figures
from domain.analytics_ports import MentorHours
from domain.chart_ports import ChartFile, charts_in_order
from domain.charts import DIGEST_CHART_PERIOD
from domain.errors import InvalidInput, NotAllowed
from domain.metrics import (
    ExpertiseGap,
    GoalAttainment,
    IntroductionFigures,
    MentorFigures,
    TrendUnit,
    expertise_gaps,
    for_managers,
    goal_attainment,
    load_spread,
    manager_average,
    ratio,
    weekday_counts,
)
from domain.model import Role
from domain.ports import Clock, DigestPlace, DigestRecord, UnitOfWork
from domain.workspace import WorkspaceSettings

LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)
TOP_MENTORS = 3
TOP_EXPERTISE = 3
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class DigestSchedule:
    """When the digest goes out: `weekday` (0 = Monday) at `at`, in `zone`."""

    weekday: int = 0
    at: time = time(9, 0)
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("The digest's weekday is 0 (Monday) to 6 (Sunday).")
        if self.at.tzinfo is not None:
            raise InvalidInput("The digest's time is a wall-clock time, without a zone.")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(f"Unknown time zone: {self.zone}.") from exc

    def for_workspace(self, settings: WorkspaceSettings) -> DigestSchedule:
        """This schedule with the workspace's own weekday, time and zone where it set them."""
        return DigestSchedule(
            weekday=self.weekday if settings.digest_weekday is None else settings.digest_weekday,
            at=settings.digest_time or self.at,
            zone=settings.digest_zone or self.zone,
        )


@dataclass(frozen=True)
class Digest:
    """One workspace's digest. `week_start` is its week (see the module's
    docstring); the figures cover [`since`, `until`), the previous ones the
    seven local days before `since`. `channel` and `attempts` come from its
    claim (attempts counts this one)."""

    workspace_id: str
    week_start: date
    new_sessions: int
    completed: int
    average_rating: float | None
    top_mentors: list[MentorFigures]
    previous_new_sessions: int
    previous_completed: int
    since: datetime | None = None
    until: datetime | None = None
    rating_count: int = 0
    channel: str = ""
    attempts: int = 1
    expertise: list[ExpertiseGap] = field(default_factory=list)
    # The charts of the last `DIGEST_CHART_PERIOD` days, as the `analytics` job uploaded them.
    charts: tuple[ChartFile, ...] = ()
    # Programme health over the week (the dashboard's definitions).
    planned_minutes: int = 0
    actual_minutes: int = 0
    no_show_rate: float | None = None
    late_cancel_rate: float | None = None
    load_spread: float | None = None
    goal_attainment: GoalAttainment = field(default_factory=GoalAttainment)
    at_risk: int = 0  # pairs at risk as the week ends
    introductions: IntroductionFigures = field(default_factory=IntroductionFigures)

    @property
    def new_sessions_delta(self) -> int:
        return self.new_sessions - self.previous_new_sessions

    @property
    def new_sessions_change(self) -> float | None:
        """Relative change from the week before (0.25 = +25 %); None when the
        week before had none."""
        return _change(self.new_sessions, self.previous_new_sessions)

    @property
    def completed_delta(self) -> int:
        return self.completed - self.previous_completed

    @property
    def completed_change(self) -> float | None:
        return _change(self.completed, self.previous_completed)


def digest_moment(schedule: DigestSchedule, now: datetime) -> datetime:
    """The most recent digest moment at or before `now` (aware, in the schedule's zone)."""
    if now.tzinfo is None:
        raise InvalidInput("The current time needs a time zone.")
    zone = ZoneInfo(schedule.zone)
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
    moment = _at(day, schedule.at, zone)
    # Compared as UTC instants: two datetimes sharing a tzinfo compare by wall
    # clock, which is wrong in the hour a DST change repeats.
    if moment.astimezone(UTC) > now.astimezone(UTC):
        moment = _at(day - timedelta(days=7), schedule.at, zone)
    return moment


def due_week(schedule: DigestSchedule, now: datetime) -> date:
    """The week whose digest is due at `now`: the Monday, in the schedule's
    zone, of the ISO week of the most recent digest moment. There always is
    one (a moment passed less than a week ago), so this never returns None."""
    moment = digest_moment(schedule, now).date()
    return moment - timedelta(days=moment.weekday())


def digest_period(schedule: DigestSchedule, week: date) -> tuple[datetime, datetime]:
    """[since, until), in UTC: from the previous digest moment to the week's own."""
    zone = ZoneInfo(schedule.zone)
    day = week + timedelta(days=schedule.weekday)
    since = _at(day - timedelta(days=7), schedule.at, zone)
    return since.astimezone(UTC), _at(day, schedule.at, zone).astimezone(UTC)


def digest_channels(places: Sequence[DigestPlace], default: str | None) -> dict[str, str]:
    """Where each workspace's digest goes (see "Where" above); `places` oldest first."""
    fallback = (default or "").strip()
    channels = {}
    for index, place in enumerate(places):
        channel = (place.channel or "").strip() or (fallback if index == 0 else "")
        if channel and place.has_people and not place.paused:
            channels[place.workspace_id] = channel
    return channels


def claim_digest(
    uow: UnitOfWork,
    clock: Clock,
    *,
    schedule: DigestSchedule = DigestSchedule(),
    default_channel: str | None,
    top: int = TOP_MENTORS,
) -> list[Digest]:
    """System: the digests to post now, one per workspace at most — the actor's
    workspace, or without one every workspace that has a channel (see
    `digest_channels`), each on its own schedule (`schedule` where it set
    none). A list, not a single digest, because one scheduler serves every
    workspace; empty when every digest of the week is posted, leased to
    another scheduler, or waiting for its retry. A digest retried after a
    failure keeps the channel of its first claim."""
    _require_system(uow)
    now = clock.now()
    with uow:
        channels = digest_channels(uow.workspaces.digest_places(), default_channel)
        if uow.actor.workspace_id:
            channels = {k: v for k, v in channels.items() if k == uow.actor.workspace_id}
        own = uow.settings.get_many(channels)
        schedules = {k: schedule.for_workspace(own[k]) for k in channels}
        by_week: dict[date, dict[str, str]] = {}
        for workspace_id, channel in channels.items():
            week = due_week(schedules[workspace_id], now)
            by_week.setdefault(week, {})[workspace_id] = channel
        digests = [
            _figures(uow, record, schedules[record.workspace_id], top)
            # Week by week, the same order in every scheduler (see DigestRepository.claim).
            for week in sorted(by_week)
            for record in uow.digests.claim(by_week[week], week, now, LEASE)
        ]
        uow.commit()
    return sorted(digests, key=lambda digest: digest.workspace_id)


def mark_digest_posted(
    uow: UnitOfWork, clock: Clock, *, workspace_id: str, week: date, ts: str
) -> bool:
    """Record the posted message; False when it had been recorded before."""
    _require_system(uow)
    with uow:
        changed = uow.digests.mark_posted(workspace_id, week, ts, clock.now())
        uow.commit()
    return changed


def record_digest_failure(
    uow: UnitOfWork,
    clock: Clock,
    *,
    workspace_id: str,
    week: date,
    error: str,
    permanent: bool = False,
    retry_after: timedelta | None = None,
) -> None:
    """Remember a failed post: offered again after an exponential backoff (or
    Slack's Retry-After), never again when `permanent` (e.g. channel_not_found)."""
    _require_system(uow)
    now = clock.now()
    with uow:
        record = uow.digests.get(workspace_id, week)
        if record is None or record.posted_at is not None:
            return
        backoff = min(FIRST_RETRY * 2 ** max(record.attempts - 1, 0), LAST_RETRY)
        retry_at = None if permanent else now + max(backoff, retry_after or timedelta(0))
        uow.digests.record_failure(workspace_id, week, error[:MAX_ERROR_LENGTH], retry_at)
        uow.commit()


def _figures(uow: UnitOfWork, record: DigestRecord, schedule: DigestSchedule, top: int) -> Digest:
    since, until = digest_period(schedule, record.week)
    before = digest_period(schedule, record.week - timedelta(days=7))[0]
    workspace_id = record.workspace_id
    totals = uow.analytics.totals(workspace_id, since, until)
    previous = uow.analytics.totals(workspace_id, before, since)
    activity = uow.analytics.mentor_activity(workspace_id, since, until)
    hours = uow.analytics.mentor_hours(workspace_id, since, until, weekday_counts(since, until))
    mean = uow.analytics.workspace_mean_rating(workspace_id)
    demand = uow.analytics.expertise_demand(workspace_id, since, until)
    busy = [
        mentor_figures(row, hours.get(row.mentor_id, MentorHours()), mean)
        for row in activity
        if row.completed
    ]
    busy.sort(key=lambda f: (-f.completed, -(f.score or 0.0), f.name.casefold(), f.mentor_id))
    # The week's completed minutes, in as many buckets as its days touch.
    minutes = uow.analytics.duration_trend(workspace_id, since, until, TrendUnit.WEEK)
    goals = uow.analytics.goals(workspace_id, since, until)
    loads = dict.fromkeys(hours, 0)
    loads.update((row.mentor_id, row.due) for row in activity if row.due)
    return Digest(
        workspace_id=workspace_id,
        week_start=record.week,
        new_sessions=totals.sessions,
        completed=totals.completed,
        average_rating=manager_average(totals.rating_sum, totals.rating_count),
        # The channel is read by managers (and more): averages on 3 ratings at least.
        top_mentors=[for_managers(f) for f in busy[: max(top, 0)]],
        previous_new_sessions=previous.sessions,
        previous_completed=previous.completed,
        since=since,
        until=until,
        rating_count=totals.rating_count,
        channel=record.channel,
        attempts=record.attempts,
        expertise=expertise_gaps(((t.tag, t.sessions, t.mentors) for t in demand), TOP_EXPERTISE),
        charts=charts_in_order(uow.charts.for_period(workspace_id, DIGEST_CHART_PERIOD)),
        planned_minutes=sum(m.planned_minutes for m in minutes),
        actual_minutes=sum(m.actual_minutes for m in minutes),
        no_show_rate=ratio(totals.no_show, totals.due),
        late_cancel_rate=ratio(totals.cancelled_late, totals.due + totals.cancelled),
        load_spread=load_spread(loads.values()),
        goal_attainment=goal_attainment(goals),
        at_risk=len(uow.analytics.at_risk_pairs(workspace_id, until)),
        introductions=uow.analytics.introductions(workspace_id, since, until),
    )


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _change(now: int, before: int) -> float | None:
    return (now - before) / before if before else None


def _require_system(uow: UnitOfWork) -> None:
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler posts the weekly digest.")
