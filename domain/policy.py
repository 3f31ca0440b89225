"""Booking rules that operators may tune; the defaults are the product's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class BookingPolicy:
    minimum_notice: timedelta = timedelta(hours=2)
    # How far ahead free slots are offered and sessions may be booked.
    horizon: timedelta = timedelta(days=14)
    # A mentor may press Start this long before the session's time.
    early_start: timedelta = timedelta(minutes=10)
    max_actual_minutes: int = 480
    # Open sessions (requested, or scheduled and still ahead) a mentee may hold
    # at once, in all and with one mentor: nobody can take a mentor's calendar.
    max_open_per_mentee: int = 3
    max_open_per_pair: int = 2
    # New booking requests a person may send per hour, whatever became of them
    # (a request cancelled at once still sent the mentor a DM).
    max_requests_per_hour: int = 10


# The product defaults, shared: a frozen value, so one instance serves everyone.
DEFAULT_POLICY = BookingPolicy()
