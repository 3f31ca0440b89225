"""What buttons and modals carry between Slack and the app: identifiers only,
as small pydantic models. Anything that does not parse is treated as tampered
with; permission is always re-checked by the domain."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# A database row id: PostgreSQL's bigint, so a larger number is tampering, not
# a row that might exist (and would fail in the database, not here).
RowId = Annotated[int, Field(gt=0, le=2**63 - 1)]


class Carried(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def encode(self) -> str:
        return self.model_dump_json()


class SessionRef(Carried):
    session_id: RowId


class MentorRef(Carried):
    mentor_id: RowId


class NotificationRef(Carried):
    notification_id: UUID


class SlotRef(Carried):
    """An availability row to remove."""

    row_id: RowId


class SearchPageRef(Carried):
    query: str = Field(max_length=200)
    page: int = Field(ge=1, le=1000)


class PageRef(Carried):
    page: int = Field(ge=1, le=1000)


class PeriodRef(Carried):
    days: int | None = Field(default=None, ge=1, le=3650)


M = TypeVar("M", bound=Carried)


def decode(model: type[M], raw: object) -> M | None:
    """The model carried in `raw`, or None when it is missing or not ours."""
    if not isinstance(raw, str) or len(raw) > 3000:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        return None


class SessionMessageRef(Carried):
    """A session, and the DM a modal was opened from (updated once it is done)."""

    session_id: RowId
    channel: str | None = Field(default=None, max_length=40)
    ts: str | None = Field(default=None, max_length=40)
