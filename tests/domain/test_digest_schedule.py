"""The weekly digest: when it is due and which period it reports, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.digest import DigestSchedule, digest_moment, digest_period, due_week
from domain.errors import InvalidInput
from tests.domain.digest_data import MONDAY_9
from tests.fakes.uow import utc


def _ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("America/New_York"))  # type: ignore[misc]


# --- when -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "now", "week"),
    [
        # UTC: due from Monday 09:00, the same week's until the next Monday 09:00.
        (MONDAY_9, utc(2026, 11, 30, 8, 59), date(2026, 11, 23)),
        (MONDAY_9, utc(2026, 11, 30, 9, 0), date(2026, 11, 30)),
        (MONDAY_9, utc(2026, 12, 6, 23, 59), date(2026, 11, 30)),
        # New York springs forward on Sunday 8 March: Monday 09:00 is 13:00 UTC
        # after it, 14:00 UTC the week before.
        (
            DigestSchedule(0, time(9), "America/New_York"),
            utc(2026, 3, 2, 13, 59),
            date(2026, 2, 23),
        ),
        (DigestSchedule(0, time(9), "America/New_York"), utc(2026, 3, 2, 14, 0), date(2026, 3, 2)),
        (DigestSchedule(0, time(9), "America/New_York"), utc(2026, 3, 9, 12, 59), date(2026, 3, 2)),
        (DigestSchedule(0, time(9), "America/New_York"), utc(2026, 3, 9, 13, 0), date(2026, 3, 9)),
        # ...and falls back on Sunday 1 November: 13:00 UTC before, 14:00 after.
        (
            DigestSchedule(0, time(9), "America/New_York"),
            utc(2026, 10, 26, 13, 0),
            date(2026, 10, 26),
        ),
        (
            DigestSchedule(0, time(9), "America/New_York"),
            utc(2026, 11, 2, 13, 59),
            date(2026, 10, 26),
        ),
        (
            DigestSchedule(0, time(9), "America/New_York"),
            utc(2026, 11, 2, 14, 0),
            date(2026, 11, 2),
        ),
        # London: BST from Sunday 29 March to Sunday 25 October.
        (DigestSchedule(0, time(9), "Europe/London"), utc(2026, 3, 30, 7, 59), date(2026, 3, 23)),
        (DigestSchedule(0, time(9), "Europe/London"), utc(2026, 3, 30, 8, 0), date(2026, 3, 30)),
        (DigestSchedule(0, time(9), "Europe/London"), utc(2026, 10, 26, 8, 59), date(2026, 10, 19)),
        (DigestSchedule(0, time(9), "Europe/London"), utc(2026, 10, 26, 9, 0), date(2026, 10, 26)),
        # Auckland's Monday 08:00 is Sunday 19:00 UTC: the week is a local date.
        (
            DigestSchedule(0, time(8), "Pacific/Auckland"),
            utc(2026, 11, 29, 19, 0),
            date(2026, 11, 30),
        ),
        # A Friday digest belongs to its week's Monday.
        (DigestSchedule(4, time(17), "Asia/Kolkata"), utc(2026, 12, 4, 11, 30), date(2026, 11, 30)),
        (DigestSchedule(4, time(17), "Asia/Kolkata"), utc(2026, 12, 4, 11, 29), date(2026, 11, 23)),
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
        (date(2026, 3, 2), utc(2026, 2, 23, 14), utc(2026, 3, 2, 14), 168),
        (date(2026, 3, 9), utc(2026, 3, 2, 14), utc(2026, 3, 9, 13), 167),  # spring forward
        (date(2026, 11, 2), utc(2026, 10, 26, 13), utc(2026, 11, 2, 14), 169),  # fall back
    ],
)
def test_the_reported_period_is_the_seven_local_days_before_the_moment_across_dst(
    week: date, since: datetime, until: datetime, hours: int
) -> None:
    schedule = DigestSchedule(0, time(9), "America/New_York")
    assert digest_period(schedule, week) == (since, until)
    assert until - since == timedelta(hours=hours)
    # Consecutive periods tile time: no gap, no overlap.
    assert digest_period(schedule, week - timedelta(days=7))[1] == since


def test_the_moment_is_the_local_wall_clock_time_and_a_time_dst_skips_comes_an_hour_later() -> None:
    nine = digest_moment(DigestSchedule(0, time(9), "America/New_York"), utc(2026, 3, 10))
    assert (nine.astimezone(ZoneInfo("America/New_York")).time(), nine.utcoffset()) == (
        time(9),
        timedelta(hours=-4),
    )
    # 02:30 does not exist in New York on Sunday 8 March: it is taken as 03:30 EDT.
    skipped = DigestSchedule(6, time(2, 30), "America/New_York")
    assert digest_moment(skipped, utc(2026, 3, 8, 7, 30)).astimezone(UTC) == utc(2026, 3, 8, 7, 30)
    assert due_week(skipped, utc(2026, 3, 8, 7, 29)) == date(2026, 2, 23)
    assert due_week(skipped, utc(2026, 3, 8, 7, 30)) == date(2026, 3, 2)
    # 01:30 happens twice on Sunday 1 November: the first one counts.
    twice = DigestSchedule(6, time(1, 30), "America/New_York")
    assert digest_moment(twice, utc(2026, 11, 1, 5, 30)) == _ny(2026, 11, 1, 1, 30)
    assert due_week(twice, utc(2026, 11, 1, 5, 29)) == date(2026, 10, 19)
    assert due_week(twice, utc(2026, 11, 1, 5, 30)) == date(2026, 10, 26)
    # A "now" given in the schedule's own zone, inside the repeated hour.
    second_one_thirty = _ny(2026, 11, 1, 1, 30).replace(fold=1)
    assert due_week(twice, second_one_thirty) == date(2026, 10, 26)


@pytest.mark.parametrize(
    "fields",
    [{"weekday": 7}, {"weekday": -1}, {"zone": "Mars/Olympus"}, {"at": time(9, tzinfo=UTC)}],
)
def test_a_schedule_outside_the_week_or_in_an_unknown_zone_is_refused(
    fields: dict[str, object],
) -> None:
    with pytest.raises(InvalidInput):
        DigestSchedule(**fields)  # type: ignore[arg-type]
