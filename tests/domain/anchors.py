"""The week most domain tests live in, built from `tests.dates.MONDAY`.

Their mentor is in London and their expected instants are written in UTC, which
reads the same as London's wall clock only while London keeps GMT (from the last
Sunday of October to the last Sunday of March). So the week starts on
`WINTER_MONDAY`: `MONDAY` itself when it falls in December or January, else the
first Monday of the December after it. The four weeks before it and after it are
then all winter time in London and in New York, whatever the process clock says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.dates import MONDAY, dst_changes


def _winter_monday(monday: datetime) -> datetime:
    if monday.month in (12, 1):
        return monday
    december = datetime(monday.year, 12, 1, tzinfo=UTC)
    return december + timedelta(days=-december.weekday() % 7)


WINTER_MONDAY = _winter_monday(MONDAY)

# Its days, as dates: `on(TUE, 9)` is Tuesday 09:00 UTC.
MON, TUE, WED, THU, FRI, SAT, SUN = (WINTER_MONDAY.date() + timedelta(days=n) for n in range(7))
NEXT_MON = MON + timedelta(days=7)
LAST_MON = MON - timedelta(days=7)


def _no_clock_change_near(zone: str, moment: datetime, margin: timedelta) -> None:
    for year in {(moment - margin).year, (moment + margin).year}:
        for change in dst_changes(zone, year):
            assert not moment - margin <= change <= moment + margin, (zone, change)


for _zone in ("Europe/London", "America/New_York"):
    _no_clock_change_near(_zone, WINTER_MONDAY, timedelta(weeks=4))
