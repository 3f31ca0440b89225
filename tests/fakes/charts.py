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

    def drop(self, workspace_id: str, period_days: int | None, kinds: Sequence[ChartKind]) -> int:
        gone = [(workspace_id, period_days, kind) for kind in kinds]
        found = [key for key in gone if key in self.store.charts]
        for key in found:
            del self.store.charts[key]
        return len(found)
