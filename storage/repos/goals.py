"""Goals and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session as OrmSession

from domain.model import Goal, GoalChange, NewGoal
from storage.errors import translated_errors
from storage.models import GoalHistory, GoalRow, User
from storage.repos.rows import goal_from_row


class SqlGoalRepository:
    """Writes are Core statements naming only the columns the application role
    may write; reads refresh the identity map (`populate_existing`)."""

    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def get(self, goal_id: int) -> Goal | None:
        row = self._session.get(GoalRow, goal_id, populate_existing=True)
        return goal_from_row(row) if row else None

    def hold_owner(self, owner_id: int) -> None:
        # The owner's profile row (NO KEY UPDATE: sessions referring to it
        # are still written meanwhile); the goals' own rows cannot be locked
        # before they exist.
        self._session.execute(
            select(User.id).where(User.id == owner_id).with_for_update(key_share=True)
        )

    def get_for_update(self, goal_id: int) -> Goal | None:
        row = self._session.scalar(
            select(GoalRow)
            .where(GoalRow.id == goal_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return goal_from_row(row) if row else None

    def for_owner(self, owner_id: int) -> list[Goal]:
        rows = self._session.scalars(
            select(GoalRow)
            .where(GoalRow.user_id == owner_id)
            .order_by(GoalRow.id)
            .execution_options(populate_existing=True)
        )
        return [goal_from_row(row) for row in rows]

    def add(self, goal: NewGoal) -> Goal:
        statement = (
            insert(GoalRow)
            .values(
                workspace_id=goal.workspace_id,
                user_id=goal.owner_id,
                title=goal.title,
                target_date=goal.target_date,
                notes=goal.notes,
                created_at=goal.created_at,
                updated_at=goal.created_at,
            )
            .returning(GoalRow)
        )
        with translated_errors():
            row = self._session.scalars(statement).one()
        return goal_from_row(row)

    def update(self, goal: Goal, *, at: datetime) -> Goal:
        statement = (
            update(GoalRow)
            .where(GoalRow.id == goal.id)
            .values(
                status=goal.status.value,
                target_date=goal.target_date,
                notes=goal.notes,
                updated_at=at,
            )
            .returning(GoalRow)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        with translated_errors():
            row = self._session.scalars(statement).one()
        return goal_from_row(row)

    def add_history(self, change: GoalChange) -> None:
        values: dict[str, object] = {
            "workspace_id": change.workspace_id,
            "goal_id": change.goal_id,
            "actor_id": change.actor_id,
            "from_status": change.from_status.value if change.from_status else None,
            "to_status": change.to_status.value,
            "note": change.note,
            "session_id": change.session_id,
            "created_at": change.at,
        }
        with translated_errors():
            self._session.execute(insert(GoalHistory).values(values))
