"""Mentors' weekly slots, time off and extra slots in the fake store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from domain.model import ExtraSlot, Schedule, TimeOff, WeeklySlot
from tests.fakes.store import Store


class FakeAvailability:
    def __init__(self, store: Store) -> None:
        self.store = store

    def schedule(self, user_id: int) -> Schedule:
        return Schedule(
            weekly=tuple(self.store.weekly.get(user_id, [])),
            time_off=tuple(self.store.time_off.get(user_id, [])),
            extra=tuple(self.store.extra.get(user_id, [])),
        )

    def schedules(self, user_ids: Iterable[int]) -> dict[int, Schedule]:
        return {user_id: self.schedule(user_id) for user_id in user_ids}

    def add_weekly(self, workspace_id: str, user_id: int, slot: WeeklySlot) -> WeeklySlot:
        saved = replace(slot, id=self.store.next_id())
        self.store.weekly.setdefault(user_id, []).append(saved)
        return saved

    def remove_weekly(self, user_id: int, slot_id: int) -> bool:
        return self._remove(self.store.weekly, user_id, slot_id)

    def clear_weekly(self, user_id: int) -> int:
        return len(self.store.weekly.pop(user_id, []))

    def add_time_off(self, workspace_id: str, user_id: int, time_off: TimeOff) -> TimeOff:
        saved = replace(time_off, id=self.store.next_id())
        self.store.time_off.setdefault(user_id, []).append(saved)
        return saved

    def remove_time_off(self, user_id: int, time_off_id: int) -> bool:
        return self._remove(self.store.time_off, user_id, time_off_id)

    def add_extra(self, workspace_id: str, user_id: int, extra: ExtraSlot) -> ExtraSlot:
        saved = replace(extra, id=self.store.next_id())
        self.store.extra.setdefault(user_id, []).append(saved)
        return saved

    def remove_extra(self, user_id: int, extra_id: int) -> bool:
        return self._remove(self.store.extra, user_id, extra_id)

    @staticmethod
    def _remove(table: dict[int, list], user_id: int, row_id: int) -> bool:  # type: ignore[type-arg]
        rows = table.get(user_id, [])
        kept = [row for row in rows if row.id != row_id]
        table[user_id] = kept
        return len(kept) < len(rows)
