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


# The product defaults, shared: a frozen value, so one instance serves everyone.
DEFAULT_POLICY = BookingPolicy()
