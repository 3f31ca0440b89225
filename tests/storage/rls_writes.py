"""The write cases of the row-level security matrix (`test_rls_matrix.py`): what
a member may write into a row, beyond whether they may write the row at all.
`{mentor}`, `{mentee}`, `{bystander}` and `{session}` (the world's completed
session) are filled in by the test; the world's goal is the mentee's."""

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
KEYED_NOTICE = (
    "INSERT INTO notifications (id, workspace_id, recipient_id, kind, session_id,"
    " idempotency_key) VALUES (gen_random_uuid(), 'T1', {{mentor}}, 'request_received',"
    " {{session}}, {key})"
)
# The world's history row of its session, written by the mentee.
MENTEES_TRANSITION = "(SELECT max(id) FROM session_history WHERE session_id = {session})"


def _own_key(event: str) -> str:
    """A notice key naming the mentee's own change (the booking) with `event`."""
    return f"'session:{{session}}:{event}:' || {MENTEES_TRANSITION} || ':' || {{mentor}}"


SCHEDULED = (*REQUEST, "UPDATE sessions SET status = 'scheduled' WHERE status = 'requested'")
# ... and its invite sent to both calendars (SEQUENCE 0).
INVITED = (*SCHEDULED, "UPDATE sessions SET calendar_sequence = 0 WHERE status = 'scheduled'")
# A new token (hashed) for the mentor's feed, which the world holds, as a reset writes it.
NEW_MENTORS_TOKEN = (
    "INSERT INTO calendar_feeds (workspace_id, user_id, token_hash)"
    " VALUES ('T1', {mentor}, repeat('d', 64)) ON CONFLICT (workspace_id, user_id)"
    " DO UPDATE SET token_hash = excluded.token_hash"
)


HISTORY = (
    "INSERT INTO session_history (workspace_id, session_id, actor_id, from_status, to_status,"
    " starts_at, ends_at) SELECT 'T1', id, {{mentee}}, 'requested', 'cancelled',"
    " starts_at{shift}, ends_at{shift} FROM sessions WHERE status = 'cancelled'"
)


def _cancel_and_record(shift: str = "") -> str:
    """The mentee cancels the request and records it, in one transaction."""
    return f"{CANCELLED[1]}; {HISTORY.format(shift=shift)}"


# The world's goal, the mentee's, and a request of theirs about it (as the system).
GOAL = "(SELECT min(id) FROM goals WHERE user_id = {mentee})"
ABOUT_THE_GOAL = (_new_session(goal_id=GOAL),)
REQUESTED = "(SELECT id FROM sessions WHERE status = 'requested')"
GOAL_STARTED = "UPDATE goals SET status = 'in_progress' WHERE user_id = {mentee}"


def _goal_history(to_status: str = "in_progress", session: str = "NULL") -> str:
    """The mentee records a change of their goal from not started."""
    return (
        "INSERT INTO goal_history (workspace_id, goal_id, actor_id, from_status, to_status,"
        f" session_id) VALUES ('T1', {GOAL}, {{mentee}}, 'not_started', '{to_status}', {session})"
    )


def _move(status: str, also: str = "") -> str:
    """An hour later, from the scheduled session, leaving it `status` (and
    setting `also`, more columns)."""
    return (
        "UPDATE sessions SET starts_at = starts_at + interval '1 hour',"
        " ends_at = ends_at + interval '1 hour', previous_starts_at = starts_at,"
        f" status = '{status}'{also} WHERE status = 'scheduled'"
    )


def _set_status(status: str, where: str = "requested") -> str:
    return f"UPDATE sessions SET status = '{status}' WHERE status = '{where}'"


SETTING_CHANGE = "UPDATE workspace_settings SET digest_weekday = 4 WHERE workspace_id = 'T1'"
CHANNEL_CHANGE = "UPDATE workspaces SET digest_channel = 'C0NEW' WHERE id = 'T1'"


def _audit(field: str, actor: str = "UADMIN") -> str:
    """An audit row of T1's settings, naming `actor`."""
    return (
        "INSERT INTO workspace_settings_audit (workspace_id, actor, at, field, new_value)"
        f" VALUES ('T1', '{actor}', '{NEXT.isoformat()}', '{field}', 'x')"
    )


