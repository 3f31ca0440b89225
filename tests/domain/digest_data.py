"""The weekly digest's calendar, shared by `test_digest_schedule.py` and
`test_digest.py`."""

from __future__ import annotations

from domain.digest import DigestSchedule
from tests.dates import on
from tests.domain.anchors import MON

MONDAY_9 = DigestSchedule()  # Monday 09:00 UTC
CHANNEL = "C0DIGEST"
# The digest of the week of the conftest's Monday (`tests/domain/anchors.py`)
# reports the seven days from the Monday before at 09:00 to this Monday 09:00
# UTC; the week before, the seven days before those.
WEEK = MON
DIGEST_TIME = on(WEEK, 9, 0)
