"""The dashboard's charts as pictures: which uploaded Slack file shows which
chart of which workspace's period.

`chart_files` has one row per workspace, period (`period_days` 0 is all time,
as in `analytics_snapshots`) and kind of chart: the Slack file id, a key of the
figures it shows (the same key, the same picture: nothing is uploaded again),
its title and alt text (the Home and the digest show them with the file, so
they always describe the picture, not figures computed later), the computed_at
of the snapshot it was drawn from and when it was uploaded (both the app's
clock). The `analytics` job writes them as the system; the Home and the digest
read them as the system; a workspace's admins may read theirs.

`analytics_snapshots.charts_leased_until`: the scheduler drawing a period's
charts leases its snapshot first (the app's clock), so that several bot
instances running the job at once upload each picture once: the database
decides who draws, and a lease left by a scheduler that died runs out.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
ADMIN = "(SELECT app_role()) = 'admin'"
SAME_WORKSPACE = "workspace_id = (SELECT app_workspace())"


def upgrade() -> None:
    op.add_column(
        "analytics_snapshots",
        sa.Column("charts_leased_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "chart_files",
        sa.Column("workspace_id", sa.Text(), nullable=False),
        sa.Column("period_days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("figures_key", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_days BETWEEN 0 AND 3650", name=op.f("ck_chart_files_period_days_range")
        ),
        sa.CheckConstraint(
            "kind IN ('sessions', 'duration', 'goals', 'utilization')",
            name=op.f("ck_chart_files_kind_known"),
        ),
        sa.CheckConstraint(
            "length(file_id) BETWEEN 1 AND 64", name=op.f("ck_chart_files_file_id_length")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_chart_files_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "period_days", "kind", name=op.f("pk_chart_files")),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON chart_files TO {APP_ROLE}")
    op.execute("ALTER TABLE chart_files ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE chart_files FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY chart_files_select ON chart_files FOR SELECT"
        f" USING ({SYSTEM} OR ({ADMIN} AND {SAME_WORKSPACE}))"
    )
    op.execute(f"CREATE POLICY chart_files_insert ON chart_files FOR INSERT WITH CHECK ({SYSTEM})")
    op.execute(
        "CREATE POLICY chart_files_update ON chart_files FOR UPDATE"
        f" USING ({SYSTEM}) WITH CHECK ({SYSTEM})"
    )
    op.execute(f"CREATE POLICY chart_files_delete ON chart_files FOR DELETE USING ({SYSTEM})")


def downgrade() -> None:
    op.drop_table("chart_files")
    op.drop_column("analytics_snapshots", "charts_leased_until")