@dataclass(frozen=True)
class Write:
    name: str
    actor: str  # the Slack id of a member of T1, or "system"
    sql: str
    allowed: bool
    prepare: tuple[str, ...] = ()
    role: str = "member"


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
        "a participant notifies the other participant without a key",
        "UMENTEE",
        NOTICE.format(recipient="{mentor}"),
        allowed=False,
    ),
    Write(
        "a participant notifies themselves without a key",
        "UMENTEE",
        NOTICE.format(recipient="{mentee}"),
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
    Write(
        "a mentee moves a scheduled session and keeps it scheduled",
        "UMENTEE",
        _move("scheduled"),
        allowed=False,
        prepare=SCHEDULED,
    ),
    Write(
        "a mentee moves a scheduled session back to the mentor to confirm",
        "UMENTEE",
        _move("requested"),
        allowed=True,
        prepare=SCHEDULED,
    ),
    Write(
        "the mentor moves a scheduled session",
        "UMENTOR",
        _move("scheduled"),
        allowed=True,
        prepare=SCHEDULED,
    ),
    Write(
        "the mentor accepts a request and sends the invite",
        "UMENTOR",
        "UPDATE sessions SET status = 'scheduled', calendar_sequence = 0"
        " WHERE status = 'requested'",
        allowed=True,
        prepare=REQUEST,
    ),
    Write(
        "a participant sends a calendar update with no change of status or time",
        "UMENTEE",
        "UPDATE sessions SET calendar_sequence = 0 WHERE status = 'scheduled'",
        allowed=False,
        prepare=SCHEDULED,
    ),
    Write(
        "the mentor moves a session and sends the update",
        "UMENTOR",
        _move("scheduled", ", calendar_sequence = 1"),
        allowed=True,
        prepare=INVITED,
    ),
    Write(
        "the mentor moves a session and skips a calendar sequence",
        "UMENTOR",
        _move("scheduled", ", calendar_sequence = 2"),
        allowed=False,
        prepare=INVITED,
    ),
    Write(
        "a participant cancels a session and takes it out of the calendars' count",
        "UMENTEE",
        "UPDATE sessions SET status = 'cancelled', calendar_sequence = NULL"
        " WHERE status = 'scheduled'",
        allowed=False,
        prepare=INVITED,
    ),
    Write(
        "the system sets any calendar sequence",
        "system",
        "UPDATE sessions SET calendar_sequence = 7 WHERE status = 'scheduled'",
        allowed=True,
        prepare=INVITED,
    ),
    Write(
        "a member gives themselves a new feed token",
        "UMENTOR",
        NEW_MENTORS_TOKEN,
        allowed=True,
    ),
    Write(
        "a member replaces another person's feed token",
        "UMENTEE",
        NEW_MENTORS_TOKEN,
        allowed=False,
    ),
    Write(
        "a member moves their feed to another person",
        "UMENTOR",
        "UPDATE calendar_feeds SET user_id = {mentee} WHERE user_id = {mentor}",
        allowed=False,
    ),
    Write(
        "a member stores a feed token in the clear",
        "UMENTOR",
        "UPDATE calendar_feeds SET token_hash = 'my-secret-token' WHERE user_id = {mentor}",
        allowed=False,
    ),
    Write(
        "a mentor rewrites the notes of a completed session",
        "UMENTOR",
        "UPDATE sessions SET notes = 'rewritten' WHERE id = {session}",
        allowed=False,
    ),
    Write(
        "a mentee writes notes on their request",
        "UMENTEE",
        "UPDATE sessions SET notes = 'mine' WHERE status = 'requested'",
        allowed=False,
        prepare=REQUEST,
    ),
    Write(
        "a mentee requests someone who is no mentor",
        "UMENTEE",
        "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at)"
        " VALUES ('T1', {bystander}, {mentee}, " + TIMES + ")",
        allowed=False,
    ),
    Write(
        "a mentee requests a mentor who left",
        "UMENTEE",
        REQUEST[0],
        allowed=False,
        prepare=("UPDATE users SET is_active = false WHERE id = {mentor}",),
    ),
    Write(
        "a participant takes the key of a notice of a change they did not make",
        "UMENTEE",
        KEYED_NOTICE.format(key="'session:{session}:moved:999999999:{mentor}'"),
        allowed=False,
    ),
    Write(
        "a participant keys a notice by a change they made",
        "UMENTEE",
        KEYED_NOTICE.format(key=_own_key("requested")),
        allowed=True,
    ),
    Write(
        "a participant keys notices by made-up events of one change (a flood)",
        "UMENTEE",
        KEYED_NOTICE.format(key=_own_key("hello")),
        allowed=False,
    ),
    Write(
        "a participant calls their request a move",
        "UMENTEE",
        KEYED_NOTICE.format(key=_own_key("moved")),
        allowed=False,
    ),
    Write(
        "a participant keys a request's notice as a calendar update",
        "UMENTEE",
        KEYED_NOTICE.format(key=_own_key("calendar")),
        allowed=False,
    ),
    Write(
        "a participant keys a notice as their own feedback",
        "UMENTEE",
        KEYED_NOTICE.format(key="'feedback:{session}:{mentee}'"),
        allowed=True,
    ),
    Write(
        "a participant takes the key of the other side's feedback",
        "UMENTEE",
        KEYED_NOTICE.format(key="'feedback:{session}:{mentor}'"),
        allowed=False,
    ),
    Write(
        "an admin rewrites the count of notices given up on",
        "UADMIN",
        "UPDATE workspaces SET undelivered_notices = 7 WHERE id = 'T1'",
        allowed=False,
        role="admin",
    ),
    Write(
        "an admin sets the digest channel",
        "UADMIN",
        "UPDATE workspaces SET digest_channel = 'C2' WHERE id = 'T1'",
        allowed=True,
        role="admin",
    ),
    Write(
        "a participant records the change they made",
        "UMENTEE",
        _cancel_and_record(),
        allowed=True,
        prepare=REQUEST,
    ),
    Write(
        "a participant records a change at another time than the session's",
        "UMENTEE",
        _cancel_and_record(shift=" + interval '1 hour'"),
        allowed=False,
        prepare=REQUEST,
    ),
    Write(
        "a member takes the next history id",
        "UMENTEE",
        "INSERT INTO session_history (id, workspace_id, session_id, actor_id, to_status,"
        " starts_at, ends_at) SELECT nextval(pg_get_serial_sequence('session_history', 'id'))"
        " + 1000, 'T1', id, {mentee}, 'cancelled', starts_at, ends_at FROM sessions"
        " WHERE status = 'cancelled'",
        allowed=False,
        prepare=CANCELLED,
    ),
    Write(
        "a member rewrites when a session last moved",
        "UMENTEE",
        "UPDATE sessions SET previous_starts_at = starts_at WHERE status = 'requested'",
        allowed=False,
        prepare=REQUEST,
    ),
    Write(
        "a mentee records the change they made to their goal",
        "UMENTEE",
        f"{GOAL_STARTED}; {_goal_history()}",
        allowed=True,
    ),
    Write(
        "a mentee records a change of their goal that did not happen",
        "UMENTEE",
        f"{GOAL_STARTED}; {_goal_history('achieved')}",
        allowed=False,
    ),
    Write(
        "a mentee ties a goal change to their session about that goal",
        "UMENTEE",
        f"{GOAL_STARTED}; {_goal_history(session=REQUESTED)}",
        allowed=True,
        prepare=ABOUT_THE_GOAL,
    ),
    Write(
        "a mentee ties a goal change to a session that was not about it",
        "UMENTEE",
        f"{GOAL_STARTED}; {_goal_history(session='{session}')}",
        allowed=False,
    ),
    Write(
        "a mentee hands their goal to someone else",
        "UMENTEE",
        "UPDATE goals SET user_id = {bystander} WHERE user_id = {mentee}",
        allowed=False,
    ),
    Write(
        "a member takes the next goal id",
        "UMENTEE",
        "INSERT INTO goals (id, workspace_id, user_id, title) VALUES"
        " (nextval(pg_get_serial_sequence('goals', 'id')) + 1000, 'T1', {mentee}, 'Mine')",
        allowed=False,
    ),
    Write(
        "a mentee asks for a session about their goal",
        "UMENTEE",
        ABOUT_THE_GOAL[0],
        allowed=True,
    ),
    Write(
        "a mentee changes which goal their request is about",
        "UMENTEE",
        "UPDATE sessions SET goal_id = NULL WHERE status = 'requested'",
        allowed=False,
        prepare=ABOUT_THE_GOAL,
    ),
    Write(
        "a mentee stretches their request to a day",
        "UMENTEE",
        "UPDATE sessions SET ends_at = starts_at + interval '1 day', status = 'requested',"
        " previous_starts_at = starts_at WHERE status = 'requested'",
        allowed=False,
        prepare=REQUEST,
    ),
    Write(
        "a manager changes a setting and records the change",
        "UADMIN",
        f"{SETTING_CHANGE}; {_audit('digest_weekday')}",
        allowed=True,
        role="admin",
    ),
    Write(
        "a manager changes the digest channel and records the change",
        "UADMIN",
        f"{CHANNEL_CHANGE}; {_audit('digest_channel')}",
        allowed=True,
        role="admin",
    ),
    Write(
        "a manager records a change nobody made",
        "UADMIN",
        _audit("digest_weekday"),
        allowed=False,
        role="admin",
    ),
    Write(
        "a manager records a channel change after changing another setting",
        "UADMIN",
        f"{SETTING_CHANGE}; {_audit('digest_channel')}",
        allowed=False,
        role="admin",
    ),
    Write(
        "a manager records their change in another's name",
        "UADMIN",
        f"{SETTING_CHANGE}; {_audit('digest_weekday', actor='UMENTOR')}",
        allowed=False,
        role="admin",
    ),
    Write(
        "a member changes a setting and records the change",
        "UMENTEE",
        f"{SETTING_CHANGE}; {_audit('digest_weekday', actor='UMENTEE')}",
        allowed=False,
    ),
)
