"""Domain errors: each carries a message a person can read and, for modal forms,
the field it belongs to."""

from __future__ import annotations

from datetime import UTC, datetime


class DomainError(Exception):
    """A request that the rules refuse; nothing has been written."""

    default_message = "That could not be done."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class InvalidInput(DomainError):
    default_message = "Some of what you entered is not valid."


class NotFound(DomainError):
    default_message = "That no longer exists."


class Unknown(NotFound):
    """The acting person was never seen: the adapter makes them known (from
    their Slack profile) and asks again."""

    default_message = "I don't know you yet. Run `/mentor signup` to join the programme."


class NotAllowed(DomainError):
    default_message = "You are not allowed to do that."


class SlotTaken(DomainError):
    default_message = "That time is no longer free. Please pick another slot."


class Conflict(DomainError):
    """The state changed under the request (someone else acted first)."""

    default_message = "That was already handled."


class SessionMoved(Conflict):
    """A click that would commit a person to a session's time, on a message that
    showed another time: the session was moved after they saw it. It carries
    where the session is now, for the adapter to show in the reader's zone."""

    def __init__(self, starts_at: datetime, ends_at: datetime) -> None:
        self.starts_at, self.ends_at = starts_at, ends_at
        when = starts_at.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")
        super().__init__(
            f"This request was moved to {when}, so nothing was changed. Please answer it"
            " from the newest message about it, or from the Home tab."
        )


class SessionNotFound(NotFound):
    # Row-level security makes someone else's session look like a missing one.
    default_message = "I can't find that session: it was removed, or it isn't one of yours."


class GoalNotFound(NotFound):
    # Row-level security makes someone else's goal look like a missing one.
    default_message = "I can't find that goal: it isn't one of yours."


class OccurrenceTaken(SlotTaken):
    """One session of a recurring series is not free (someone's session is
    there, the mentor is away or at their weekly limit): which of them, and the
    free time nearest to it, for the adapter to show in the reader's zone.
    Nothing was booked."""

    def __init__(
        self, number: int, times: int, starts_at: datetime, nearest: datetime | None
    ) -> None:
        self.number, self.times = number, times
        self.starts_at, self.nearest = starts_at, nearest
        offer = (
            f" The nearest free time is {_utc(nearest)}."
            if nearest is not None
            else " There is no free time within a week of it."
        )
        super().__init__(
            f"Session {number} of {times}, {_utc(starts_at)}, is not free.{offer}", field="repeat"
        )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")
