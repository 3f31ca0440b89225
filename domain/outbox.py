"""Delivering notices as DMs: claim, send (outside any transaction), then mark.

A claim is a lease: the claimed notices are not offered to anyone else until it
runs out, so a deliverer that dies mid-batch leaves them for the next run.
Slack offers no idempotency key for messages: a notice claimed again while its
last claim has no outcome recorded comes `maybe_sent`, and the deliverer looks
for its DM before sending it (handlers.notifier), so a person gets it once.

A DM that fails is tried again with exponential backoff, at most `MAX_ATTEMPTS`
times in all (about an hour of trying), then given up: a dead letter,
still in its recipient's notifications, counted for the workspace's admins. A
refusal of the bot's own token (the app uninstalled, its token revoked) is no
fault of the notice: the workspace is paused and its notices wait, uncounted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import NotAllowed
from domain.goals import request_goals
from domain.home import Home, Viewer, homes_within
from domain.matching import DEFAULT_MATCHING, MatchPolicy, SuggestionMemo
from domain.model import Delivery, Notification, Role
from domain.notifications import calendar_series
from domain.ports import Clock, UnitOfWork

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
# Tries 2 to 8 follow after 30 s, 1, 2, 4, 8, 16 and 32 minutes, doubling (or
# after Slack's Retry-After when longer).
MAX_ATTEMPTS = 8


def claim_deliveries(
    uow: UnitOfWork, clock: Clock, *, ids: Sequence[UUID] | None = None, limit: int = 100
) -> list[Delivery]:
    _require_system(uow)
    with uow:
        notices = uow.notifications.claim_for_delivery(ids, clock.now(), LEASE, limit)
        sessions = {n.session_id: uow.sessions.get(n.session_id) for n in notices if n.session_id}
        people = uow.users.get_many(
            {n.recipient_id for n in notices}
            | {s.mentor_id for s in sessions.values() if s is not None}
            | {s.mentee_id for s in sessions.values() if s is not None}
        )
        goals = {
            n.id: request_goals(uow, n.kind, sessions.get(n.session_id) if n.session_id else None)
            for n in notices
        }
        series = {n.id: calendar_series(uow, n) for n in notices}
        uow.commit()
    deliveries = []
    for notice in notices:
        session = sessions.get(notice.session_id) if notice.session_id else None
        mentor = people.get(session.mentor_id) if session else None
        mentee = people.get(session.mentee_id) if session else None
        recipient = people.get(notice.recipient_id)
        if recipient is not None:
            deliveries.append(
                Delivery(
                    notice,
                    recipient,
                    session,
                    mentor.meeting_link if mentor else None,
                    goals[notice.id],
                    (mentor.display_name, mentee.display_name) if mentor and mentee else None,
                    series[notice.id],
                )
            )
    return deliveries


def delivered(uow: UnitOfWork, clock: Clock, *, notification_id: UUID) -> None:
    _require_system(uow)
    with uow:
        uow.notifications.mark_delivered(notification_id, clock.now())
        uow.commit()


def failed(
    uow: UnitOfWork,
    clock: Clock,
    *,
    notice: Notification,
    error: str,
    permanent: bool,
    retry_after: timedelta | None = None,
) -> bool:
    """Record a failed DM: retried with exponential backoff (or after Slack's
    Retry-After); given up when `permanent` or after its `MAX_ATTEMPTS`th try.
    True when it was given up now (and counted for the admins)."""
    _require_system(uow)
    with uow:
        gave_up = _record_failure(uow, clock.now(), Failure(notice, error, permanent, retry_after))
        uow.commit()
    return gave_up


@dataclass(frozen=True)
class Failure:
    """A DM Slack refused or could not be reached for."""

    notice: Notification
    error: str
    permanent: bool
    retry_after: timedelta | None = None
    # No answer came (a lost connection): Slack may have taken the DM.
    maybe_sent: bool = False


def settle(
    uow: UnitOfWork,
    clock: Clock,
    *,
    sent: Sequence[UUID] = (),
    failures: Sequence[Failure] = (),
    homes: Sequence[Viewer] = (),
    matching: MatchPolicy = DEFAULT_MATCHING,
    memo: SuggestionMemo | None = None,
) -> tuple[list[Failure], dict[Viewer, Home]]:
    """After a round of DMs, in one transaction: record which went and which
    failed (see `failed`), and read the App Homes to publish now (the people
    the round concerned). Returns the failures given up now, and the homes."""
    _require_system(uow)
    now = clock.now()
    with uow:
        for notification_id in sent:
            uow.notifications.mark_delivered(notification_id, now)
        gave_up = [failure for failure in failures if _record_failure(uow, now, failure)]
        read = homes_within(uow, clock, homes, matching=matching, memo=memo) if homes else {}
        uow.commit()
    return gave_up, read


def _record_failure(uow: UnitOfWork, now: datetime, failure: Failure) -> bool:
    attempts = failure.notice.attempts
    backoff = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)
    give_up = failure.permanent or attempts >= MAX_ATTEMPTS
    retry_at = None if give_up else now + max(backoff, failure.retry_after or timedelta(0))
    gave_up = uow.notifications.record_failure(
        failure.notice.id, failure.error, now, retry_at, maybe_sent=failure.maybe_sent
    )
    if gave_up:
        uow.workspaces.count_undelivered(failure.notice.workspace_id)
    return gave_up


def workspace_unreachable(
    uow: UnitOfWork, clock: Clock, *, workspace_id: str, error: str, held: Sequence[UUID]
) -> None:
    """Slack refused the bot's token for this workspace (`account_inactive`,
    `token_revoked`, ...): stop sending there, and put the `held` notices back
    with their try not counted; they go once the workspace is resumed."""
    _require_system(uow)
    now = clock.now()
    with uow:
        uow.workspaces.pause(workspace_id, now, error)
        for notification_id in held:
            uow.notifications.release(notification_id, now, error)
        uow.commit()


def _require_system(uow: UnitOfWork) -> None:
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the system delivers notices.")
