"""When mentors can meet: weekly slots and their exceptions."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Identity,
    Index,
    SmallInteger,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.models.columns import workspace_fk


class Availability(Base):
    """A recurring weekly slot, wall-clock time in the mentor's own zone."""

    __tablename__ = "availability"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("user_id", "weekday", "start_time"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="starts_before_it_ends"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    user_id: Mapped[int] = mapped_column(BigInteger)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, as datetime.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class AvailabilityException(Base):
    """Time off (whole days) or a one-off extra slot, in the mentor's own zone."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["users.workspace_id", "users.id"], ondelete="CASCADE"
        ),
        CheckConstraint(
            "(kind = 'time_off' AND start_time IS NULL AND end_time IS NULL"
            " AND last_day >= first_day)"
            " OR (kind = 'extra' AND start_time < end_time AND last_day = first_day)",
            name="kind_shape",
        ),
        Index("ix_availability_exceptions_user_id_first_day", "user_id", "first_day"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[str] = workspace_fk()
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
