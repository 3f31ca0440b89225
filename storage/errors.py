"""Turns database refusals into domain errors a person can read.

The constraint names are fixed by the naming convention in `storage.base` and
by the migrations, so they are a stable key here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from domain import limits
from domain.errors import Conflict, DomainError, InvalidInput, NotAllowed, SlotTaken

EXCLUSION_VIOLATION = "23P01"
CHECK_VIOLATION = "23514"
FOREIGN_KEY_VIOLATION = "23503"
INSUFFICIENT_PRIVILEGE = "42501"
DEADLOCK_DETECTED = "40P01"
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"

_BY_CONSTRAINT: dict[str, DomainError] = {
    "ex_sessions_mentor_overlap": SlotTaken(
        "The mentor already has a session at that time. Please pick another slot."
    ),
    "ex_sessions_mentee_overlap": SlotTaken(
        "You already have a session at that time. Please pick another slot."
    ),
    # A person's time, whichever role they hold in each session (migration 0010).
    "ex_session_busy_overlap": SlotTaken(
        "One of you already has a session at that time. Please pick another slot."
    ),
    "uq_feedback_session_id_author_id": Conflict("You already left feedback for this session."),
    "uq_feedback_session_id_mentor": Conflict("You already left feedback for this session."),
    "ck_feedback_rating_range": InvalidInput("A rating is from 1 to 5 stars.", field="rating"),
    "ck_feedback_comment_length": InvalidInput(
        "A comment can be at most 2000 characters.", field="comment"
    ),
    "ck_sessions_ends_after_it_starts": InvalidInput("A session must end after it starts."),
    "ck_sessions_not_self": NotAllowed("You cannot book a session with yourself."),
    "ck_sessions_length_range": InvalidInput("A session lasts from 15 to 240 minutes."),
    "ck_sessions_topic_length": InvalidInput(
        f"A topic can be at most {limits.TOPIC} characters.", field="topic"
    ),
    "ck_sessions_notes_length": InvalidInput(
        f"Notes can be at most {limits.NOTES} characters.", field="notes"
    ),
    "ck_sessions_cancel_reason_length": InvalidInput(
        f"A reason can be at most {limits.REASON} characters.", field="reason"
    ),
    "ck_goals_title_length": InvalidInput(
        f"A goal can be at most {limits.GOAL_TITLE} characters.", field="goal_title"
    ),
    "ck_goals_notes_length": InvalidInput(
        f"Notes can be at most {limits.GOAL_NOTES} characters.", field="goal_notes"
    ),
    # A session names only a goal of its own mentee (migration 0014).
    "fk_sessions_mentee_id_goal_id_workspace_id_goals": InvalidInput(
        "Pick one of your own goals.", field="goal"
    ),
    "uq_availability_user_id_weekday_start_time": Conflict(
        "You already have a slot starting at that time on that day."
    ),
    "uq_users_workspace_id_slack_user_id": Conflict("That person already has a profile."),
    "ck_availability_starts_before_it_ends": InvalidInput("A slot must end after it starts."),
    "ck_availability_weekday_range": InvalidInput("A weekday is Monday to Sunday."),
    "ck_availability_exceptions_kind_shape": InvalidInput(
        "Time off must end on or after its first day, and an extra slot must end after it starts."
    ),
    "ck_users_session_minutes_range": InvalidInput(
        "A session lasts from 15 to 240 minutes.", field="session_minutes"
    ),
    "ck_users_weekly_cap_range": InvalidInput(
        "The weekly limit is from 1 to 50 sessions.", field="max_sessions_per_week"
    ),
    "ck_users_mentor_has_department_and_expertise": InvalidInput(
        "A mentor needs a department and at least one area of expertise."
    ),
    "ck_users_mentee_has_department_and_goals": InvalidInput(
        "A mentee needs a department and at least one learning goal."
    ),
}

_BY_STATE: dict[str, DomainError] = {
    # Any overlap refusal (an INSERT or an UPDATE that moves a session) is a
    # taken slot, whichever exclusion constraint caught it.
    EXCLUSION_VIOLATION: SlotTaken(),
    INSUFFICIENT_PRIVILEGE: NotAllowed(),
    CHECK_VIOLATION: InvalidInput(),
    FOREIGN_KEY_VIOLATION: InvalidInput("That refers to something that does not exist."),
    # The transaction's lock_timeout (see storage.uow): someone else holds the row.
    LOCK_NOT_AVAILABLE: Conflict(
        "Someone else is changing this right now. Please try again in a moment."
    ),
    # The transaction's statement_timeout.
    QUERY_CANCELED: Conflict("That took too long, and nothing was changed. Please try again."),
}
# Refusals that any statement of a transaction may meet (waiting too long), so
# the unit of work translates them wherever they arise.
WAITED_TOO_LONG = frozenset({LOCK_NOT_AVAILABLE, QUERY_CANCELED})


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def constraint_name(exc: DBAPIError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _lost_an_overlap_race(exc: DBAPIError) -> bool:
    """Two bookings that each wait for the other's exclusion check deadlock;
    PostgreSQL aborts one of them, which lost the race for the slot."""
    diag = getattr(exc.orig, "diag", None)
    context = getattr(diag, "context", None) or ""
    return sqlstate(exc) == DEADLOCK_DETECTED and "exclusion constraint" in context


def to_domain_error(exc: DBAPIError) -> DomainError | None:
    """The domain error this refusal means, or None for a real fault."""
    known = _BY_CONSTRAINT.get(constraint_name(exc) or "")
    if known is None:
        known = _BY_STATE.get(sqlstate(exc) or "")
    if known is None and _lost_an_overlap_race(exc):
        known = SlotTaken()
    if known is None:
        return None
    # A fresh instance each time: exceptions carry tracebacks.
    return type(known)(known.message, field=known.field)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise database refusals that the domain knows as domain errors."""
    try:
        yield
    except DBAPIError as exc:
        error = to_domain_error(exc)
        if error is None:
            raise
        raise error from exc
