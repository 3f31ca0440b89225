"""Settings a workspace's programme managers change in Slack, and the record
of every change.

- `workspace_settings`: one row per workspace, made by its first change. The
  managers added in Slack (MENTORSHIP_ADMINS are managers besides, a floor
  nobody removes in Slack), the digest's weekday, time and zone, and the
  booking policy's minimum notice and open requests per mentee. NULL (an
  empty list for the managers): the environment's default. The digest
  channel stays on `workspaces` (0011), where the digest and
  `/mentor digest` have always read and written it, and the only column a
  manager may change there (`guard_workspace_update`, 0012).
- `workspace_settings_audit`: who changed which setting when (the app's
  clock), from what to what. Append-only.

Row-level security: a workspace's managers (`admin`) and the system read
and write its settings; members neither (the bot reads them as the system
for everyone's booking policy and role). A manager's audit row names
themselves and goes with a change of their workspace's settings (or its
digest channel, for that setting) in the same transaction: `xmin` of the
changed row is this transaction. The system writes any.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"
SYSTEM = "(SELECT app_role()) = 'system'"
MANAGER = "((SELECT app_role()) = 'admin' AND workspace_id = (SELECT app_workspace()))"
MINE = f"{SYSTEM} OR {MANAGER}"
# `xmin` is the transaction that wrote the row version: this one.
THIS_TRANSACTION = "xmin = pg_current_xact_id()::xid"
CHANGED_HERE = (
    "CASE WHEN field = 'digest_channel' THEN EXISTS (SELECT 1 FROM workspaces w"
    f" WHERE w.id = workspace_id AND w.{THIS_TRANSACTION})"
    " ELSE EXISTS (SELECT 1 FROM workspace_settings s"
    f" WHERE s.workspace_id = workspace_settings_audit.workspace_id AND s.{THIS_TRANSACTION})"
    " END"
)
AUDIT_INSERT = f"{SYSTEM} OR ({MANAGER} AND actor = (SELECT app_slack_user()) AND {CHANGED_HERE})"
# The settings an audit row may name, as domain.workspace.Setting had them.
SETTINGS = (
    "managers",
    "digest_channel",
    "digest_weekday",
    "digest_time",
    "digest_zone",
    "min_notice_minutes",
    "max_open_per_mentee",
)


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column(
            "workspace_id",
            sa.Text(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("managers", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("digest_weekday", sa.SmallInteger(), nullable=True),
        sa.Column("digest_time", sa.Time(), nullable=True),
        sa.Column("digest_zone", sa.Text(), nullable=True),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=True),
        sa.Column("max_open_per_mentee", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "cardinality(managers) <= 30 AND array_position(managers, NULL) IS NULL"
            " AND array_to_string(managers, ',') ~ '^([UW][A-Z0-9]{2,20}(,|$))*$'",
            name="managers_are_slack_users",
        ),
        sa.CheckConstraint("digest_weekday BETWEEN 0 AND 6", name="digest_weekday_range"),
        sa.CheckConstraint("char_length(digest_zone) BETWEEN 1 AND 64", name="digest_zone_length"),
        sa.CheckConstraint("min_notice_minutes BETWEEN 0 AND 10080", name="min_notice_range"),
        sa.CheckConstraint("max_open_per_mentee BETWEEN 1 AND 50", name="max_open_range"),
    )
    op.create_table(
        "workspace_settings_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Text(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.CheckConstraint(
            f"field IN ({', '.join(repr(setting) for setting in SETTINGS)})", name="field_known"
        ),
    )
    op.create_index(
        "ix_workspace_settings_audit_workspace_id_at",
        "workspace_settings_audit",
        ["workspace_id", "at"],
    )
    # No DELETE: a workspace's removal cascades. The audit is append-only, and
    # its ids are the database's to give (0012).
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON workspace_settings TO {APP_ROLE}")
    op.execute(
        "GRANT SELECT, INSERT (workspace_id, actor, at, field, old_value, new_value)"
        f" ON workspace_settings_audit TO {APP_ROLE}"
    )
    for table in ("workspace_settings", "workspace_settings_audit"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for command, clauses in (
        ("SELECT", f"USING ({MINE})"),
        ("INSERT", f"WITH CHECK ({MINE})"),
        ("UPDATE", f"USING ({MINE}) WITH CHECK ({MINE})"),
    ):
        op.execute(
            f"CREATE POLICY workspace_settings_{command.lower()} ON workspace_settings"
            f" FOR {command} {clauses}"
        )
    op.execute(
        "CREATE POLICY workspace_settings_audit_select ON workspace_settings_audit"
        f" FOR SELECT USING ({MINE})"
    )
    op.execute(
        "CREATE POLICY workspace_settings_audit_insert ON workspace_settings_audit"
        f" FOR INSERT WITH CHECK ({AUDIT_INSERT})"
    )


def downgrade() -> None:
    op.drop_table("workspace_settings_audit")
    op.drop_table("workspace_settings")
