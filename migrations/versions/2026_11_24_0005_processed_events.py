"""Slack event ids already acted on, so a retried event acts once.

Members may record and see their own workspace's ids (the event's actor is a
member); nobody updates them; the system may prune them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_processed_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "event_id", name=op.f("pk_processed_events")),
    )
    op.execute(f"GRANT SELECT, INSERT, DELETE ON processed_events TO {APP_ROLE}")
    op.execute("ALTER TABLE processed_events ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE processed_events FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY processed_events_select ON processed_events FOR SELECT"
        f" USING ({SYSTEM} OR {SAME_WORKSPACE})"
    )
    op.execute(
        f"CREATE POLICY processed_events_insert ON processed_events FOR INSERT"
        f" WITH CHECK ({SYSTEM} OR {SAME_WORKSPACE})"
    )
    op.execute(
        f"CREATE POLICY processed_events_delete ON processed_events FOR DELETE USING ({SYSTEM})"
    )


def downgrade() -> None:
    op.drop_table("processed_events")
