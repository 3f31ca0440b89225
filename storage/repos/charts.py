"""The uploaded chart pictures: one row per workspace, period and kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as OrmSession

from domain.chart_ports import ChartFile, ChartKind
from storage.models import AnalyticsSnapshot, ChartFileRow
from storage.repos.common import rowcount
from storage.repos.snapshots import ALL_TIME


def _period_key(period_days: int | None) -> int:
    return ALL_TIME if period_days is None else period_days


class SqlChartRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def for_period(self, workspace_id: str, period_days: int | None) -> dict[ChartKind, ChartFile]:
        rows = self._session.scalars(
            select(ChartFileRow).where(
                ChartFileRow.workspace_id == workspace_id,
                ChartFileRow.period_days == _period_key(period_days),
            )
        ).all()
        known = {kind.value: kind for kind in ChartKind}
        return {
            known[row.kind]: ChartFile(
                kind=known[row.kind],
                file_id=row.file_id,
                key=row.figures_key,
                title=row.title,
                alt_text=row.alt_text,
                computed_at=row.computed_at,
            )
            for row in rows
            if row.kind in known
        }

    def keep(
        self, workspace_id: str, period_days: int | None, file: ChartFile, *, at: datetime
    ) -> None:
        values = {
            "workspace_id": workspace_id,
            "period_days": _period_key(period_days),
            "kind": file.kind.value,
            "file_id": file.file_id,
            "figures_key": file.key,
            "title": file.title,
            "alt_text": file.alt_text,
            "computed_at": file.computed_at,
            "uploaded_at": at,
        }
        statement = insert(ChartFileRow).values(values)
        excluded = statement.excluded
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    ChartFileRow.workspace_id,
                    ChartFileRow.period_days,
                    ChartFileRow.kind,
                ],
                set_={
                    "file_id": excluded.file_id,
                    "figures_key": excluded.figures_key,
                    "title": excluded.title,
                    "alt_text": excluded.alt_text,
                    "computed_at": excluded.computed_at,
                    "uploaded_at": excluded.uploaded_at,
                },
            )
        )

    def lease(
        self, workspace_id: str, period_days: int | None, *, now: datetime, until: datetime
    ) -> bool:
        leased = self._session.execute(
            update(AnalyticsSnapshot)
            .where(
                AnalyticsSnapshot.workspace_id == workspace_id,
                AnalyticsSnapshot.period_days == _period_key(period_days),
                or_(
                    AnalyticsSnapshot.charts_leased_until.is_(None),
                    AnalyticsSnapshot.charts_leased_until <= now,
                ),
            )
            .values(charts_leased_until=until)
            .returning(AnalyticsSnapshot.period_days)
        ).first()
        return leased is not None

    def release(self, workspace_id: str, period_days: int | None) -> None:
        self._session.execute(
            update(AnalyticsSnapshot)
            .where(
                AnalyticsSnapshot.workspace_id == workspace_id,
                AnalyticsSnapshot.period_days == _period_key(period_days),
            )
            .values(charts_leased_until=None)
        )

    def drop(self, workspace_id: str, period_days: int | None, kinds: Sequence[ChartKind]) -> int:
        return rowcount(
            self._session,
            delete(ChartFileRow).where(
                ChartFileRow.workspace_id == workspace_id,
                ChartFileRow.period_days == _period_key(period_days),
                ChartFileRow.kind.in_([kind.value for kind in kinds]),
            ),
        )
