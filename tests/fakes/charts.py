"""The uploaded chart pictures, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.chart_ports import ChartFile, ChartKind
from tests.fakes.store import Store


class FakeCharts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def for_period(self, workspace_id: str, period_days: int | None) -> dict[ChartKind, ChartFile]:
        return {
            kind: file
            for (workspace, period, kind), file in self.store.charts.items()
            if workspace == workspace_id and period == period_days
        }

    def keep(
        self, workspace_id: str, period_days: int | None, file: ChartFile, *, at: datetime
    ) -> None:
        self.store.charts[(workspace_id, period_days, file.kind)] = file

    def lease(
        self, workspace_id: str, period_days: int | None, *, now: datetime, until: datetime
    ) -> bool:
        key = (workspace_id, period_days)
        held = self.store.chart_leases.get(key)
        if key not in self.store.snapshots or (held is not None and held > now):
            return False
        self.store.chart_leases[key] = until
        return True

    def release(self, workspace_id: str, period_days: int | None) -> None:
        self.store.chart_leases.pop((workspace_id, period_days), None)

    def drop(self, workspace_id: str, period_days: int | None, kinds: Sequence[ChartKind]) -> int:
        gone = [(workspace_id, period_days, kind) for kind in kinds]
        found = [key for key in gone if key in self.store.charts]
        for key in found:
            del self.store.charts[key]
        return len(found)
