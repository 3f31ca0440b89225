"""Sessions in people's calendars: what was last sent to them, a meeting room
per session, and each person's private calendar feed.

- `sessions.calendar_sequence`: the iCalendar SEQUENCE of the last invite or
  update sent for the session (NULL: it never went to a calendar). A member's
  change raises it by exactly one, and only with a change of status or time
  (`guard_session_calendar`), so nobody can push a calendar event ahead or
  rewind it.
- `sessions.meeting_token`: the session's part of a meeting room's address
  (`MENTORSHIP_MEETING_URL_TEMPLATE`): 122 random bits the database draws
  (`gen_random_uuid`), never a sequential id. The application role may neither
  write nor change it.
- `calendar_feeds`: per person, the SHA-256 of their feed token (the token
  itself is shown once and never stored). A person reads and replaces only
  their own; the feed's reader finds the owner of a token as the system.
- `notifications.kind` gains `calendar_update`: the notice that carries an
  `.ics` file to each participant's DM.
- A member's keyed session notice names the change it announces
  (`guard_notice_insert`): its event is the status the history row moved the
  session to, `moved` for a move, or `calendar` for a calendar update (and
  only a `calendar_update` notice is keyed `calendar`). 0012 let the event part
  be anything, so one change of one's own could key any number of notices to
  the other participant (a flood); now it keys at most three per recipient.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"
ME = "(SELECT app_user_id())"
SEARCH_PATH = "pg_catalog, public, pg_temp"

KINDS_BEFORE = (
    "request_received",
    "request_accepted",
    "request_declined",
    "session_cancelled",
    "session_rescheduled",
    "request_expired",
    "reminder",
    "session_started",
    "complete_prompt",
    "session_completed",
    "feedback_received",
)
KINDS_AFTER = (*KINDS_BEFORE, "calendar_update")

GUARD_SESSION_CALENDAR = f"""
CREATE FUNCTION guard_session_calendar() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
BEGIN
    IF public.app_role() = 'system'
       OR NEW.calendar_sequence IS NOT DISTINCT FROM OLD.calendar_sequence THEN
        RETURN NEW;
    END IF;
    IF NEW.calendar_sequence IS DISTINCT FROM coalesce(OLD.calendar_sequence, -1) + 1
       OR (NEW.status, NEW.starts_at, NEW.ends_at)
          IS NOT DISTINCT FROM (OLD.status, OLD.starts_at, OLD.ends_at) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'a calendar update follows a change of status or time, one at a time';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER sessions_guard_calendar
    BEFORE UPDATE OF calendar_sequence ON sessions
    FOR EACH ROW EXECUTE FUNCTION guard_session_calendar();
"""

GUARD_NOTICE_INSERT = f"""
CREATE FUNCTION guard_notice_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
DECLARE
    event text := split_part(NEW.idempotency_key, ':', 3);
    row_part text := split_part(NEW.idempotency_key, ':', 4);
    change record;
BEGIN
    IF public.app_role() = 'system' OR NEW.idempotency_key IS NULL
       OR split_part(NEW.idempotency_key, ':', 1) <> 'session' THEN
        RETURN NEW;
    END IF;
    -- The policy has checked the row is the actor's own change of this session.
    SELECT from_status, to_status INTO change FROM session_history
        WHERE id = CASE WHEN row_part ~ '^[0-9]{{1,18}}$' THEN row_part::bigint END;
    IF (event = 'calendar') = (NEW.kind = 'calendar_update')
       AND (event = 'calendar' OR event = change.to_status
            OR (event = 'moved' AND change.from_status IN ('requested', 'scheduled')
                AND change.to_status IN ('requested', 'scheduled'))) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = 'a notice names the change it announces';
END
$$;
CREATE TRIGGER notifications_guard_insert
    BEFORE INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION guard_notice_insert();
"""

MINE = f"{SYSTEM} OR ({SAME_WORKSPACE} AND user_id = {ME})"


def _kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint("ck_notifications_kind_known", "notifications")
    listed = ", ".join(repr(kind) for kind in kinds)
    op.create_check_constraint(
        op.f("ck_notifications_kind_known"), "notifications", f"kind IN ({listed})"
    )


def upgrade() -> None:
    op.add_column("sessions", sa.Column("calendar_sequence", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_sessions_calendar_sequence_not_negative"), "sessions", "calendar_sequence >= 0"
    )
    op.add_column(
        "sessions",
        sa.Column(
            "meeting_token",
            sa.Text(),
            server_default=sa.text("replace(gen_random_uuid()::text, '-', '')"),
            nullable=False,
        ),
    )
    op.execute(f"GRANT UPDATE (calendar_sequence) ON sessions TO {APP_ROLE}")
    op.execute(GUARD_SESSION_CALENDAR)
    _kinds(KINDS_AFTER)
    op.execute(GUARD_NOTICE_INSERT)

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Text(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="token_hash_sha256"),
        sa.UniqueConstraint("workspace_id", "user_id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.execute(
        "GRANT SELECT, INSERT (workspace_id, user_id, token_hash, created_at),"
        f" UPDATE (token_hash, created_at), DELETE ON calendar_feeds TO {APP_ROLE}"
    )
    op.execute("ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY")
    for command, clauses in (
        ("SELECT", f"USING ({MINE})"),
        ("INSERT", f"WITH CHECK ({MINE})"),
        ("UPDATE", f"USING ({MINE}) WITH CHECK ({MINE})"),
        ("DELETE", f"USING ({MINE})"),
    ):
        op.execute(
            f"CREATE POLICY calendar_feeds_{command.lower()} ON calendar_feeds"
            f" FOR {command} {clauses}"
        )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.execute("DROP TRIGGER notifications_guard_insert ON notifications")
    op.execute("DROP FUNCTION guard_notice_insert()")
    op.execute("DELETE FROM notifications WHERE kind = 'calendar_update'")
    _kinds(KINDS_BEFORE)
    op.execute("DROP TRIGGER sessions_guard_calendar ON sessions")
    op.execute("DROP FUNCTION guard_session_calendar()")
    op.execute(f"REVOKE UPDATE (calendar_sequence) ON sessions FROM {APP_ROLE}")
    op.drop_column("sessions", "meeting_token")
    op.drop_constraint("ck_sessions_calendar_sequence_not_negative", "sessions")
    op.drop_column("sessions", "calendar_sequence")
