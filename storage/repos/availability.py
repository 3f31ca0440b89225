"""Weekly slots, time off and extra slots: the wall-clock times a person offers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from sqlalchemy import Text, delete, insert, literal_column, null, select, union_all
from sqlalchemy.orm import Session as OrmSession

from domain.model import ExtraSlot, Schedule, TimeOff, WeeklySlot
from storage.errors import translated_errors
from storage.models import Availability, AvailabilityException
from storage.repos.common import any_id, id_list, rowcount

TIME_OFF = "time_off"
# Not a kind the exceptions table holds: how a weekly slot is told apart in `schedules`.
WEEKLY = "weekly"
EXTRA = "extra"

# One statement for both tables, built once: schedules are read on every
# search, match and booking, each statement is a round trip, and building this
# one cost more than running it.
_WEEKLY_ROWS = select(
    Availability.user_id,
    literal_column(f"'{WEEKLY}'", Text).label("kind"),
    Availability.id,
    Availability.weekday,
    null().label("first_day"),
    null().label("last_day"),
    Availability.start_time,
    Availability.end_time,
).where(Availability.user_id == any_id("user_ids"))
_EXCEPTION_ROWS = select(
    AvailabilityException.user_id,
    AvailabilityException.kind,
    AvailabilityException.id,
    null().label("weekday"),
    AvailabilityException.first_day,
    AvailabilityException.last_day,
    AvailabilityException.start_time,
    AvailabilityException.end_time,
).where(AvailabilityException.user_id == any_id("user_ids"))
_BOTH = union_all(_WEEKLY_ROWS, _EXCEPTION_ROWS).subquery()
# A weekly row has no day and an exception no weekday: each kind keeps its own
# order (weekday and start; first day, start and id).
_SCHEDULES = select(_BOTH).order_by(
    _BOTH.c.user_id, _BOTH.c.weekday, _BOTH.c.first_day, _BOTH.c.start_time, _BOTH.c.id
)


class SqlAvailabilityRepository:
    def __init__(self, session: OrmSession) -> None:
        self._session = session

    def schedule(self, user_id: int) -> Schedule:
        return self.schedules([user_id])[user_id]

    def schedules(self, user_ids: Iterable[int]) -> dict[int, Schedule]:
        ids = id_list(user_ids)
        if not ids:
            return {}
        weekly: dict[int, list[WeeklySlot]] = {user_id: [] for user_id in ids}
        time_off: dict[int, list[TimeOff]] = {user_id: [] for user_id in ids}
        extra: dict[int, list[ExtraSlot]] = {user_id: [] for user_id in ids}
        rows = self._session.execute(_SCHEDULES, {"user_ids": ids})
        for user_id, kind, row_id, weekday, first_day, last_day, begins, ends in rows:
            if kind == WEEKLY:
                weekly[user_id].append(WeeklySlot(weekday, begins, ends, id=row_id))
            elif kind == TIME_OFF:
                time_off[user_id].append(TimeOff(first_day, last_day, id=row_id))
            elif begins is not None and ends is not None:
                extra[user_id].append(ExtraSlot(first_day, begins, ends, id=row_id))
        return {
            user_id: Schedule(
                weekly=tuple(weekly[user_id]),
                time_off=tuple(time_off[user_id]),
                extra=tuple(extra[user_id]),
            )
            for user_id in ids
        }

    def add_weekly(self, workspace_id: str, user_id: int, slot: WeeklySlot) -> WeeklySlot:
        statement = (
            insert(Availability)
            .values(
                workspace_id=workspace_id,
                user_id=user_id,
                weekday=slot.weekday,
                start_time=slot.start,
                end_time=slot.end,
            )
            .returning(Availability.id)
        )
        with translated_errors():
            slot_id = self._session.execute(statement).scalar_one()
        return WeeklySlot(slot.weekday, slot.start, slot.end, id=slot_id)

    def remove_weekly(self, user_id: int, slot_id: int) -> bool:
        statement = delete(Availability).where(
            Availability.id == slot_id, Availability.user_id == user_id
        )
        return rowcount(self._session, statement) > 0

    def clear_weekly(self, user_id: int) -> int:
        return rowcount(self._session, delete(Availability).where(Availability.user_id == user_id))

    def add_time_off(self, workspace_id: str, user_id: int, time_off: TimeOff) -> TimeOff:
        row_id = self._add_exception(
            workspace_id, user_id, TIME_OFF, time_off.first_day, time_off.last_day
        )
        return TimeOff(time_off.first_day, time_off.last_day, id=row_id)

    def remove_time_off(self, user_id: int, time_off_id: int) -> bool:
        return self._remove_exception(user_id, time_off_id, TIME_OFF)

    def add_extra(self, workspace_id: str, user_id: int, extra: ExtraSlot) -> ExtraSlot:
        row_id = self._add_exception(
            workspace_id, user_id, EXTRA, extra.day, extra.day, extra.start, extra.end
        )
        return ExtraSlot(extra.day, extra.start, extra.end, id=row_id)

    def remove_extra(self, user_id: int, extra_id: int) -> bool:
        return self._remove_exception(user_id, extra_id, EXTRA)

    def _add_exception(
        self,
        workspace_id: str,
        user_id: int,
        kind: str,
        first_day: date,
        last_day: date,
        start: time | None = None,
        end: time | None = None,
    ) -> int:
        statement = (
            insert(AvailabilityException)
            .values(
                workspace_id=workspace_id,
                user_id=user_id,
                kind=kind,
                first_day=first_day,
                last_day=last_day,
                start_time=start,
                end_time=end,
            )
            .returning(AvailabilityException.id)
        )
        with translated_errors():
            return self._session.execute(statement).scalar_one()

    def _remove_exception(self, user_id: int, row_id: int, kind: str) -> bool:
        statement = delete(AvailabilityException).where(
            AvailabilityException.id == row_id,
            AvailabilityException.user_id == user_id,
            AvailabilityException.kind == kind,
        )
        return rowcount(self._session, statement) > 0
