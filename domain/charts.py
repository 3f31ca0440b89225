"""The dashboard's charts: what each one draws, and which uploaded picture shows
which chart of which snapshot.

The charts are drawn from the `analytics` job's snapshots, never from a
dashboard computed for one person's Home: each picture is rendered and
uploaded once per snapshot whose figures changed, and the App Home and the
digest only name the files already uploaded. So:

- **ChartData** is the charts' own small input: four series as plain tuples,
  built from a `Dashboard` by `chart_data` alone, so the renderer depends on
  nothing else of the dashboard's shape.
- An **empty series draws no chart** (not an empty picture): no points, or
  only zeros (a bar chart of zeros tells nothing the text figures don't).
- **ChartFile** records, per workspace, period and kind, the uploaded file,
  the key of the figures it was drawn from, its title and alt text, and the
  snapshot it came from. A snapshot whose chart figures give the same key
  uploads nothing new.

Knows nothing of Slack or matplotlib: a file is an opaque reference here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.analytics import PERIODS
from domain.chart_ports import ChartFile, ChartKind
from domain.errors import NotAllowed
from domain.metrics import Dashboard, GoalAttainment, TrendUnit
from domain.model import Role
from domain.ports import Clock, UnitOfWork

# The period whose charts the weekly digest shows: its own text covers the
# week; the pictures give the quarter's shape (about 13 weekly bars).
DIGEST_CHART_PERIOD = 90
# How long a scheduler may take to draw and upload a period's charts before
# another may (it died): well under the job's 5 minutes, well over an upload.
CHART_LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class SessionsPoint:
    starts: date
    sessions: int
    completed: int
    partial: bool = False


@dataclass(frozen=True)
class DurationPoint:
    starts: date
    planned_minutes: int
    actual_minutes: int
    partial: bool = False


@dataclass(frozen=True)
class GoalsBar:
    label: str  # "Everyone" for the overall bar, else a department ("" for none)
    set: int
    achieved: int


@dataclass(frozen=True)
class ChartData:
    """Everything the four charts draw; an empty tuple draws no chart."""

    period_days: int | None
    trend_unit: TrendUnit = TrendUnit.WEEK
    sessions: tuple[SessionsPoint, ...] = ()
    duration: tuple[DurationPoint, ...] = ()
    # The overall bar first, then the departments.
    goals: tuple[GoalsBar, ...] = ()
    # Booked ÷ offered hours of each mentor who offered hours (see below).
    utilization: tuple[float, ...] = ()
    overall_utilization: float | None = None


def chart_data(d: Dashboard) -> ChartData:
    """The charts' figures of a dashboard (the one adapter from its shape).

    Utilization: the mentors a dashboard keeps are those of its top lists (a
    snapshot keeps the first `SNAPSHOT_TOP` of each), so the distribution is
    of those mentors who offered hours, each counted once; the overall figure
    is the programme's."""
    mentors = {f.mentor_id: f for f in (*d.top_by_rating, *d.top_by_completed)}
    loads = tuple(f.utilization for _id, f in sorted(mentors.items()) if f.utilization is not None)
    return ChartData(
        period_days=d.period_days,
        trend_unit=d.trend_unit,
        sessions=tuple(SessionsPoint(p.start, p.sessions, p.completed, p.partial) for p in d.trend),
        duration=tuple(
            DurationPoint(w.starts, w.planned_minutes, w.actual_minutes, w.partial)
            for w in d.duration_trend
        ),
        goals=_goal_bars(d.goal_attainment),
        utilization=loads,
        overall_utilization=d.utilization,
    )


@dataclass(frozen=True)
class ChartSource:
    """A snapshot's chart figures, and the pictures recorded for its period."""

    period_days: int | None
    computed_at: datetime
    data: ChartData
    files: Mapping[ChartKind, ChartFile]


def chart_sources(
    system_uow: Callable[[], UnitOfWork], clock: Clock, workspace_id: str
) -> list[ChartSource]:
    """System: each period's snapshot of the workspace as chart figures, with
    the pictures already uploaded for it, each leased to this scheduler for
    `CHART_LEASE` (`keep_charts` ends the lease). Periods without a snapshot
    (none computed yet, or of an older format), or leased by another
    scheduler, are left out."""
    uow = system_uow()
    _require_system(uow)
    now = clock.now()
    sources = []
    with uow:
        for period_days in PERIODS:
            snapshot = uow.snapshots.get(workspace_id, period_days)
            if snapshot is None:
                continue
            if not uow.charts.lease(workspace_id, period_days, now=now, until=now + CHART_LEASE):
                continue
            sources.append(
                ChartSource(
                    period_days,
                    snapshot.computed_at,
                    chart_data(snapshot.dashboard),
                    uow.charts.for_period(workspace_id, period_days),
                )
            )
        uow.commit()
    return sources


def keep_charts(
    system_uow: Callable[[], UnitOfWork],
    clock: Clock,
    workspace_id: str,
    period_days: int | None,
    *,
    uploaded: Sequence[ChartFile],
    emptied: Sequence[ChartKind],
) -> None:
    """System: record the pictures just uploaded for a period, forget those
    whose series became empty, and end the period's lease, in one transaction
    (after the uploads: a transaction never spans a call to Slack)."""
    uow = system_uow()
    _require_system(uow)
    with uow:
        for file in uploaded:
            uow.charts.keep(workspace_id, period_days, file, at=clock.now())
        if emptied:
            uow.charts.drop(workspace_id, period_days, emptied)
        uow.charts.release(workspace_id, period_days)
        uow.commit()


def _require_system(uow: UnitOfWork) -> None:
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the scheduler draws the charts.")


def _goal_bars(goals: GoalAttainment) -> tuple[GoalsBar, ...]:
    """Everyone first, then each department a manager may see (enough
    mentees, `goal_attainment`); none without goals."""
    if goals.set == 0:
        return ()
    return (
        GoalsBar("Everyone", goals.set, goals.achieved),
        *(GoalsBar(g.department, g.set, g.achieved) for g in goals.by_department if g.set),
    )
