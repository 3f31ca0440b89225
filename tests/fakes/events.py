"""Slack event ids the fake store has seen."""

from __future__ import annotations

from datetime import datetime

from tests.fakes.store import Store


class FakeEvents:
    def __init__(self, store: Store) -> None:
        self.store = store

    def first_delivery(self, workspace_id: str, event_id: str, at: datetime) -> bool:
        if (workspace_id, event_id) in self.store.events:
            return False
        self.store.events.add((workspace_id, event_id))
        self.store.event_times[(workspace_id, event_id)] = at
        return True

    def forget_before(self, moment: datetime) -> int:
        old = {key for key, at in self.store.event_times.items() if at < moment}
        self.store.events -= old
        for key in old:
            del self.store.event_times[key]
        return len(old)
