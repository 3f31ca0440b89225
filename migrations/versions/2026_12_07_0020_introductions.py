"""Introductions: a programme manager's match of a mentee with a mentor.

One row per pair of a preview (`preview_id`): `proposed` when the manager is
shown it, `dropped` if they take it out, `sent` once the group DM went (who
sent it, when by the app's clock, which conversation). The database holds
the rules that make "Send introductions" safe to click twice:
- a mentee is in at most one pair of a preview, and a pair once per preview;
- a pair is introduced (`sent`) at most once, whatever the preview;
- `sent` has a sender and a time, and only `sent` has them.

Row-level security: a workspace's managers (`admin`) and the system read and
write its introductions; a manager's proposal names themselves. Members see
none (the group DM is what they see). No DELETE: a person's or workspace's
removal cascades.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
MANAGER = "((SELECT app_role()) = 'admin' AND workspace_id = (SELECT app_workspace()))"
MINE = f"{SYSTEM} OR {MANAGER}"
PROPOSING = f"{SYSTEM} OR ({MANAGER} AND proposed_by = (SELECT app_slack_user()))"


def upgrade() -> None:
    op.create_table(
        "introductions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Text(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("preview_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "mentee_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "mentor_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("status", sa.Text(), server_default="proposed", nullable=False),
        sa.Column("proposed_by", sa.Text(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('proposed', 'dropped', 'sent')", name="status_known"),
        sa.CheckConstraint("mentee_id <> mentor_id", name="two_people"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        sa.CheckConstraint(
            "(status = 'sent') = (sent_by IS NOT NULL AND sent_at IS NOT NULL)",
            name="sent_has_sender_and_time",
        ),
        sa.CheckConstraint("channel_id IS NULL OR status = 'sent'", name="channel_once_sent"),
        sa.UniqueConstraint(
            "preview_id", "mentee_id", name="uq_introductions_preview_id_mentee_id"
        ),
    )
    op.create_index(
        "uq_introductions_sent_pair",
        "introductions",
        ["workspace_id", "mentee_id", "mentor_id"],
        unique=True,
        postgresql_where=sa.text("status = 'sent'"),
    )
    op.create_index(
        "ix_introductions_workspace_id_sent_at", "introductions", ["workspace_id", "sent_at"]
    )
    op.create_index("ix_introductions_mentor_id", "introductions", ["mentor_id"])
    op.execute(f"GRANT SELECT, UPDATE ON introductions TO {APP_ROLE}")
    # Ids are the database's to give.
    op.execute(
        "GRANT INSERT (workspace_id, preview_id, mentee_id, mentor_id, score, reasons, status,"
        " proposed_by, proposed_at, sent_by, sent_at, channel_id)"
        f" ON introductions TO {APP_ROLE}"
    )
    op.execute("ALTER TABLE introductions ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE introductions FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY introductions_select ON introductions FOR SELECT USING ({MINE})")
    op.execute(
        f"CREATE POLICY introductions_insert ON introductions FOR INSERT WITH CHECK ({PROPOSING})"
    )
    op.execute(
        "CREATE POLICY introductions_update ON introductions FOR UPDATE"
        f" USING ({MINE}) WITH CHECK ({MINE})"
    )


def downgrade() -> None:
    op.drop_table("introductions")
