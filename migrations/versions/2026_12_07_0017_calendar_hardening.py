"""Calendar hardening: the database holds the rules the domain checks.

- `users.meeting_link` is a web address (`ck_users_meeting_link_web_address`):
  http(s) and a host, then no space, control character, double quote, angle
  bracket, `|`, backslash, caret, brace or backtick; at most 500 characters
  (domain.profiles' rule). Added NOT VALID, then validated when no row breaks
  it, so rows written before the rule do not block the upgrade. Such a row
  takes no other write until its link is mended (PostgreSQL checks every new
  row version): the profile modal shows the link with the domain's field
  error; an operator may clear the old links and VALIDATE the constraint.
- `sessions.calendar_sequence` (0013's `guard_session_calendar`): a member
  gave a session that never reached a calendar (NULL) its SEQUENCE 0 with any
  change of status (a request cancelled by its mentee, say), so it appeared in
  both people's feeds as a cancelled event. Being scheduled is the one way
  into calendars (`domain.calendar.calendar_change`); now the database holds
  that too. (A reset to NULL, a rewind or a jump were already refused, and a
  member's insert may name neither the sequence nor the meeting token: its
  column grants leave them out; tests/storage/test_calendar_hardening.py
  keeps all of these.)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_PATH = "pg_catalog, public, pg_temp"

# domain.profiles' rule, in SQL (kept equal to `MEETING_LINK_PATTERN` there and
# to storage.models.people's constraint).
MEETING_LINK_RULE = (
    "meeting_link IS NULL OR (length(meeting_link) <= 500 AND meeting_link ~ '^[Hh][Tt][Tt][Pp][Ss]?://"
    '[^[:space:][:cntrl:]<>"|\\\\^{}`/?#@][^[:space:][:cntrl:]<>"|\\\\^{}`]*$\')'
)

# Validated at once where no row breaks the rule (a new database, most old
# ones), so the constraint is as trusted as any; left NOT VALID otherwise. The
# owner is held by the forced policies too: it looks as the system, then
# puts the role back as it was.
VALIDATE_WHEN_CLEAN = f"""
DO $$
DECLARE
    was text := current_setting('app.role', true);
    clean boolean;
BEGIN
    PERFORM set_config('app.role', 'system', true);
    SELECT NOT EXISTS (SELECT 1 FROM users WHERE NOT ({MEETING_LINK_RULE})) INTO clean;
    PERFORM set_config('app.role', coalesce(was, ''), true);
    IF clean THEN
        ALTER TABLE users VALIDATE CONSTRAINT ck_users_meeting_link_web_address;
    END IF;
END
$$;
"""

REFUSE = "RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE ="

GUARD_SESSION_CALENDAR_0013 = f"""
CREATE OR REPLACE FUNCTION guard_session_calendar() RETURNS trigger
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
"""

GUARD_SESSION_CALENDAR = f"""
CREATE OR REPLACE FUNCTION guard_session_calendar() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
BEGIN
    IF public.app_role() = 'system'
       OR NEW.calendar_sequence IS NOT DISTINCT FROM OLD.calendar_sequence THEN
        RETURN NEW;
    END IF;
    -- One up, never back, never to NULL (NULL is distinct from any number).
    IF NEW.calendar_sequence IS DISTINCT FROM coalesce(OLD.calendar_sequence, -1) + 1
       OR (NEW.status, NEW.starts_at, NEW.ends_at)
          IS NOT DISTINCT FROM (OLD.status, OLD.starts_at, OLD.ends_at) THEN
        {REFUSE} 'a calendar update follows a change of status or time, one at a time';
    END IF;
    -- Into the calendars only by being scheduled (domain.calendar).
    IF OLD.calendar_sequence IS NULL AND NEW.status <> 'scheduled' THEN
        {REFUSE} 'a session enters calendars when it is scheduled';
    END IF;
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE users ADD CONSTRAINT ck_users_meeting_link_web_address"
        f" CHECK ({MEETING_LINK_RULE}) NOT VALID"
    )
    op.execute(VALIDATE_WHEN_CLEAN)
    op.execute(GUARD_SESSION_CALENDAR)


def downgrade() -> None:
    op.execute(GUARD_SESSION_CALENDAR_0013)
    op.execute("ALTER TABLE users DROP CONSTRAINT ck_users_meeting_link_web_address")
