"""The weekly digest's calendar, shared by `test_digest_schedule.py` and
`test_digest.py`."""

from __future__ import annotations

from datetime import date

from domain.digest import DigestSchedule
from tests.fakes.uow import utc

MONDAY_9 = DigestSchedule()  # Monday 09:00 UTC
CHANNEL = "C0DIGEST"
# The digest of the week of Monday 30 November 2026 reports 23 Nov 09:00 to
# 30 Nov 09:00 UTC; the week before, 16 Nov 09:00 to 23 Nov 09:00.
WEEK = date(2026, 11, 30)
DIGEST_TIME = utc(2026, 11, 30, 9, 0)
