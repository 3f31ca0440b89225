"""What a member may change in a session, a notice key and a workspace, held
row by row by the database.

0010 checked a member's status change with `session_change_allowed()`, a STABLE
function in the UPDATE policy. It read the status from the statement's
snapshot: an UPDATE that waited for another transaction's change of the same
row was checked against the status from before that change (a completed
session could be cancelled), and it did not look at the times at all (a mentee
could move a scheduled session and keep it scheduled, without the mentor
confirming) nor at finished sessions (a mentor could rewrite the notes of a
completed one).

`guard_session_update`, a BEFORE UPDATE trigger, replaces it. A trigger sees
the row version it is about to replace, the latest committed one, so it
decides on what is really there. For anyone but the system:
- a finished session (declined, cancelled, expired, completed, no-show) does
  not change at all;
- a move (new times) is made from requested or scheduled, records the time it
  left (`previous_starts_at`, which changes with a move only), and leaves the
  session scheduled when the mentor moves it and requested (to be confirmed
  again) when the mentee does;
- a status change is one the person's role may make;
- notes and the length are written by the mentor completing the session, a
  cancel reason only by declining or cancelling;
- `created_at` stays.
Refusals are SQLSTATE 42501, like a policy's. Rules about the time of day
(no move after the start, no completion before it) stay in the domain: they
need the clock, and the app's clock is the one clock (a database `now()`
would differ from it in every test that moves the app's clock).

A session lasts 15 to 240 minutes (the range of `users.session_minutes`), and
its texts are held to the limits of `domain.limits` (CHECK constraints), so a
request cannot block a mentor's calendar for a year.

A member's request is checked against the mentor's row as it is once the
request has it locked (`guard_session_insert`, FOR SHARE): an active mentor
of the workspace. A policy would read the statement's snapshot, and a request
racing the mentor stepping down would slip in.

History is the record of a change made in the same transaction: a member's
history row names a session of theirs that this transaction changed, with its
status and times as they now are. Without this a participant could write
history to move the session's reminders (keyed by the history row that gave
the session its time) or to make notice keys.

Identity columns (`id`) are the database's to give: the application role may
insert and update every other column of the tables that have them, so nobody
can take the ids ahead of the sequence and make everyone's writes fail.

Notice keys: one idempotency key per recipient, not per workspace (the keys
the app writes name the recipient already), and a member may write only the
keys of their own doing: `session:<session>:<event>:<history row>:<recipient>`
for a history row of that session they wrote, or `feedback:<session>:<me>`.
So nobody can write a key first to suppress a notice meant for someone else.
A member's notice to anyone but themselves carries such a key: one notice per
change and recipient, not a flood.

Workspaces: admins may update their workspace's row (0002), but only its
digest channel; whether it is paused and how many notices were given up are
the system's to write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"
SEARCH_PATH = "pg_catalog, public, pg_temp"
REFUSE = "RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE ="

GUARD_SESSION_UPDATE = f"""
CREATE FUNCTION guard_session_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    as_mentor boolean;
    after_a_move text;
BEGIN
    IF public.app_role() = 'system' THEN
        RETURN NEW;
    END IF;
    as_mentor := OLD.mentor_id = public.app_user_id();
    after_a_move := CASE WHEN as_mentor THEN 'scheduled' ELSE 'requested' END;
    IF OLD.status NOT IN ('requested', 'scheduled', 'ongoing') THEN
        {REFUSE} format('session %s is %s and cannot change', OLD.id, OLD.status);
    END IF;
    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        {REFUSE} 'when a session was booked cannot change';
    END IF;
    IF (NEW.starts_at, NEW.ends_at) IS DISTINCT FROM (OLD.starts_at, OLD.ends_at) THEN
        IF OLD.status NOT IN ('requested', 'scheduled')
           OR NEW.status <> after_a_move
           OR NEW.previous_starts_at IS DISTINCT FROM OLD.starts_at THEN
            {REFUSE} 'a move keeps the session scheduled only when its mentor makes it';
        END IF;
    ELSIF NEW.previous_starts_at IS DISTINCT FROM OLD.previous_starts_at THEN
        {REFUSE} 'the time a session left changes only when it moves';
    ELSIF NEW.status <> OLD.status AND (OLD.status, NEW.status) NOT IN (
            ('requested', 'cancelled'), ('scheduled', 'cancelled'))
          AND NOT (as_mentor AND (OLD.status, NEW.status) IN (
            ('requested', 'scheduled'), ('requested', 'declined'),
            ('scheduled', 'ongoing'), ('scheduled', 'completed'), ('ongoing', 'completed'),
            ('scheduled', 'no_show'), ('ongoing', 'no_show'))) THEN
        {REFUSE} format('%s to %s is not a change you can make', OLD.status, NEW.status);
    END IF;
    IF (NEW.notes, NEW.actual_minutes) IS DISTINCT FROM (OLD.notes, OLD.actual_minutes)
       AND NOT (as_mentor AND NEW.status = 'completed') THEN
        {REFUSE} 'notes and length are written when the mentor completes the session';
    END IF;
    IF NEW.cancel_reason IS DISTINCT FROM OLD.cancel_reason
       AND NEW.status NOT IN ('declined', 'cancelled') THEN
        {REFUSE} 'a reason is given when declining or cancelling';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER sessions_guard_update
    BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION guard_session_update();
