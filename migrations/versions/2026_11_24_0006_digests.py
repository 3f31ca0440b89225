"""The weekly digest: one row per workspace and week, so each is posted once.

A scheduler claims a row (INSERT … ON CONFLICT DO NOTHING on the key, then a
lease through `next_attempt_at`), posts outside the transaction, and marks it
posted or failed. Only the system writes; a workspace's admins may read its
rows; nobody deletes (the workspace's removal cascades).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
ADMIN = "(SELECT app_role()) = 'admin'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=True,
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_digests_attempts_not_negative")),
        sa.CheckConstraint(
            "extract(isodow FROM week) = 1", name=op.f("ck_digests_week_is_a_monday")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_digests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "week", name=op.f("pk_digests")),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON digests TO {APP_ROLE}")
    op.execute("ALTER TABLE digests ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE digests FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY digests_select ON digests FOR SELECT"
        f" USING ({SYSTEM} OR ({ADMIN} AND {SAME_WORKSPACE}))"
    )
    op.execute(f"CREATE POLICY digests_insert ON digests FOR INSERT WITH CHECK ({SYSTEM})")
    op.execute(
        f"CREATE POLICY digests_update ON digests FOR UPDATE USING ({SYSTEM}) WITH CHECK ({SYSTEM})"
    )


def downgrade() -> None:
    op.drop_table("digests")
