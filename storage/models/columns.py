"""Column shapes and CHECK text that several tables share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column


def in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def timestamp_now() -> Mapped[datetime]:
    """A timestamp the application writes from its clock (`domain.ports.Clock`);
    the column's `now()` default only serves rows written by hand."""
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def workspace_fk() -> Mapped[str]:
    return mapped_column(Text, ForeignKey("workspaces.id", ondelete="CASCADE"))
