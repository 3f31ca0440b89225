"""The write cases of the row-level security matrix (`test_rls_matrix.py`): what
a member may write into a row, beyond whether they may write the row at all.
`{mentor}`, `{mentee}`, `{bystander}` and `{session}` (the world's completed
session) are filled in by the test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.dates import MONDAY

NEXT = MONDAY + timedelta(hours=9)
TIMES = f"'{NEXT.isoformat()}', '{(NEXT + timedelta(minutes=30)).isoformat()}'"


def _new_session(**values: str) -> str:
    """A session of the mentee's with the mentor, with these extra column values."""
    columns = "".join(f", {column}" for column in values)
    given = "".join(f", {value}" for value in values.values())
    return (
        f"INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at{columns})"
        " VALUES ('T1', {mentor}, {mentee}, " + TIMES + given + ")"
    )


# Prepared as the system: a request of the mentee's with the mentor.
REQUEST = (_new_session(),)
CANCELLED = (*REQUEST, "UPDATE sessions SET status = 'cancelled' WHERE status = 'requested'")
NOTICE = (
    "INSERT INTO notifications (id, workspace_id, recipient_id, kind, session_id)"
    " VALUES (gen_random_uuid(), 'T1', {recipient}, 'request_received', {{session}})"
)


def _set_status(status: str, where: str = "requested") -> str:
    return f"UPDATE sessions SET status = '{status}' WHERE status = '{where}'"


@dataclass(frozen=True)
class Write:
    name: str
    actor: str  # the Slack id of a member of T1, or "system"
    sql: str
    allowed: bool
    prepare: tuple[str, ...] = ()


WRITES = (
    Write(
        "a mentee reassigns the mentor",
        "UMENTEE",
        "UPDATE sessions SET mentor_id = {bystander} WHERE id = {session}",
        allowed=False,
    ),
    Write(
        "a mentor enrols a third person",
        "UMENTOR",
        "UPDATE sessions SET mentee_id = {bystander} WHERE id = {session}",
        allowed=False,
    ),
    Write(
        "a mentee inserts a completed session rated 5",
        "UMENTEE",
        _new_session(status="'completed'", rating="5"),
        allowed=False,
    ),
    Write(
        "a mentee inserts a completed session",
        "UMENTEE",
        _new_session(status="'completed'"),
        allowed=False,
    ),
    Write("a mentee inserts a request", "UMENTEE", REQUEST[0], allowed=True),
    Write(
        "a mentee accepts their own request",
        "UMENTEE",
        _set_status("scheduled"),
        allowed=False,
        prepare=REQUEST,
    ),
    Write(
        "the mentor accepts the request",
        "UMENTOR",
        _set_status("scheduled"),
        allowed=True,
        prepare=REQUEST,
    ),
    Write(
        "a mentee cancels their request",
        "UMENTEE",
        _set_status("cancelled"),
        allowed=True,
        prepare=REQUEST,
    ),
    Write(
        "a mentee revives a cancelled session",
        "UMENTEE",
        _set_status("requested", where="cancelled"),
        allowed=False,
        prepare=CANCELLED,
    ),
    Write(
        "a mentor expires a request",
        "UMENTOR",
        _set_status("expired"),
        allowed=False,
        prepare=REQUEST,
    ),
    Write(
        "the system expires a request",
        "system",
        _set_status("expired"),
        allowed=True,
        prepare=REQUEST,
    ),
    Write(
        "a participant notifies a bystander about their session",
        "UMENTEE",
        NOTICE.format(recipient="{bystander}"),
        allowed=False,
    ),
    Write(
        "a participant notifies the other participant",
        "UMENTEE",
        NOTICE.format(recipient="{mentor}"),
        allowed=True,
    ),
    Write(
        "the system notifies anyone",
        "system",
        NOTICE.format(recipient="{bystander}"),
        allowed=True,
    ),
    Write(
        "a notice is handed to someone else",
        "UMENTOR",
        "UPDATE notifications SET recipient_id = {bystander}"
        " WHERE id = '00000000-0000-0000-0000-000000000001'",
        allowed=False,
    ),
    Write(
        "a member takes another Slack identity",
        "UMENTEE",
        "UPDATE users SET slack_user_id = 'UADMIN2' WHERE slack_user_id = 'UMENTEE'",
        allowed=False,
    ),
)