"""

GUARD_SESSION_INSERT = f"""
CREATE FUNCTION guard_session_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    caller_role text := public.app_role();
    bookable boolean;
BEGIN
    IF caller_role = 'system' THEN
        RETURN NEW;
    END IF;
    -- Locking a row another member owns takes the system's view of it.
    PERFORM set_config('app.role', 'system', true);
    SELECT true INTO bookable
      FROM public.users m
     WHERE m.id = NEW.mentor_id AND m.workspace_id = NEW.workspace_id
       AND m.is_mentor AND m.is_active
       FOR SHARE;
    PERFORM set_config('app.role', coalesce(caller_role, ''), true);
    IF bookable IS NULL THEN
        {REFUSE} 'a session is requested only with an active mentor of the workspace';
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION guard_session_insert() FROM PUBLIC;
CREATE TRIGGER sessions_guard_insert
    BEFORE INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION guard_session_insert();
"""

GUARD_WORKSPACE_UPDATE = f"""
CREATE FUNCTION guard_workspace_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
BEGIN
    -- Every column but the channel, those a later migration adds included.
    IF public.app_role() IS DISTINCT FROM 'system'
       AND to_jsonb(NEW) - 'digest_channel' <> to_jsonb(OLD) - 'digest_channel' THEN
        {REFUSE} 'only the digest channel of a workspace is changed by people';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER workspaces_guard_update
    BEFORE UPDATE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION guard_workspace_update();
"""

# As 0010 made them (the downgrade puts them back).
SESSION_CHANGE_ALLOWED = f"""
CREATE FUNCTION session_change_allowed(p_id bigint, p_status text, p_as_mentor boolean)
    RETURNS boolean LANGUAGE plpgsql STABLE
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    before text;
BEGIN
    SELECT s.status INTO before FROM public.sessions s WHERE s.id = p_id;
    IF before IS NULL OR before = p_status THEN
        RETURN before IS NOT NULL;
    END IF;
    IF p_as_mentor THEN
        RETURN (before, p_status) IN (
            ('requested', 'scheduled'), ('requested', 'declined'),
            ('requested', 'cancelled'), ('scheduled', 'cancelled'),
            ('scheduled', 'ongoing'), ('scheduled', 'completed'),
            ('ongoing', 'completed'), ('scheduled', 'no_show'), ('ongoing', 'no_show'));
    END IF;
    RETURN (before, p_status) IN (
        ('requested', 'cancelled'), ('scheduled', 'cancelled'), ('scheduled', 'requested'));
