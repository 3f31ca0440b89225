"""The scheduler's session lifecycle: expire unconfirmed requests, start
sessions at their time, and ask mentors to complete the sessions that ended.

Every step is a system-actor use case, idempotent and safe when several
schedulers run it at once: the sessions a run handles are claimed with
`FOR UPDATE SKIP LOCKED` (`starting_between` / `ending_between`), a status
change is a conditional update (from the status it was read in), and every
notice has an idempotency key.

Completion prompts, to the mentor only, for sessions still scheduled or ongoing:

- the **prompt** once the session's end has passed — owed while the end is
  less than `NUDGE_AFTER` (24 h) ago;
- the **nudge** (the same kind, payload `nudge=1`), the last word, once the
  end is `NUDGE_AFTER` ago — owed until `GIVE_UP_AFTER` (7 days) after it.

Like reminders, each covers the time up to the next one, so a run after a long
downtime sends the nudge only, never both at once; sessions that ended more
than `GIVE_UP_AFTER` ago are left alone (that also bounds what a run scans).
Completed, no-show and cancelled sessions are never prompted (only scheduled
and ongoing ones are looked at). The keys hold the session's start: unlike a
session notice or a reminder (keyed by the transition or placement, since a
session can move back to a time it had), a prompt comes only after the end,
and a session cannot be moved once it has started, so its start is final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.batches import PAGE, instant, pages
from domain.errors import NotAllowed
from domain.inbox import forget_old_events
from domain.model import HistoryEntry, NotificationKind, Role, Session, SessionStatus
from domain.notifications import notify
from domain.ports import Clock, UnitOfWork
from domain.sessions import expire_overdue_requests

S = SessionStatus

NUDGE_AFTER = timedelta(hours=24)
GIVE_UP_AFTER = timedelta(days=7)
# How many sessions one run of a step handles at most; the next run goes on.
BATCH = 500
_RUNNING = (S.SCHEDULED, S.ONGOING)


@dataclass(frozen=True)
class LifecycleReport:
    """What one `run_lifecycle` did: requests expired, sessions started, and
    completion prompts and nudges written."""

    expired: int = 0
    started: int = 0
    prompted: int = 0


def start_due_sessions(uow: UnitOfWork, clock: Clock, *, limit: int = BATCH) -> list[Session]:
    """Scheduled sessions whose start has come become ongoing (history actor:
    none, the system). A session a mentor is starting this very moment is
    skipped, and left to them."""
    _require_system(uow, "starts sessions")
    started: list[Session] = []
    with uow:
        now = clock.now()
        for session in uow.sessions.starting_between(S.SCHEDULED, None, now, limit):
            updated = replace(session, status=S.ONGOING)
            if not uow.sessions.update(updated, expected_status=S.SCHEDULED, at=now):
                continue  # cancelled, started or completed meanwhile
            uow.sessions.add_history(
                HistoryEntry(
                    session_id=session.id,
                    workspace_id=session.workspace_id,
                    actor_id=None,
                    from_status=S.SCHEDULED,
                    to_status=S.ONGOING,
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    at=now,
                )
            )
            started.append(updated)
        uow.commit()
    return started


def prompt_completion(uow: UnitOfWork, clock: Clock) -> int:
    """Write the completion prompts and nudges that are due now; returns how
    many were new."""
    _require_system(uow, "asks mentors to complete sessions")
    written = 0
    with uow:
        now = clock.now()
        steps: tuple[tuple[str, datetime, datetime, dict[str, int]], ...] = (
            ("complete_prompt", now - NUDGE_AFTER, now, {}),
            ("complete_nudge", now - GIVE_UP_AFTER, now - NUDGE_AFTER, {"nudge": 1}),
        )
        for event, after, until, extra in steps:

            def ended(
                following: Session | None, after: datetime = after, until: datetime = until
            ) -> list[Session]:
                return uow.sessions.ending_between(
                    _RUNNING, after, until, PAGE, following=following
                )

            for page in pages(ended):
                people = uow.users.get_many({p for s in page for p in (s.mentor_id, s.mentee_id)})
                for session in page:
                    mentor = people.get(session.mentor_id)
                    if mentor is None:
                        continue
                    mentee = people.get(session.mentee_id)
                    written += notify(
                        uow,
                        now=now,
                        recipient=mentor,
                        kind=NotificationKind.COMPLETE_PROMPT,
                        session=session,
                        key=f"{event}:{session.id}:{instant(session.starts_at)}",
                        other_name=mentee.display_name if mentee else "",
                        **extra,
                    )
        uow.commit()
    return written


def run_lifecycle(uow_factory: Callable[[], UnitOfWork], clock: Clock) -> LifecycleReport:
    """Expire, start, then prompt — each in a unit of work of its own, so one
    step's failure does not undo the steps before it."""
    expired = len(expire_overdue_requests(uow_factory(), clock))
    started = len(start_due_sessions(uow_factory(), clock))
    prompted = prompt_completion(uow_factory(), clock)
    forget_old_events(uow_factory(), clock)
    return LifecycleReport(expired=expired, started=started, prompted=prompted)


def _require_system(uow: UnitOfWork, doing: str) -> None:
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed(f"Only the scheduler {doing}.")
