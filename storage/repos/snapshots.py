"""Analytics snapshots: a dashboard per workspace and period as one JSONB row.

The JSON carries a format number; a row of another format reads as no
snapshot at all, so a release that changes the dashboard's shape simply
computes live until the job has rewritten the rows. Floats go through JSON
unchanged (Python writes the shortest repr that reads back to the same float),
so a snapshot holds exactly the figures that were computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.analytics_ports import Snapshot
from domain.metrics import (
    AtRiskPair,
    Dashboard,
    DepartmentFigures,
    DepartmentGoals,
    DurationWeek,
    ExpertiseGap,
    GoalAttainment,
    IntroductionFigures,
    MentorFigures,
    RiskReason,
    TrendPoint,
    TrendUnit,
)
from storage.models import AnalyticsSnapshot
from storage.repos.common import rowcount

# 2: programme health (duration trend, goals, rates, load spread, at-risk pairs).
# 3: introductions → first session. A format-2 row lacks it: it reads as none,
# so the figures are computed live until the job has rewritten the rows.
# 4: a department's goal attainment withheld below 3 mentees (`withheld`); a
# format-3 row would still show small departments' figures.
# 5: the smallest department shown is withheld too while the withheld ones
# together are under 3 mentees (a format-4 row lets the programme's figures
# less those shown tell a small department's).
FORMAT = 5
ALL_TIME = 0  # `period_days` of the all-time row (part of the primary key: not NULL)
# Advisory-lock namespace of the refresh claims (the second key is the workspace's hash).
LOCK_SPACE = 0x616E61  # "ana"


def encode(d: Dashboard) -> dict[str, Any]:
    figures = asdict(d)
    figures.pop("as_of")
    figures["since"] = d.since.isoformat() if d.since else None
    figures["trend"] = [{**asdict(p), "start": p.start.isoformat()} for p in d.trend]
    figures["duration_trend"] = [
        {**asdict(w), "starts": w.starts.isoformat()} for w in d.duration_trend
    ]
    return {"format": FORMAT, **figures}


def decode(data: dict[str, Any]) -> Dashboard | None:
    if data.get("format") != FORMAT:
        return None
    figures = {key: value for key, value in data.items() if key != "format"}
    since = figures.pop("since")
    return Dashboard(
        **{
            **figures,
            "since": datetime.fromisoformat(since) if since else None,
            "top_by_rating": [MentorFigures(**f) for f in figures["top_by_rating"]],
            "top_by_completed": [MentorFigures(**f) for f in figures["top_by_completed"]],
            "trend_unit": TrendUnit(figures["trend_unit"]),
            "trend": [
                TrendPoint(**{**p, "start": date.fromisoformat(p["start"])})
                for p in figures["trend"]
            ],
            "expertise": [ExpertiseGap(**g) for g in figures["expertise"]],
            "departments": [DepartmentFigures(**d) for d in figures["departments"]],
            "duration_trend": tuple(
                DurationWeek(**{**w, "starts": date.fromisoformat(w["starts"])})
                for w in figures["duration_trend"]
            ),
            "goal_attainment": GoalAttainment(
                set=figures["goal_attainment"]["set"],
                achieved=figures["goal_attainment"]["achieved"],
                by_department=tuple(
                    DepartmentGoals(**g) for g in figures["goal_attainment"]["by_department"]
                ),
                withheld=tuple(figures["goal_attainment"]["withheld"]),
            ),
            "at_risk": tuple(
                AtRiskPair(**{**p, "reasons": tuple(RiskReason(r) for r in p["reasons"])})
                for p in figures["at_risk"]
            ),
            "introductions": IntroductionFigures(**figures["introductions"]),
        }
    )


def _period_key(period_days: int | None) -> int:
    return ALL_TIME if period_days is None else period_days


class SqlSnapshotRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def get(self, workspace_id: str, period_days: int | None) -> Snapshot | None:
        row = self._session.execute(
            select(
                AnalyticsSnapshot.figures, AnalyticsSnapshot.computed_at, AnalyticsSnapshot.took_ms
            ).where(
                AnalyticsSnapshot.workspace_id == workspace_id,
                AnalyticsSnapshot.period_days == _period_key(period_days),
            )
        ).one_or_none()
        if row is None:
            return None
        figures, computed_at, took_ms = row
        try:
            dashboard = decode(figures)
        except (KeyError, TypeError, ValueError):
            return None  # not a shape this version wrote: as good as none
        if dashboard is None:
            return None
        return Snapshot(dashboard, computed_at, timedelta(milliseconds=took_ms))

    def save(
        self, workspace_id: str, snapshot: Snapshot, *, replacing: datetime | None = None
    ) -> bool:
        values = {
            "workspace_id": workspace_id,
            "period_days": _period_key(snapshot.dashboard.period_days),
            "computed_at": snapshot.computed_at,
            "took_ms": round(snapshot.took / timedelta(milliseconds=1)),
            "figures": encode(snapshot.dashboard),
        }
        statement = insert(AnalyticsSnapshot).values(values)
        excluded = statement.excluded
        # A slower scheduler finishing late never overwrites newer figures; a
        # row the caller read and found stale (dated in its future) is replaced.
        overwrite = AnalyticsSnapshot.computed_at <= excluded.computed_at
        if replacing is not None:
            overwrite = or_(overwrite, AnalyticsSnapshot.computed_at == replacing)
        written = rowcount(
            self._session,
            statement.on_conflict_do_update(
                index_elements=[AnalyticsSnapshot.workspace_id, AnalyticsSnapshot.period_days],
                set_={
                    "computed_at": excluded.computed_at,
                    "took_ms": excluded.took_ms,
                    "figures": excluded.figures,
                },
                where=overwrite,
            ),
        )
        return written > 0

    def delete_all_but(self, workspace_ids: Sequence[str]) -> int:
        return rowcount(
            self._session,
            delete(AnalyticsSnapshot).where(AnalyticsSnapshot.workspace_id.not_in(workspace_ids)),
        )

    def try_lock(self, workspace_id: str) -> bool:
        return bool(
            self._session.execute(
                select(func.pg_try_advisory_xact_lock(LOCK_SPACE, func.hashtext(workspace_id)))
            ).scalar_one()
        )
