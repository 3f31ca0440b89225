"""Clock changes for the tests that pin UTC instants across them.

Each change is found with `tests.dates.dst_changes` in a year after today, and
checked to be the one its test is about: from which UTC offset to which, on which
local weekday, at which local wall-clock time. The tests then write the instants
they expect as UTC times on that day with the fixed offsets named here, never
with the zone conversion the code under test uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.dates import NEXT_YEAR, dst_changes

SUNDAY = 6

EST, EDT = timedelta(hours=-5), timedelta(hours=-4)  # New York
PST, PDT = timedelta(hours=-8), timedelta(hours=-7)  # Los Angeles
GMT, BST = timedelta(0), timedelta(hours=1)  # London
CET, CEST = timedelta(hours=1), timedelta(hours=2)  # Berlin
LHST, LHDT = timedelta(hours=10, minutes=30), timedelta(hours=11)  # Lord Howe Island


@dataclass(frozen=True)
class Change:
    at: datetime  # the UTC instant the offset changes
    day: date  # the local date it changes on


def change(
    zone: str,
    before: timedelta,
    after: timedelta,
    *,
    wall: time,
    weekday: int = SUNDAY,
    year: int = NEXT_YEAR,
) -> Change:
    """`zone`'s one change in `year` from UTC`before` to UTC`after`, checked to
    happen at the local wall-clock time `wall` (read before it) on a `weekday`."""
    tz = ZoneInfo(zone)
    found = [
        moment
        for moment in dst_changes(zone, year)
        if (moment - timedelta(minutes=1)).astimezone(tz).utcoffset() == before
        and moment.astimezone(tz).utcoffset() == after
    ]
    assert len(found) == 1, f"{zone} changes from {before} to {after} in {year}: {found}"
    [at] = found
    local = (at + before).replace(tzinfo=None)
    assert (local.time(), local.weekday()) == (wall, weekday), f"{zone} changes at {local}"
    return Change(at, local.date())
