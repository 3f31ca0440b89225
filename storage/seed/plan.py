"""When every session lies, with whom, in which status, and each mentor's time
off: the plan, as parallel arrays, that `storage.seed.rows` turns into rows."""

from __future__ import annotations

import random
from array import array
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.seed.common import (
    ACTIVE,
    CANCELLED,
    CAPPED,
    DAY,
    FUTURE_DAYS,
    FUTURE_MIX,
    HISTORY_DAYS,
    ONGOING,
    PAST_MIX,
    RECENT,
    RECENT_ONGOING_SHARE,
    REQUESTED,
    SCHEDULED,
    STATUSES,
)
from storage.seed.people import Mentor, Organisation


class SessionPlan:
    """Every session as parallel arrays (ordered by creation time), and the rows
    derived from them."""

    def __init__(self, org: Organisation, total: int, base_id: int) -> None:
        self.org = org
        self.total = total
        self.base_id = base_id
        self.time_off: list[tuple[int, int, int]] = []  # (user index, first day, last day)
        self.extra: list[tuple[int, int, int, int]] = []  # (user index, day, start, end)

    # -- the plan --

    def build(self) -> None:
        org, rng, now = self.org, self.org.rng, self.org.now
        first, last = now - HISTORY_DAYS * DAY, now + FUTURE_DAYS * DAY
        offsets = ZoneOffsets(now // DAY - HISTORY_DAYS - 10, now // DAY + FUTURE_DAYS + 10)
        grids = [Grid(m, offsets, first, last, org.now) for m in org.mentors]
        counts = self._shares(grids)
        # Weekly caps for a fifth of the mentors, above what they actually do.
        weeks = max(1, (HISTORY_DAYS + FUTURE_DAYS) // 7)
        for mentor, count in zip(org.mentors, counts, strict=True):
            if rng.random() < 0.2:
                mentor.cap = min(50, max(2, int(count / weeks * 1.5) + rng.randint(1, 4)))
        starts, ends, mentor_of, status = array("q"), array("q"), array("q"), array("b")
        mentee_of = array("q")
        days_busy: dict[int, set[int]] = {}
        for mentor, grid, count in zip(org.mentors, grids, counts, strict=True):
            if not count:
                continue
            picked = sorted(rng.sample(range(grid.lo, grid.hi), count))
            per_week: dict[int, int] = {}
            busy_days = days_busy.setdefault(mentor.index, set())
            for g in picked:
                start, local_day, week = grid.slot(g)
                end = start + mentor.minutes * 60
                code = draw_status(rng, start, end, now)
                if mentor.cap is not None and code in CAPPED:
                    per_week[week] = per_week.get(week, 0) + 1
                    if per_week[week] > mentor.cap:
                        code = CANCELLED
                busy_days.add(local_day)
                starts.append(start)
                ends.append(end)
                mentor_of.append(mentor.index)
                status.append(code)
        self._everydraw_status(starts, ends, status)
        self._mentees(starts, ends, mentor_of, status, mentee_of)
        self._time_off(days_busy)
        self._lifecycle(starts, ends, mentor_of, mentee_of, status)

    def _shares(self, grids: list[Grid]) -> list[int]:
        """Sessions per mentor: a long tail (a few very busy mentors), each at most
        70% of the slots their windows offer."""
        rng, total = self.org.rng, self.total
        weights = [min(rng.paretovariate(1.2), 60.0) for _ in grids]
        caps = [int((g.hi - g.lo) * 0.7) for g in grids]
        if sum(caps) < total:
            raise ValueError(
                f"{total} sessions do not fit the mentors' availability (room for {sum(caps)})"
            )
        whole = sum(weights) or 1.0
        counts = [min(cap, int(total * w / whole)) for w, cap in zip(weights, caps, strict=True)]
        rest = total - sum(counts)
        by_weight = sorted(range(len(grids)), key=lambda k: -weights[k])
        while rest > 0:
            for k in by_weight:
                if counts[k] < caps[k]:
                    room = min(caps[k] - counts[k], rest, max(1, rest // len(grids)))
                    counts[k] += room
                    rest -= room
                    if not rest:
                        break
        return counts

    def _everydraw_status(self, starts: array[int], ends: array[int], status: array[int]) -> None:
        """Make sure each status occurs (small seeds), changing sessions of a
        status that occurs more than once."""
        now = self.org.now
        seen: dict[int, int] = {}
        for code in status:
            seen[code] = seen.get(code, 0) + 1
        past = [k for k in range(len(starts)) if starts[k] < now]
        future = [k for k in range(len(starts)) if starts[k] >= now]
        # Latest first: a recent session can be awaiting completion.
        past.sort(key=lambda k: -starts[k])
        for code in range(len(STATUSES)):
            if seen.get(code):
                continue
            candidates = future if code in (REQUESTED, SCHEDULED) else past
            for k in candidates:
                if seen[status[k]] > 1:
                    seen[status[k]] -= 1
                    status[k] = code
                    seen[code] = 1
                    break

    def _mentees(
        self,
        starts: array[int],
        ends: array[int],
        mentor_of: array[int],
        status: array[int],
        mentee_of: array[int],
    ) -> None:
        """A mentee per session, from a pool each mentor keeps; active sessions
        only where the mentee has no other active one at that time."""
        org, rng = self.org, self.org.rng
        bookers = org.bookers
        busy: dict[int, list[tuple[int, int]]] = {}
        for k in range(len(starts)):
            if status[k] in ACTIVE:
                busy.setdefault(mentor_of[k], []).append((starts[k], ends[k]))
        pools: dict[int, list[int]] = {}
        counts: dict[int, int] = {}
        for m in mentor_of:
            counts[m] = counts.get(m, 0) + 1
        for m, count in counts.items():
            size = min(len(bookers), max(2, count // 6 + 1))
            pool = [p for p in rng.sample(bookers, size) if p != m]
            pools[m] = pool or [p for p in bookers[:2] if p != m]
            if not pools[m]:
                raise ValueError("no mentee to book sessions with; seed more users")
        for k in range(len(starts)):
            pool = pools[mentor_of[k]]
            mentee = pool[int(rng.random() * len(pool))]
            if status[k] in ACTIVE:
                start, end = starts[k], ends[k]
                for attempt in range(40):
                    taken = busy.get(mentee)
                    if not taken or all(end <= s or e <= start for s, e in taken):
                        break
                    source = pool if attempt < 10 else bookers
                    mentee = source[int(rng.random() * len(source))]
                    if mentee == mentor_of[k]:
                        mentee = pool[0]
                else:
                    status[k] = CANCELLED
                if status[k] in ACTIVE:
                    busy.setdefault(mentee, []).append((start, end))
            mentee_of.append(mentee)

    def _time_off(self, days_busy: dict[int, set[int]]) -> None:
        """Time off on days without sessions, for some mentors; one-off extra
        Sunday slots for a few."""
        org, rng, now = self.org, self.org.rng, self.org.now
        today = now // DAY
        for mentor in org.mentors:
            busy = days_busy.get(mentor.index, set())
            if rng.random() < 0.15:
                for _ in range(rng.randint(1, 2)):
                    length = rng.randint(1, 10)
                    for _try in range(8):
                        first = today + rng.randint(-HISTORY_DAYS, FUTURE_DAYS + 30)
                        if not any(first + d in busy for d in range(length)):
                            self.time_off.append((mentor.index, first, first + length - 1))
                            busy.update(range(first, first + length))
                            break
            if rng.random() < 0.05:
                sunday = today + (6 - (today + 3) % 7) + 7 * rng.randint(0, 1)
                start = rng.choice((10 * 60, 11 * 60))
                self.extra.append((mentor.index, sunday, start, start + 120))

    def _lifecycle(
        self,
        starts: array[int],
        ends: array[int],
        mentor_of: array[int],
        mentee_of: array[int],
        status: array[int],
    ) -> None:
        """When each session was booked and last changed, ordered by booking time."""
        org, rng, now = self.org, self.org.rng, self.org.now
        n = len(starts)
        created = array("q", bytes(8 * n))
        for k in range(n):
            start = starts[k]
            booked = start - rng.randrange(2 * 3600, 14 * DAY, 60)
            if booked > now - 60:
                booked = max(start - 14 * DAY, now - rng.randrange(60, 3 * DAY, 60))
            created[k] = booked
        order = sorted(range(n), key=created.__getitem__)
        self.starts = array("q", (starts[k] for k in order))
        self.ends = array("q", (ends[k] for k in order))
        self.created = array("q", (created[k] for k in order))
        self.status = array("b", (status[k] for k in order))
        ids = org.ids
        self.mentor_ids = array("q", (ids[mentor_of[k]] for k in order))
        self.mentee_ids = array("q", (ids[mentee_of[k]] for k in order))
        self.mentor_index = array("q", (mentor_of[k] for k in order))


def draw_status(rng: random.Random, start: int, end: int, now: int) -> int:
    draw = rng.random()
    mix: tuple[tuple[float, int], ...]
    if start >= now:
        mix = FUTURE_MIX
    elif end > now:
        return ONGOING if draw < 0.9 else CANCELLED
    elif start >= now - RECENT and draw < RECENT_ONGOING_SHARE:
        return ONGOING
    else:
        mix = PAST_MIX
        draw = rng.random()
    for threshold, code in mix:
        if draw < threshold:
            return code
    return mix[-1][1]


class ZoneOffsets:
    """UTC offsets in seconds per zone and local date (taken at local noon)."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first_day = first_day
        self.last_day = last_day
        self._cache: dict[str, list[int]] = {}

    def of(self, zone: str) -> list[int]:
        found = self._cache.get(zone)
        if found is None:
            tz = ZoneInfo(zone)
            epoch = datetime(1970, 1, 1, 12)
            found = []
            for day in range(self.first_day, self.last_day):
                offset = (epoch + timedelta(days=day)).replace(tzinfo=tz).utcoffset()
                found.append(int(offset.total_seconds()) if offset else 0)
            self._cache[zone] = found
        return found


class Grid:
    """A mentor's bookable slots over the whole span, numbered in time order:
    slot g is window slot g % per_week of local week g // per_week."""

    def __init__(
        self, mentor: Mentor, offsets: ZoneOffsets, first: int, last: int, now: int
    ) -> None:
        self.offsets = offsets.of(mentor.zone)
        self.first_day = offsets.first_day
        self.slots = [
            (weekday, minute)
            for weekday, start, end in mentor.windows
            for minute in range(start, end - mentor.minutes + 1, mentor.minutes)
        ]
        self.per_week = len(self.slots)
        first_local = first // DAY - 1
        # Epoch day 0 was a Thursday: Monday is (day + 3) % 7 == 0.
        self.monday = first_local - (first_local + 3) % 7
        if not mentor.active:
            last = min(last, now - 30 * DAY)  # they left a month ago
        weeks = (last // DAY + 2 - self.monday) // 7 + 1
        size = weeks * self.per_week
        lo, hi = 0, size
        while lo < hi and self.slot(lo)[0] < first:
            lo += 1
        while hi > lo and self.slot(hi - 1)[0] >= last:
            hi -= 1
        self.lo, self.hi = lo, hi

    def slot(self, g: int) -> tuple[int, int, int]:
        """(UTC start in epoch seconds, local day number, local week) of slot g."""
        week, j = divmod(g, self.per_week)
        weekday, minute = self.slots[j]
        day = self.monday + 7 * week + weekday
        start = day * DAY + minute * 60 - self.offsets[day - self.first_day]
        return start, day, week
