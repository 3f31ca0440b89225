"""The outbox remembers a claim whose outcome was never recorded.

`notifications.sending_since`: when the claim now open on the notice began
(claimed as it was written, or by the deliverer); NULL when no claim is open,
or Slack's answer to the last one was recorded. A notice claimed again while
it is still set was left by a deliverer that died, or lost its connection,
after it may have sent the DM: the next deliverer first looks in the person's
DM for it (the DM carries the notice id), so a person gets it once. The
application role may update it, as the other delivery columns (0010).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-09 00:23:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mentorship_app"


def upgrade() -> None:
    op.add_column(
        "notifications", sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(f"GRANT UPDATE (sending_since) ON notifications TO {APP_ROLE}")


def downgrade() -> None:
    # The column takes its privilege with it.
    op.drop_column("notifications", "sending_since")
