"""What every part of the seed shares: its spans of time, the session
statuses as small codes, and fast formatting of values as COPY text."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from storage.models.sessions import SESSION_STATUSES

DAY = 86_400
HISTORY_DAYS = 730  # sessions start from this long before `now` …
FUTURE_DAYS = 14  # … up to this long after it (the booking horizon)
RECENT_NOTICE_DAYS = 30  # notifications exist for sessions created this recently
# Session statuses, as stored; the index is the status code used below.
STATUSES = SESSION_STATUSES
REQUESTED, SCHEDULED, ONGOING, COMPLETED, DECLINED, CANCELLED, EXPIRED, NO_SHOW = range(8)
ACTIVE = frozenset({REQUESTED, SCHEDULED, ONGOING})
CAPPED = frozenset({REQUESTED, SCHEDULED, ONGOING, COMPLETED})
# (cumulative probability, status) by when a session lies.
PAST_MIX = ((0.76, COMPLETED), (0.87, CANCELLED), (0.92, DECLINED), (0.97, EXPIRED), (1.0, NO_SHOW))
FUTURE_MIX = ((0.58, SCHEDULED), (0.85, REQUESTED), (0.95, CANCELLED), (1.0, DECLINED))
# A session that started in the last two days may still wait for the mentor's "complete".
RECENT_ONGOING_SHARE = 0.25
RECENT = 2 * DAY


class TimeText:
    """Epoch seconds to COPY text, through lookup tables (minute precision)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        self.days = [
            (date(1970, 1, 1) + timedelta(days=d)).isoformat() for d in range(first_day, last_day)
        ]
        self.minutes = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]

    def ts(self, seconds: int) -> str:
        """`YYYY-MM-DD HH:MM:00+00` (seconds dropped)."""
        day, rest = divmod(seconds, DAY)
        return f"{self.days[day - self.first_day]} {self.minutes[rest // 60]}+00"

    def iso(self, seconds: int) -> str:
        """As `datetime.isoformat()` writes an aware UTC time."""
        day, rest = divmod(seconds, DAY)
        return f"{self.days[day - self.first_day]}T{self.minutes[rest // 60]}+00:00"

    def day(self, day_number: int) -> str:
        return self.days[day_number - self.first_day]


def text_array(values: tuple[str, ...] | list[str]) -> str:
    """A text[] literal for COPY text format (values hold no quotes or backslashes)."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...], n: int) -> list[str]:
    names = [name for name, _ in pairs]
    return rng.choices(names, weights=[w for _, w in pairs], k=n)


def percent_table(mix: tuple[int, ...]) -> list[int]:
    """100 ratings drawn in the given proportions (5 first), for `table[int(r * 100)]`."""
    table: list[int] = []
    for stars, share in zip((5, 4, 3, 2, 1), mix, strict=True):
        table += [stars] * share
    return table


def reference_now(at: datetime | None = None) -> datetime:
    """The last Monday 08:00 UTC at or before `at` (by default, now): the same
    for a week, so a seeded bench database can be reused, yet never a date that
    has long passed (the data is spread around it, and the bench's clock starts
    there). Never after `at` either: a bot benched on the real clock would find
    the seed's last hours still to come (on a Monday before 08:00, notices
    "made" later that morning counted as sent during the bench, with no DM)."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    day = at.date()
    monday = datetime.combine(day - timedelta(days=day.weekday()), time(8), tzinfo=UTC)
    return monday if monday <= at else monday - timedelta(days=7)
