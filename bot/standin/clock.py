"""A clock that stands still until told to move: the tests and the demo move
time so that reminders fall due and sessions end without waiting for them.

Where such a clock starts is computed from today's date (`monday_after`), never
written down: a story pinned to a date stops working once that date has passed,
because the database and Slack's signatures keep real time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def monday_after(moment: datetime, *, at: time = time(0)) -> datetime:
    """The first Monday strictly after `moment`'s UTC date, at `at` UTC."""
    day = moment.astimezone(UTC).date()
    day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, at, tzinfo=UTC)
