"""Goals in the fake store, with their history. Who may read or change whose
goals is the domain's to check here (row-level security checks it again in
the database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.model import Goal, GoalChange, NewGoal
from tests.fakes.store import Store


class FakeGoals:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, goal_id: int) -> Goal | None:
        return self.store.goals.get(goal_id)

    def hold_owner(self, owner_id: int) -> None:
        """One thread, one transaction at a time: nothing to wait for."""

    def get_for_update(self, goal_id: int) -> Goal | None:
        return self.get(goal_id)

    def for_owner(self, owner_id: int) -> list[Goal]:
        return [goal for goal in self.store.goals.values() if goal.owner_id == owner_id]

    def add(self, goal: NewGoal) -> Goal:
        saved = Goal(
            id=self.store.next_id(),
            workspace_id=goal.workspace_id,
            owner_id=goal.owner_id,
            title=goal.title,
            target_date=goal.target_date,
            notes=goal.notes,
            created_at=goal.created_at,
            updated_at=goal.created_at,
        )
        self.store.goals[saved.id] = saved
        return saved

    def update(self, goal: Goal, *, at: datetime) -> Goal:
        current = self.store.goals[goal.id]
        saved = replace(
            current,
            status=goal.status,
            target_date=goal.target_date,
            notes=goal.notes,
            updated_at=at,
        )
        self.store.goals[goal.id] = saved
        return saved

    def add_history(self, change: GoalChange) -> None:
        self.store.goal_history.append(change)
