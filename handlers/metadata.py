"""What buttons and modals carry between Slack and the app: identifiers only,
as small pydantic models (and, on a button that commits a person to a time, the
time the message showed: a check the domain compares, never a time it books).
Anything that does not parse is treated as tampered with; permission is always
re-checked by the domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Annotated, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain import limits, workspace
from domain.follow_ups import FollowUpOf, Weeks
from domain.model import Slot
from domain.workspace import WorkspaceSettings

# A database row id: PostgreSQL's bigint, so a larger number is tampering, not
# a row that might exist (and would fail in the database, not here).
RowId = Annotated[int, Field(gt=0, le=2**63 - 1)]


class Carried(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def encode(self) -> str:
        return self.model_dump_json()


# A moment as Unix seconds, within the years `datetime` can hold.
EpochSeconds = Annotated[int, Field(ge=0, le=253_402_300_799)]


class SessionRef(Carried):
    """A session; on a button that commits the clicker to the session's time
    (Accept), also the time the message showed (`starts`/`ends`, Unix seconds),
    which the domain checks the session still has.

    Buttons sent before the time was carried have neither: `seen()` is None and
    the domain accepts such a click only for a session never moved."""

    session_id: RowId
    starts: EpochSeconds | None = None
    ends: EpochSeconds | None = None

    @model_validator(mode="after")
    def _a_whole_slot(self) -> Self:
        if (self.starts is None) != (self.ends is None):
            raise ValueError("a shown time has a start and an end")
        if self.starts is not None and self.ends is not None and self.ends <= self.starts:
            raise ValueError("a shown time ends after it starts")
        return self

    @classmethod
    def shown(cls, session_id: int, slot: Slot) -> SessionRef:
        """The session at the time a message shows it."""
        return cls(
            session_id=session_id,
            starts=int(slot.starts_at.timestamp()),
            ends=int(slot.ends_at.timestamp()),
        )

    def seen(self) -> Slot | None:
        """The time the clicked message showed, when the button carried one."""
        if self.starts is None or self.ends is None:
            return None
        return Slot(
            datetime.fromtimestamp(self.starts, UTC), datetime.fromtimestamp(self.ends, UTC)
        )


class SeriesRef(Carried):
    """A recurring series; on Accept all, also the starts its message listed
    (Unix seconds): the domain accepts only sessions still at one of them."""

    series_id: RowId
    starts: list[EpochSeconds] = Field(default_factory=list, max_length=limits.REPEAT_TIMES[1])

    @classmethod
    def shown(cls, series_id: int, starts: Sequence[datetime]) -> SeriesRef:
        return cls(series_id=series_id, starts=[int(moment.timestamp()) for moment in starts])

    def seen(self) -> list[datetime]:
        return [datetime.fromtimestamp(moment, UTC) for moment in self.starts]


class FollowUpRef(Carried):
    """A completed session to book again `weeks` after it (the Book again menu
    of the mentee's feedback DM); the domain checks it is the clicker's own."""

    session_id: RowId
    weeks: Weeks

    def follow_up(self) -> FollowUpOf:
        return FollowUpOf(self.session_id, self.weeks)


class MentorRef(Carried):
    """A mentor; on a Book button that offers one time (an introduction's),
    that time too, to be picked in the booking modal if still free. In the
    booking modal Book again opened, the session it books again (`again`)."""

    mentor_id: RowId
    starts: EpochSeconds | None = None
    again: FollowUpRef | None = None

    def chosen(self) -> datetime | None:
        return None if self.starts is None else datetime.fromtimestamp(self.starts, UTC)

    def encode(self) -> str:
        # Without a time, the value every Book button and booking modal had before.
        return self.model_dump_json(exclude_none=True)


class PreviewRef(Carried):
    """A manager's preview of introductions (the pairs are in the database)."""

    preview_id: UUID


class IntroductionRef(Carried):
    """One pair of a preview."""

    preview_id: UUID
    introduction_id: RowId


class PairRef(Carried):
    """An at-risk pair on the dashboard (its Nudge button)."""

    mentor_id: RowId
    mentee_id: RowId


class GoalRef(Carried):
    goal_id: RowId


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


# A Slack user or channel id (domain.workspace checks its shape when it is stored).
SlackId = Annotated[str, Field(max_length=21)]


class ShownSettings(Carried):
    """The programme's settings as the settings modal showed them: a
    submission changes only what the person changed there (see
    `domain.workspace.SettingsEdit.between`)."""

    managers: list[SlackId] = Field(default_factory=list, max_length=workspace.MAX_MANAGERS)
    digest_channel: SlackId | None = None
    digest_weekday: int | None = Field(default=None, ge=0, le=6)
    digest_time: time | None = None
    digest_zone: str | None = Field(default=None, max_length=workspace.MAX_ZONE_LENGTH)
    min_notice_minutes: int | None = Field(default=None, ge=0, le=workspace.MAX_NOTICE_HOURS * 60)
    max_open_per_mentee: int | None = Field(
        default=None, ge=workspace.MIN_OPEN, le=workspace.MAX_OPEN
    )

    @classmethod
    def of(cls, settings: WorkspaceSettings) -> ShownSettings:
        return cls(
            managers=sorted(settings.managers),
            digest_channel=settings.digest_channel,
            digest_weekday=settings.digest_weekday,
            digest_time=settings.digest_time,
            digest_zone=settings.digest_zone,
            min_notice_minutes=settings.min_notice_minutes,
            max_open_per_mentee=settings.max_open_per_mentee,
        )

    def settings(self) -> WorkspaceSettings:
        return WorkspaceSettings(
            managers=frozenset(self.managers),
            digest_channel=self.digest_channel,
            digest_weekday=self.digest_weekday,
            digest_time=self.digest_time,
            digest_zone=self.digest_zone,
            min_notice_minutes=self.min_notice_minutes,
            max_open_per_mentee=self.max_open_per_mentee,
        )
