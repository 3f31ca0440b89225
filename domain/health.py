"""Nudging an at-risk pair (see `domain.analytics` for which pairs are at
risk): a programme manager sends both people a gentle prompt, at most once per
pair per `NUDGE_EVERY`. The database holds that limit (an exclusion constraint
on the pair's nudges), so two managers clicking at once send one nudge; the
later click is told when the last one went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.analytics import NOT_ALLOWED
from domain.analytics_ports import Nudge
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.model import Delivery, NotificationKind, Role
from domain.notifications import notify
from domain.ports import Clock, UnitOfWork
from domain.profiles import current_profile

NUDGE_EVERY = timedelta(days=14)
NOT_A_PAIR = (
    "Those two never had a session together as mentor and mentee: there is no pair to nudge."
)


class NudgedRecently(Conflict):
    """The pair was nudged less than `NUDGE_EVERY` ago."""

    def __init__(self, last: Nudge) -> None:
        super().__init__(
            "This pair was already nudged on"
            f" {last.sent_at:%Y-%m-%d at %H:%M} UTC; a pair is nudged at most once"
            f" every {NUDGE_EVERY.days} days."
        )
        self.last = last


@dataclass(frozen=True)
class NudgeOutcome:
    nudge: Nudge
    # The two DMs, claimed for the request to send once committed.
    notices: tuple[Delivery, ...]


def nudge_pair(uow: UnitOfWork, clock: Clock, *, mentor_id: int, mentee_id: int) -> NudgeOutcome:
    """Manager: record a nudge of the pair and write a notice to each of them."""
    if uow.actor.role is not Role.ADMIN:
        raise NotAllowed(NOT_ALLOWED)
    if mentor_id == mentee_id:
        raise InvalidInput("A pair is two different people.")
    now = clock.now()
    with uow:
        me = current_profile(uow)
        people = uow.users.get_many([mentor_id, mentee_id])
        mentor, mentee = people.get(mentor_id), people.get(mentee_id)
        if (
            mentor is None
            or mentee is None
            or mentor.workspace_id != me.workspace_id
            or mentee.workspace_id != me.workspace_id
        ):
            raise NotFound("That pair is no longer in the programme.")
        if not (mentor.is_active and mentee.is_active):
            raise InvalidInput("One of the pair has left the programme; there is nobody to nudge.")
        # The button names the pair in its roles: swapped, or two people who
        # never met, they are no pair (and the 14 days would not hold).
        if not uow.nudges.is_pair(mentor_id, mentee_id):
            raise NotFound(NOT_A_PAIR)
        nudge = uow.nudges.add(me.workspace_id, mentor_id, mentee_id, sent_by=me.id, at=now)
        if nudge is None:
            last = uow.nudges.last(mentor_id, mentee_id)
            if last is None:  # pragma: no cover - the refusal names the nudge that caused it
                raise Conflict("This pair was nudged moments ago.")
            raise NudgedRecently(last)
        for recipient, other in ((mentor, mentee), (mentee, mentor)):
            notify(
                uow,
                now=now,
                recipient=recipient,
                kind=NotificationKind.NUDGE,
                key=f"nudge:{nudge.id}:{recipient.id}",
                other_name=other.display_name,
                role="mentor" if recipient is mentor else "mentee",
            )
        notices = tuple(uow.claimed)
        uow.commit()
    return NudgeOutcome(nudge, notices)
