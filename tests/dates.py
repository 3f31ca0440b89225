"""Dates for tests, built from today so that no test holds a date that can pass.

Every anchor is computed once per test run from the process's clock (which the
`--shift-days` option moves far from today to prove it). A test that needs a
weekday takes it from `MONDAY`; one that needs a DST change takes it from
`dst_changes`, in a year after today. Rows a test inserts take their
timestamps from the same anchors or from the harness's clock, never from the
database's `now()`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.standin.clock import monday_after

# The Monday 00:00 UTC at least a week ahead: far enough that a test may move
# its clock back a few days and still be after today, near enough to be real.
MONDAY = monday_after(datetime.now(UTC) + timedelta(days=6))
NEXT_YEAR = MONDAY.year + 1


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def on(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """`day` at hour:minute UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def weekday_after(moment: datetime, weekday: int) -> date:
    """The first date strictly after `moment`'s UTC date that falls on `weekday`."""
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def dst_changes(zone: str, year: int = NEXT_YEAR) -> list[datetime]:
    """The UTC instants at which `zone`'s offset changes during `year`, found by
    scanning hour by hour and bisecting to the minute (zones change on the hour
    or half hour; the scan does not rely on any rule table of its own)."""
    tz = ZoneInfo(zone)
    changes = []
    moment = utc(year, 1, 1)
    end = utc(year + 1, 1, 1)
    step = timedelta(hours=1)
    while moment < end:
        following = moment + step
        if moment.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if low.astimezone(tz).utcoffset() == middle.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(high.replace(second=0, microsecond=0))
        moment = following
    return changes
