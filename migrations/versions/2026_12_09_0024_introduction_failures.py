"""Introductions whose group DM did not go out: `failed`, with Slack's answer
kept for the manager, and sent again by a retry.

0020-0022 claimed a pair as `sent` before its DM, so a DM Slack refused left
a pair sent that nobody received. Now:
- sending claims a pair by `sending_since` (the app's clock), its status
  unchanged; the DM's outcome then makes it `sent` (sender, time,
  conversation) or `failed` (`failure`, `failed_at`), and ends the claim;
- a pair moves proposed → sent, proposed → failed, failed → sent (a retry),
  proposed → dropped, failed → dropped, and no other way; `failure` is kept
  exactly while a pair is failed;
- a pair is introduced, or being introduced, at most once: the unique index
  on sent pairs covers the claimed ones too, so two sendings never both DM
  a pair.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SEARCH_PATH = "pg_catalog, public, pg_temp"
REFUSE = "RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE ="
ADDED = "failure, failed_at, sending_since"
TABLE = "introductions"
STATUS_CHECK = "status_known"
PAIR_INDEX = "uq_introductions_sent_pair"
FAILURE_LENGTH = 500

BEFORE: tuple[tuple[str, str], ...] = (("proposed", "dropped"), ("proposed", "sent"))
AFTER: tuple[tuple[str, str], ...] = (
    *BEFORE,
    ("proposed", "failed"),
    ("failed", "sent"),
    ("failed", "dropped"),
)


def _guard(moves: Sequence[tuple[str, str]]) -> str:
    """The update trigger's function allowing `moves` (0022's, or these)."""
    allowed = ", ".join(f"('{old}', '{new}')" for old, new in moves)
    told = "; ".join(f"{old} to {new}" for old, new in moves)
    return f"""
CREATE OR REPLACE FUNCTION guard_introduction_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = {SEARCH_PATH}
AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN ({allowed}) THEN
        {REFUSE} 'introductions_status_moves: a pair moves only {told}'
            ' (not from ' || OLD.status || ' to ' || NEW.status || ')';
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
"""


def _statuses(*known: str) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in known) + ")"


def _pair_index(where: str) -> None:
    op.create_index(
        PAIR_INDEX,
        TABLE,
        ["workspace_id", "mentee_id", "mentor_id"],
        unique=True,
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("failure", sa.Text(), nullable=True))
    op.add_column(TABLE, sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(TABLE, sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(f"ck_{TABLE}_{STATUS_CHECK}", TABLE)
    op.create_check_constraint(
        STATUS_CHECK, TABLE, _statuses("proposed", "dropped", "sent", "failed")
    )
    op.create_check_constraint(
        "failed_has_failure",
        TABLE,
        "(status = 'failed') = (failure IS NOT NULL AND failed_at IS NOT NULL)",
    )
    op.create_check_constraint("failure_length", TABLE, f"char_length(failure) <= {FAILURE_LENGTH}")
    op.create_check_constraint(
        "claimed_unsent", TABLE, "sending_since IS NULL OR status IN ('proposed', 'failed')"
    )
    op.drop_index(PAIR_INDEX, TABLE)
    _pair_index("status = 'sent' OR sending_since IS NOT NULL")
    op.execute(f"GRANT UPDATE ({ADDED}) ON {TABLE} TO {APP_ROLE}")
    op.execute(_guard(AFTER))


def downgrade() -> None:
    # 0022 knows no failed pair: those not sent stay unsent, as dropped.
    op.execute(
        f"UPDATE {TABLE} SET status = 'dropped', failure = NULL, failed_at = NULL"
        " WHERE status = 'failed'"
    )
    op.execute(_guard(BEFORE))
    op.execute(f"REVOKE UPDATE ({ADDED}) ON {TABLE} FROM {APP_ROLE}")
    op.drop_index(PAIR_INDEX, TABLE)
    _pair_index("status = 'sent'")
    for name in ("claimed_unsent", "failure_length", "failed_has_failure", STATUS_CHECK):
        op.drop_constraint(f"ck_{TABLE}_{name}", TABLE)
    op.create_check_constraint(STATUS_CHECK, TABLE, _statuses("proposed", "dropped", "sent"))
    for column in ("sending_since", "failed_at", "failure"):
        op.drop_column(TABLE, column)
