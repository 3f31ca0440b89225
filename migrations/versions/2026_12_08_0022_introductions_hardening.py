"""Introductions, held by the database as the domain holds them (0020 left
these to the application):

- a pair is two people of the introduction's workspace: `(workspace_id,
  mentee_id)` and `(workspace_id, mentor_id)` refer to `users (workspace_id,
  id)`, as nudges' and goals' people do, so no write pairs someone of another
  workspace, in a new proposal or by moving one;
- the application role updates only what sending and dropping change
  (`status`, `sent_by`, `sent_at`, `channel_id`): what was proposed (the
  preview, the pair's score and reasons, who proposed it and when) stays;
- a pair moves from `proposed` to `dropped` or `sent`, and no further: a
  sent introduction is never made proposed again (to be sent twice), nor a
  dropped one; once sent, its sender and time stay, and the conversation it
  went to is recorded once.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SEARCH_PATH = "pg_catalog, public, pg_temp"
REFUSE = "RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE ="
ROLES = ("mentee", "mentor")
UPDATED = "status, sent_by, sent_at, channel_id"

GUARD_INTRODUCTION_UPDATE = f"""
CREATE FUNCTION guard_introduction_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN (('proposed', 'dropped'), ('proposed', 'sent')) THEN
        {REFUSE} 'introductions_status_moves: a pair goes from proposed to dropped or'
            ' sent, and no further (not from ' || OLD.status || ' to ' || NEW.status || ')';
    END IF;
    IF OLD.status = 'sent' AND ((NEW.sent_by, NEW.sent_at) IS DISTINCT FROM
                                (OLD.sent_by, OLD.sent_at)
                                OR (OLD.channel_id IS NOT NULL
                                    AND NEW.channel_id IS DISTINCT FROM OLD.channel_id)) THEN
        {REFUSE} 'introductions_status_moves: a sent introduction keeps its sender, time'
            ' and conversation';
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION guard_introduction_update() FROM PUBLIC;
CREATE TRIGGER introductions_guard_update
    BEFORE UPDATE ON introductions
    FOR EACH ROW EXECUTE FUNCTION guard_introduction_update();
"""


def upgrade() -> None:
    for role in ROLES:
        op.drop_constraint(f"fk_introductions_{role}_id_users", "introductions")
        op.create_foreign_key(
            f"fk_introductions_workspace_id_{role}_id_users",
            "introductions",
            "users",
            ["workspace_id", f"{role}_id"],
            ["workspace_id", "id"],
            ondelete="CASCADE",
        )
    op.execute(f"REVOKE UPDATE ON introductions FROM {APP_ROLE}")
    op.execute(f"GRANT UPDATE ({UPDATED}) ON introductions TO {APP_ROLE}")
    op.execute(GUARD_INTRODUCTION_UPDATE)


def downgrade() -> None:
    op.execute("DROP TRIGGER introductions_guard_update ON introductions")
    op.execute("DROP FUNCTION guard_introduction_update()")
    op.execute(f"REVOKE UPDATE ({UPDATED}) ON introductions FROM {APP_ROLE}")
    op.execute(f"GRANT UPDATE ON introductions TO {APP_ROLE}")
    for role in ROLES:
        op.drop_constraint(f"fk_introductions_workspace_id_{role}_id_users", "introductions")
        op.create_foreign_key(
            f"fk_introductions_{role}_id_users",
            "introductions",
            "users",
            [f"{role}_id"],
            ["id"],
            ondelete="CASCADE",
        )
