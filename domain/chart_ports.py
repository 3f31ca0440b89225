"""What the charts need from storage: which uploaded picture shows which chart
of which workspace's period (see `domain.charts`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ChartKind(StrEnum):
    SESSIONS = "sessions"  # sessions per week (or month), completed among them
    DURATION = "duration"  # planned vs actual session minutes per week
    GOALS = "goals"  # goal attainment, overall and per department
    UTILIZATION = "utilization"  # how mentors' booked ÷ offered hours spread


@dataclass(frozen=True)
class ChartFile:
    """An uploaded picture of one chart of a workspace's period."""

    kind: ChartKind
    file_id: str
    key: str  # of the figures (and drawing) it shows: the same key, the same picture
    title: str
    alt_text: str
    computed_at: datetime  # the snapshot it was drawn from


class ChartRepository(Protocol):
    def for_period(self, workspace_id: str, period_days: int | None) -> dict[ChartKind, ChartFile]:
        """The pictures of the workspace's period (admins of the workspace, system)."""
        ...

    def keep(
        self, workspace_id: str, period_days: int | None, file: ChartFile, *, at: datetime
    ) -> None:
        """Record the picture of its kind, uploaded `at`, replacing the one before (system)."""
        ...

    def lease(
        self, workspace_id: str, period_days: int | None, *, now: datetime, until: datetime
    ) -> bool:
        """Claim the drawing of the period's charts until `until`, unless
        another scheduler holds an unexpired claim (False; also without a
        snapshot). System."""
        ...

    def release(self, workspace_id: str, period_days: int | None) -> None:
        """End the claim (system)."""
        ...

    def drop(self, workspace_id: str, period_days: int | None, kinds: Sequence[ChartKind]) -> int:
        """Forget the pictures of these kinds (their series became empty; system)."""
        ...


def charts_in_order(files: Mapping[ChartKind, ChartFile]) -> tuple[ChartFile, ...]:
    """The pictures in the dashboard's order (that of `ChartKind`)."""
    return tuple(files[kind] for kind in ChartKind if kind in files)
