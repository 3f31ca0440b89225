"""Turns database refusals into domain errors a person can read.

The constraint names are fixed by the naming convention in `storage.base` and
by the migrations, so they are a stable key here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from domain.errors import Conflict, DomainError, InvalidInput, NotAllowed, SlotTaken

EXCLUSION_VIOLATION = "23P01"
UNIQUE_VIOLATION = "23505"
CHECK_VIOLATION = "23514"
FOREIGN_KEY_VIOLATION = "23503"
INSUFFICIENT_PRIVILEGE = "42501"

_BY_CONSTRAINT: dict[str, DomainError] = {
    "ex_sessions_mentor_overlap": SlotTaken(
        "The mentor already has a session at that time. Please pick another slot."
    ),
    "ex_sessions_mentee_overlap": SlotTaken(
        "You already have a session at that time. Please pick another slot."
    ),
    "uq_feedback_session_id_author_id": Conflict("You already left feedback for this session."),
    "ck_feedback_rating_range": InvalidInput("A rating is from 1 to 5 stars.", field="rating"),
    "ck_feedback_comment_length": InvalidInput(
        "A comment can be at most 2000 characters.", field="comment"
    ),
    "ck_sessions_ends_after_it_starts": InvalidInput("A session must end after it starts."),
    "ck_sessions_not_self": NotAllowed("You cannot book a session with yourself."),
    "uq_availability_user_id_weekday_start_time": Conflict(
        "You already have a slot starting at that time on that day."
    ),
}

_BY_STATE: dict[str, DomainError] = {
    INSUFFICIENT_PRIVILEGE: NotAllowed(),
    CHECK_VIOLATION: InvalidInput(),
    FOREIGN_KEY_VIOLATION: InvalidInput("That refers to something that does not exist."),
}


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def constraint_name(exc: DBAPIError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def to_domain_error(exc: DBAPIError) -> DomainError | None:
    """The domain error this refusal means, or None for a real fault."""
    known = _BY_CONSTRAINT.get(constraint_name(exc) or "")
    if known is None:
        known = _BY_STATE.get(sqlstate(exc) or "")
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
