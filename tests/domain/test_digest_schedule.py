"""The weekly digest: when it is due and which period it reports, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.digest import DigestSchedule, digest_moment, digest_period, due_week
from domain.errors import InvalidInput
from tests.dates import on
from tests.domain.digest_data import MONDAY_9, WEEK
from tests.domain.dst import BST, EDT, EST, GMT, change

A_DAY, A_WEEK = timedelta(days=1), timedelta(days=7)
NEW_YORK_9 = DigestSchedule(0, time(9), "America/New_York")
LONDON_9 = DigestSchedule(0, time(9), "Europe/London")

# New York springs forward on a Sunday at 02:00 EST (-05:00) to 03:00 EDT (-04:00),
# and falls back on a Sunday at 02:00 EDT to 01:00 EST (`tests/domain/dst.py`).
NY_SPRING = change("America/New_York", EST, EDT, wall=time(2)).day
NY_FALL = change("America/New_York", EDT, EST, wall=time(2)).day
# London: BST (+01:00) from a Sunday at 01:00 GMT to a Sunday at 02:00 BST.
LONDON_SPRING = change("Europe/London", GMT, BST, wall=time(1)).day
LONDON_FALL = change("Europe/London", BST, GMT, wall=time(2)).day


# --- when -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "now", "week"),
    [
        # UTC: due from Monday 09:00, the same week's until the next Monday 09:00.
        (MONDAY_9, on(WEEK, 8, 59), WEEK - A_WEEK),
        (MONDAY_9, on(WEEK, 9, 0), WEEK),
        (MONDAY_9, on(WEEK + 6 * A_DAY, 23, 59), WEEK),
        # New York springs forward on a Sunday: Monday 09:00 is 13:00 UTC (EDT)
        # after it, 14:00 UTC (EST) the week before.
        (NEW_YORK_9, on(NY_SPRING - 6 * A_DAY, 13, 59), NY_SPRING - 13 * A_DAY),
        (NEW_YORK_9, on(NY_SPRING - 6 * A_DAY, 14, 0), NY_SPRING - 6 * A_DAY),
        (NEW_YORK_9, on(NY_SPRING + A_DAY, 12, 59), NY_SPRING - 6 * A_DAY),
        (NEW_YORK_9, on(NY_SPRING + A_DAY, 13, 0), NY_SPRING + A_DAY),
        # ...and falls back on a Sunday: 13:00 UTC (EDT) before, 14:00 (EST) after.
        (NEW_YORK_9, on(NY_FALL - 6 * A_DAY, 13, 0), NY_FALL - 6 * A_DAY),
        (NEW_YORK_9, on(NY_FALL + A_DAY, 13, 59), NY_FALL - 6 * A_DAY),
        (NEW_YORK_9, on(NY_FALL + A_DAY, 14, 0), NY_FALL + A_DAY),
        # London: Monday 09:00 is 08:00 UTC in BST, 09:00 UTC in GMT.
        (LONDON_9, on(LONDON_SPRING + A_DAY, 7, 59), LONDON_SPRING - 6 * A_DAY),
        (LONDON_9, on(LONDON_SPRING + A_DAY, 8, 0), LONDON_SPRING + A_DAY),
        (LONDON_9, on(LONDON_FALL + A_DAY, 8, 59), LONDON_FALL - 6 * A_DAY),
        (LONDON_9, on(LONDON_FALL + A_DAY, 9, 0), LONDON_FALL + A_DAY),
        # Auckland's Monday 08:00 (+13:00: WEEK is in December or January, New
        # Zealand's summer) is Sunday 19:00 UTC: the week is a local date.
        (DigestSchedule(0, time(8), "Pacific/Auckland"), on(WEEK - A_DAY, 19, 0), WEEK),
        # A Friday digest belongs to its week's Monday: 17:00 in Kolkata (+05:30).
        (DigestSchedule(4, time(17), "Asia/Kolkata"), on(WEEK + 4 * A_DAY, 11, 30), WEEK),
        (
            DigestSchedule(4, time(17), "Asia/Kolkata"),
            on(WEEK + 4 * A_DAY, 11, 29),
            WEEK - A_WEEK,
        ),
    ],
)
def test_the_due_week_is_the_monday_of_the_most_recent_digest_moment_in_the_schedules_zone(
    schedule: DigestSchedule, now: datetime, week: date
) -> None:
    assert due_week(schedule, now) == week
    assert week.weekday() == 0


@pytest.mark.parametrize(
    ("week", "since", "until", "hours"),
    [
        (
            NY_SPRING - 6 * A_DAY,
            on(NY_SPRING - 13 * A_DAY, 14),  # 09:00 EST
            on(NY_SPRING - 6 * A_DAY, 14),  # 09:00 EST
            168,
        ),
        (
            NY_SPRING + A_DAY,
            on(NY_SPRING - 6 * A_DAY, 14),  # 09:00 EST
            on(NY_SPRING + A_DAY, 13),  # 09:00 EDT: spring forward
            167,
        ),
        (
            NY_FALL + A_DAY,
            on(NY_FALL - 6 * A_DAY, 13),  # 09:00 EDT
            on(NY_FALL + A_DAY, 14),  # 09:00 EST: fall back
            169,
        ),
    ],
)
def test_the_reported_period_is_the_seven_local_days_before_the_moment_across_dst(
    week: date, since: datetime, until: datetime, hours: int
) -> None:
    assert digest_period(NEW_YORK_9, week) == (since, until)
    assert until - since == timedelta(hours=hours)
    # Consecutive periods tile time: no gap, no overlap.
    assert digest_period(NEW_YORK_9, week - timedelta(days=7))[1] == since


def test_the_moment_is_the_local_wall_clock_time_and_a_time_dst_skips_comes_an_hour_later() -> None:
    # The Tuesday after the spring change: 09:00 EDT.
    nine = digest_moment(NEW_YORK_9, on(NY_SPRING + 2 * A_DAY))
    assert (nine.astimezone(ZoneInfo("America/New_York")).time(), nine.utcoffset()) == (
        time(9),
        EDT,
    )
    # 02:30 does not exist in New York on the spring Sunday: it is taken as 03:30 EDT.
    skipped = DigestSchedule(6, time(2, 30), "America/New_York")
    sunday = NY_SPRING
    assert digest_moment(skipped, on(sunday, 7, 30)).astimezone(UTC) == on(sunday, 7, 30)
    assert due_week(skipped, on(sunday, 7, 29)) == sunday - 13 * A_DAY
    assert due_week(skipped, on(sunday, 7, 30)) == sunday - 6 * A_DAY
    # 01:30 happens twice on the fall Sunday: the first one (EDT, 05:30 UTC) counts.
    twice = DigestSchedule(6, time(1, 30), "America/New_York")
    sunday = NY_FALL
    moment = digest_moment(twice, on(sunday, 5, 30))
    assert moment.astimezone(UTC) == on(sunday, 5, 30)
    assert (moment.time(), moment.utcoffset()) == (time(1, 30), EDT)  # in its own zone
    assert due_week(twice, on(sunday, 5, 29)) == sunday - 13 * A_DAY
    assert due_week(twice, on(sunday, 5, 30)) == sunday - 6 * A_DAY
    # A "now" given in the schedule's own zone, inside the repeated hour.
    new_york = ZoneInfo("America/New_York")
    second_one_thirty = datetime.combine(sunday, time(1, 30), new_york).replace(fold=1)
    assert second_one_thirty.astimezone(UTC) == on(sunday, 6, 30)  # 01:30 EST
    assert due_week(twice, second_one_thirty) == sunday - 6 * A_DAY


@pytest.mark.parametrize(
    "fields",
    [{"weekday": 7}, {"weekday": -1}, {"zone": "Mars/Olympus"}, {"at": time(9, tzinfo=UTC)}],
)
def test_a_schedule_outside_the_week_or_in_an_unknown_zone_is_refused(
    fields: dict[str, object],
) -> None:
    with pytest.raises(InvalidInput):
        DigestSchedule(**fields)  # type: ignore[arg-type]
