"""Recurring sessions: the times a series falls on, whether each is free, and
what its notices say of it.

A series repeats the first session's wall-clock time in the mentor's zone
(where their availability is kept) every 1, 2 or 4 weeks: a session at 09:00
in London stays at 09:00 when the clocks change, its UTC instant moving with
them. Each session is booked under every rule a single one is; the first is
checked as a single booking is (notice, horizon, availability, free), the
later ones for being free, since they lie beyond the booking horizon by
design."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from domain import limits
from domain.availability import slots_between
from domain.errors import InvalidInput, OccurrenceTaken
from domain.model import Profile, Repeat, Session, Slot
from domain.policy import BookingPolicy
from domain.ports import UnitOfWork
from domain.slots import iso_week

# How far from a session that is not free the nearest free time is looked for.
NEAREST_WITHIN = timedelta(days=7)
MOVES_DO_NOT_FIT = "That change of the series no longer fits it. Please pick the times again."


def require_valid(repeat: Repeat) -> None:
    """The numbers the booking modal offers, and no others."""
    if repeat.every_weeks not in limits.REPEAT_EVERY_WEEKS:
        weeks = ", ".join(str(n) for n in limits.REPEAT_EVERY_WEEKS[:-1])
        raise InvalidInput(
            f"A series repeats every {weeks} or {limits.REPEAT_EVERY_WEEKS[-1]} weeks.",
            field="repeat",
        )
    fewest, most = limits.REPEAT_TIMES
    if not fewest <= repeat.times <= most:
        raise InvalidInput(f"A series has from {fewest} to {most} sessions.", field="repeat_times")


def require_valid_moves(repeat: Repeat | None, moves: Mapping[int, timedelta]) -> None:
    """Sessions of a series moved from their times (`moves`: a session's
    number, 2 for the second, and how far), as the modal offers them: a later
    session of the series, by at most as far as a nearest free time is looked
    for. The first is the time picked."""
    if not moves:
        return
    if repeat is None or any(
        not 2 <= number <= repeat.times or abs(shift) > NEAREST_WITHIN
        for number, shift in moves.items()
    ):
        raise InvalidInput(MOVES_DO_NOT_FIT, field="repeat_moves")


def occurrence_starts(first: datetime, zone: str, repeat: Repeat) -> list[datetime]:
    """The series' starts in UTC, the first included: the first's wall-clock
    time in `zone`, every `repeat.every_weeks` weeks. A time that a clock
    change skips that day comes out an hour off, which no availability offers,
    so it is reported as not free like any other."""
    local = first.astimezone(ZoneInfo(zone))
    wall = local.replace(tzinfo=None)
    step = timedelta(weeks=repeat.every_weeks)
    return [
        (wall + number * step).replace(tzinfo=local.tzinfo).astimezone(UTC)
        for number in range(repeat.times)
    ]


def nearest_free(free: Iterable[Slot], around: datetime) -> Slot | None:
    """The free slot starting nearest to `around`, within `NEAREST_WITHIN` (the
    earlier of two as near); None when there is none."""
    near = [slot for slot in free if abs(slot.starts_at - around) <= NEAREST_WITHIN]
    return min(near, key=lambda slot: (abs(slot.starts_at - around), slot.starts_at), default=None)


def first_not_free(starts: Sequence[datetime], free: Sequence[Slot]) -> int | None:
    """The index of the first of `starts` that no free slot starts at."""
    free_starts = {slot.starts_at for slot in free}
    return next((i for i, start in enumerate(starts) if start not in free_starts), None)


def series_slots(
    uow: UnitOfWork,
    mentor: Profile,
    mentee: Profile,
    first: Slot,
    repeat: Repeat,
    *,
    now: datetime,
    policy: BookingPolicy,
    moves: Mapping[int, timedelta] | None = None,
) -> list[Slot]:
    """Every session of the series, `first` (already found free) included, each
    a free slot, those in `moves` (by their number) moved as far as it says;
    or `OccurrenceTaken` for the first one that is not, with the free time
    nearest to it. Read once for the whole span of the series."""
    starts = occurrence_starts(first.starts_at, mentor.time_zone, repeat)
    moved = moves or {}
    later = [start + moved.get(number, timedelta(0)) for number, start in enumerate(starts[1:], 2)]
    # A free slot has room under the mentor's weekly cap for one more session:
    # with a cap, the series holds one session a week at most, so a moved one
    # cannot take a place that another session of the series has already used.
    week = _week_of(mentor)
    every = [first.starts_at, *later]
    weeks = [week(start) for start in every]
    # A moved session stays between its neighbours: the database numbers the
    # sessions in the order they are booked, and "2 of 6" comes before "3 of 6".
    if len(set(weeks)) < len(weeks) or any(a >= b for a, b in pairwise(every)):
        raise InvalidInput(MOVES_DO_NOT_FIT, field="repeat_moves")
    free = slots_between(
        uow,
        mentor,
        mentee,
        min(later) - NEAREST_WITHIN,
        max(later) + NEAREST_WITHIN,
        now=now,
        policy=policy,
    )
    blocked = first_not_free(later, free)
    if blocked is not None:
        others = set(weeks) - {weeks[blocked + 1]}
        # The nearest free time keeps it between its neighbours too.
        after = every[blocked]
        before = every[blocked + 2] if blocked + 2 < len(every) else None
        nearest = nearest_free(
            (
                s
                for s in free
                if week(s.starts_at) not in others
                and after < s.starts_at
                and (before is None or s.starts_at < before)
            ),
            later[blocked],
        )
        raise OccurrenceTaken(
            blocked + 2,
            repeat.times,
            later[blocked],
            nearest.starts_at if nearest is not None else None,
        )
    by_start = {slot.starts_at: slot for slot in free}
    return [first, *(by_start[start] for start in later)]


def _week_of(mentor: Profile) -> Callable[[datetime], object]:
    """The week the mentor's weekly cap counts a start in; without a cap,
    each start is a week of its own (no rule to keep)."""
    if mentor.max_sessions_per_week is None:
        return lambda start: start
    zone = ZoneInfo(mentor.time_zone)
    return lambda start: iso_week(start, zone)


def series_payload(
    series_id: int, repeat: Repeat, sessions: Sequence[Session]
) -> dict[str, str | int]:
    """What a notice about several sessions of a series says of them: which
    series, how often, and the starts it is about (ISO instants, space
    separated), the list its DM shows and its Accept all button agrees to, with
    each one's place in the series ("2 of 6")."""
    return {
        "series_id": series_id,
        "every_weeks": repeat.every_weeks,
        "times": repeat.times,
        "starts": " ".join(session.starts_at.isoformat() for session in sessions),
        "places": " ".join(str(session.series_place or 0) for session in sessions),
    }