END
$$;
"""
PARTICIPANT = f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id))"
VISIBLE_SESSION = "EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id)"
# `xmin` is the transaction that wrote the row version: this one.
CHANGED_HERE = (
    "EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id"
    f" AND {ME} IN (s.mentor_id, s.mentee_id) AND s.xmin = pg_current_xact_id()::xid"
    " AND s.status = to_status AND s.starts_at = session_history.starts_at"
    " AND s.ends_at = session_history.ends_at)"
)
HISTORY_INSERT = (
    f"{SYSTEM} OR ({SAME_WORKSPACE} AND actor_id = {ME} AND {VISIBLE_SESSION})",
    f"{SYSTEM} OR ({SAME_WORKSPACE} AND actor_id = {ME} AND {CHANGED_HERE})",
)
SESSION_UPDATE_CHECK = (
    f"{SYSTEM} OR ({SAME_WORKSPACE} AND {ME} IN (mentor_id, mentee_id)"
    f" AND session_change_allowed(id, status, mentor_id = {ME}))",
    PARTICIPANT,
)

TO_A_PARTICIPANT = (
    f"({SAME_WORKSPACE} AND (recipient_id = {ME} OR EXISTS ("
    f" SELECT 1 FROM sessions s WHERE s.id = session_id AND {ME} IN (s.mentor_id, s.mentee_id)"
    " AND recipient_id IN (s.mentor_id, s.mentee_id))))"
)
KEY_PART = "split_part(idempotency_key, ':', {})"
HISTORY_ROW = (
    f"CASE WHEN {KEY_PART.format(4)} ~ '^[0-9]{{1,18}}$' THEN {KEY_PART.format(4)}::bigint END"
)
MY_KEY = (
    f"((idempotency_key IS NULL AND recipient_id = {ME})"
    f" OR idempotency_key = 'feedback:' || session_id || ':' || {ME}"
    f" OR ({KEY_PART.format(1)} = 'session' AND {KEY_PART.format(2)} = session_id::text"
    f" AND {KEY_PART.format(5)} = recipient_id::text AND {KEY_PART.format(6)} = ''"
    " AND EXISTS (SELECT 1 FROM session_history h"
    f" WHERE h.id = {HISTORY_ROW} AND h.session_id = notifications.session_id"
    f" AND h.actor_id = {ME})))"
)
NOTICE_INSERT = (
    f"{SYSTEM} OR {TO_A_PARTICIPANT}",
    f"{SYSTEM} OR ({TO_A_PARTICIPANT} AND {MY_KEY})",
)

# (policy, table, its WITH CHECK (before, after)); before is what 0010 left.
POLICIES = (
    ("session_history_insert", "session_history", HISTORY_INSERT),
    ("sessions_update", "sessions", SESSION_UPDATE_CHECK),
    ("notifications_insert", "notifications", NOTICE_INSERT),
)
# Every column but `id`, as of this migration (a later migration adding a
# column grants what the application writes of it).
COLUMNS = {
    "availability": "workspace_id, user_id, weekday, start_time, end_time",
    "availability_exceptions": (
        "workspace_id, user_id, kind, first_day, last_day, start_time, end_time"
    ),
    "feedback": (
        "workspace_id, session_id, author_id, subject_id, subject_role, rating, comment, created_at"
    ),
    "session_history": (
        "workspace_id, session_id, actor_id, from_status, to_status, starts_at, ends_at,"
        " reason, created_at"
    ),
    "users": (
        "workspace_id, slack_user_id, display_name, title, department, time_zone, is_mentor,"
        " is_mentee, is_active, bio, expertise, learning_goals, meeting_link, session_minutes,"
        " max_sessions_per_week, created_at, updated_at"
    ),
}
# (table, command); users' UPDATE is column-wise since 0010.
GRANTS = (
    *((table, "INSERT") for table in COLUMNS),
    ("availability", "UPDATE"),
    ("availability_exceptions", "UPDATE"),
)
# The limits of `domain.limits` when this was written (the models name them).
CHECKS = (
    (
        "length_range",
        "ends_at - starts_at BETWEEN interval '15 minutes' AND interval '240 minutes'",
    ),
    ("topic_length", "char_length(topic) <= 300"),
    ("notes_length", "char_length(notes) <= 3000"),
    ("cancel_reason_length", "char_length(cancel_reason) <= 500"),
)
KEYS = (
    ("uq_notifications_workspace_id_idempotency_key", "workspace_id, idempotency_key"),
    (
        "uq_notifications_workspace_id_recipient_id_idempotency_key",
        "workspace_id, recipient_id, idempotency_key",
    ),
)


def _policies(version: int) -> None:
    for name, table, checks in POLICIES:
        op.execute(f"ALTER POLICY {name} ON {table} WITH CHECK ({checks[version]})")


def _key(version: int) -> None:
    old, new = KEYS[1 - version], KEYS[version]
    op.execute(f"ALTER TABLE notifications DROP CONSTRAINT {old[0]}")
    op.execute(f"ALTER TABLE notifications ADD CONSTRAINT {new[0]} UNIQUE ({new[1]})")


def _grants(*, without_id: bool) -> None:
    """Revoking a table privilege takes its column privileges with it."""
    for table, command in GRANTS:
        op.execute(f"REVOKE {command} ON {table} FROM {APP_ROLE}")
        target = f"{command} ({COLUMNS[table]})" if without_id else command
        op.execute(f"GRANT {target} ON {table} TO {APP_ROLE}")


def upgrade() -> None:
    op.execute(GUARD_SESSION_UPDATE)
    op.execute(GUARD_SESSION_INSERT)
    op.execute(GUARD_WORKSPACE_UPDATE)
    _policies(1)
    op.execute("DROP FUNCTION session_change_allowed(bigint, text, boolean)")
    _key(1)
    _grants(without_id=True)
    for name, condition in CHECKS:
        op.create_check_constraint(name, "sessions", condition)


def downgrade() -> None:
    for name, _ in CHECKS:
        op.drop_constraint(f"ck_sessions_{name}", "sessions")
    _grants(without_id=False)
    _key(0)
    op.execute(SESSION_CHANGE_ALLOWED)
    _policies(0)
    op.execute("DROP TRIGGER sessions_guard_insert ON sessions")
    op.execute("DROP FUNCTION guard_session_insert()")
    op.execute("DROP TRIGGER workspaces_guard_update ON workspaces")
    op.execute("DROP FUNCTION guard_workspace_update()")
    op.execute("DROP TRIGGER sessions_guard_update ON sessions")
    op.execute("DROP FUNCTION guard_session_update()")
