"""Profiles and roles: first sight, mentor and mentee sign-up, editing, stepping
down and leaving the programme."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain import limits
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound, Unknown
from domain.model import BusyPeriod, NewProfile, Profile, Role, Schedule
from domain.ports import Clock, UnitOfWork
from domain.slots import chosen_zone
from domain.text import clean_text, normalize_tags

# A meeting link is a web address a button or a calendar opens: http(s) and a
# host first (no other scheme: javascript:, data:), then no space, control
# character, double quote, angle bracket, `|` (either would break out of a
# Slack link), backslash, caret, brace or backtick (RFC 3986 allows none of
# them). Other letters are kept: a room's path may be in any language. The
# database holds the same rule (migration 0017, storage.models.people).
_NOT_IN_LINKS = r'\s\x00-\x1f\x7f-\x9f<>"|\\^{}`'
MEETING_LINK_PATTERN = rf"[Hh][Tt][Tt][Pp][Ss]?://[^{_NOT_IN_LINKS}/?#@][^{_NOT_IN_LINKS}]*"
_URL = re.compile(MEETING_LINK_PATTERN)

SESSION_MINUTES = (15, 20, 30, 45, 60, 90, 120)
MAX_WEEKLY_CAP = 50
# What Slack says of a person is cut to these lengths, not refused.
MAX_NAME = limits.NAME
MAX_TITLE = limits.TITLE


@dataclass(frozen=True)
class MentorSignup:
    department: str
    expertise: str | Sequence[str]
    title: str = ""
    bio: str = ""
    meeting_link: str = ""
    time_zone: str = ""  # blank keeps the zone Slack gave us
    max_sessions_per_week: int | None = None
    session_minutes: int = 30


@dataclass(frozen=True)
class MenteeSignup:
    department: str
    learning_goals: str | Sequence[str]
    title: str = ""
    bio: str = ""
    time_zone: str = ""


@dataclass(frozen=True)
class ProfileEdit:
    """Only the fields that are not None change."""

    display_name: str | None = None
    title: str | None = None
    department: str | None = None
    bio: str | None = None
    expertise: str | Sequence[str] | None = None
    learning_goals: str | Sequence[str] | None = None
    meeting_link: str | None = None
    time_zone: str | None = None
    max_sessions_per_week: int | None = None
    clear_weekly_cap: bool = False
    session_minutes: int | None = None


def seen_profile(uow: UnitOfWork) -> Profile | None:
    """The acting person's profile, active or not; None when never seen."""
    actor = uow.actor
    if not actor.workspace_id or not actor.slack_user_id:
        return None
    return uow.users.by_slack_id(actor.workspace_id, actor.slack_user_id)


def current_profile(uow: UnitOfWork) -> Profile:
    """The acting person's profile; they must have been seen before."""
    return _required(seen_profile(uow))


def current_profile_and_busy(
    uow: UnitOfWork, others: Iterable[int], start: datetime, end: datetime
) -> tuple[Profile, list[BusyPeriod]]:
    """`current_profile`, with the sessions of `others` and of the person
    between `start` and `end` as `busy_periods` reads them: all in one read."""
    actor = uow.actor
    found = (
        uow.users.by_slack_id_with_busy(actor.workspace_id, actor.slack_user_id, others, start, end)
        if actor.workspace_id and actor.slack_user_id
        else None
    )
    profile, busy = found or (None, [])
    return _required(profile), busy


def _required(profile: Profile | None) -> Profile:
    """A profile the person may act with: seen before, and active."""
    if profile is None:
        raise Unknown()
    if not profile.is_active:
        raise NotAllowed(
            "Your profile is deactivated. Run `/mentor signup` to join the programme again."
        )
    return profile


def unnamed_people(uow: UnitOfWork, *, limit: int) -> list[tuple[str, str]]:
    """System: people first seen while Slack could not say who they are (their
    Slack id is their name, see `identify`), to ask Slack again: at most
    `limit` of them, as (workspace, Slack id)."""
    if uow.actor.role is not Role.SYSTEM:
        raise NotAllowed("Only the system asks Slack about people again.")
    with uow:
        return uow.users.unnamed(limit)


def identify(
    uow: UnitOfWork,
    clock: Clock,
    *,
    display_name: str,
    time_zone: str = "UTC",
    title: str = "",
    workspace_name: str = "",
) -> Profile:
    """The acting person's profile, created at first sight from what Slack says."""
    actor = uow.actor
    if not actor.workspace_id or not actor.slack_user_id:
        raise NotAllowed("Only a person can be identified.")
    with uow:
        existing = uow.users.by_slack_id(actor.workspace_id, actor.slack_user_id)
        if existing is not None:
            return existing
        now = clock.now()
        uow.workspaces.ensure(actor.workspace_id, workspace_name, at=now)
        zone = time_zone if known_zone(time_zone) else "UTC"
        # What Slack says is taken as it is, cut to our limits: it is not typed
        # input, and refusing it would lock the person out.
        new = NewProfile(
            workspace_id=actor.workspace_id,
            slack_user_id=actor.slack_user_id,
            display_name=fitted(display_name, MAX_NAME) or actor.slack_user_id,
            time_zone=zone,
            title=fitted(title, MAX_TITLE),
            created_at=now,
        )
        try:
            profile = uow.users.add(new)
            uow.commit()
        except Conflict:
            # Two first requests at once: the other one created the profile.
            uow.rollback()
            created = uow.users.by_slack_id(actor.workspace_id, actor.slack_user_id)
            if created is None:
                raise
            profile = created
        return profile


@dataclass(frozen=True)
class MentorWelcome:
    """A mentor's sign-up. `kept_availability` is the schedule a mentor coming
    back to the programme left behind: mentees can book it again, so the mentor
    is asked to confirm it."""

    profile: Profile
    kept_availability: Schedule | None = None


def register_mentor(uow: UnitOfWork, clock: Clock, *, signup: MentorSignup) -> MentorWelcome:
    with uow:
        stored = known_profile(uow)
        profile = _signup_base(_rejoined(stored, as_mentor=True), signup.department, signup)
        profile = replace(
            profile,
            is_mentor=True,
            expertise=_expertise(signup.expertise),
            meeting_link=_meeting_link(signup.meeting_link),
            max_sessions_per_week=_weekly_cap(signup.max_sessions_per_week),
            session_minutes=_session_minutes(signup.session_minutes),
        )
        saved = uow.users.save(profile, at=clock.now())
        kept = None
        if not stored.is_active:
            schedule = uow.availability.schedule(saved.id)
            kept = schedule if schedule.weekly or schedule.extra else None
        uow.commit()
        return MentorWelcome(saved, kept)


def register_mentee(uow: UnitOfWork, clock: Clock, *, signup: MenteeSignup) -> Profile:
    with uow:
        stored = known_profile(uow)
        profile = _signup_base(_rejoined(stored, as_mentor=False), signup.department, signup)
        profile = replace(profile, is_mentee=True, learning_goals=_goals(signup.learning_goals))
        saved = uow.users.save(profile, at=clock.now())
        uow.commit()
        return saved


def edit_profile(uow: UnitOfWork, clock: Clock, *, edit: ProfileEdit) -> Profile:
    with uow:
        profile = current_profile(uow)
        changes: dict[str, object] = {}
        if edit.display_name is not None:
            changes["display_name"] = clean_text(
                edit.display_name,
                field="display_name",
                label="a name",
                max_length=80,
                required=True,
            )
        if edit.title is not None:
            changes["title"] = clean_text(
                edit.title, field="title", label="a title", max_length=100
            )
        if edit.department is not None:
            changes["department"] = _department(edit.department)
        if edit.bio is not None:
            changes["bio"] = _bio(edit.bio)
        if edit.expertise is not None:
            changes["expertise"] = normalize_tags(
                edit.expertise, field="expertise", label="expertise areas"
            )
        if edit.learning_goals is not None:
            changes["learning_goals"] = normalize_tags(
                edit.learning_goals, field="learning_goals", label="learning goals"
            )
        if edit.meeting_link is not None:
            changes["meeting_link"] = _meeting_link(edit.meeting_link)
        if edit.time_zone is not None:
            changes["time_zone"] = chosen_zone(edit.time_zone)
        if edit.clear_weekly_cap:
            changes["max_sessions_per_week"] = None
        elif edit.max_sessions_per_week is not None:
            changes["max_sessions_per_week"] = _weekly_cap(edit.max_sessions_per_week)
        if edit.session_minutes is not None:
            changes["session_minutes"] = _session_minutes(edit.session_minutes)
        updated = replace(profile, **changes)  # type: ignore[arg-type]  # each typed as its field
        _check_roles_complete(updated)
        saved = uow.users.save(updated, at=clock.now())
        uow.commit()
        return saved


def known_profile(uow: UnitOfWork) -> Profile:
    """Like `current_profile`, but a deactivated person may sign up again."""
    profile = seen_profile(uow)
    if profile is None:
        raise NotFound("I don't know you yet. Please try again in a moment.")
    return profile


def _rejoined(profile: Profile, *, as_mentor: bool) -> Profile:
    """Active; someone who had left the programme gets back only the role they
    sign up for now (the other needs its own sign-up)."""
    if profile.is_active:
        return profile
    return replace(profile, is_active=True, is_mentor=as_mentor, is_mentee=not as_mentor)


def _signup_base(profile: Profile, department: str, signup: MentorSignup | MenteeSignup) -> Profile:
    return replace(
        profile,
        department=_department(department),
        title=clean_text(signup.title, field="title", label="a title", max_length=100)
        or profile.title,
        bio=_bio(signup.bio) or profile.bio,
        time_zone=chosen_zone(signup.time_zone) if signup.time_zone else profile.time_zone,
    )


def _check_roles_complete(profile: Profile) -> None:
    if profile.is_mentor and not profile.expertise:
        raise InvalidInput("A mentor needs at least one expertise area.", field="expertise")
    if profile.is_mentee and not profile.learning_goals:
        raise InvalidInput("A mentee needs at least one learning goal.", field="learning_goals")
    if (profile.is_mentor or profile.is_mentee) and not profile.department:
        raise InvalidInput("Please enter your department.", field="department")


def _department(value: str) -> str:
    return clean_text(
        value,
        field="department",
        label="your department",
        max_length=limits.DEPARTMENT,
        required=True,
    )


def _bio(value: str) -> str:
    return clean_text(value, field="bio", label="a bio", max_length=limits.BIO, multiline=True)


def _expertise(value: str | Sequence[str]) -> tuple[str, ...]:
    tags = normalize_tags(value, field="expertise", label="expertise areas")
    if not tags:
        raise InvalidInput("Please list at least one expertise area.", field="expertise")
    return tags


def _goals(value: str | Sequence[str]) -> tuple[str, ...]:
    tags = normalize_tags(value, field="learning_goals", label="learning goals")
    if not tags:
        raise InvalidInput("Please list at least one learning goal.", field="learning_goals")
    return tags


def _meeting_link(value: str) -> str | None:
    link = clean_text(
        value, field="meeting_link", label="a meeting link", max_length=limits.MEETING_LINK
    )
    if not link:
        return None
    if not _URL.fullmatch(link):
        raise InvalidInput(
            "A meeting link must be a web address starting with https://, without spaces"
            " or special characters (e.g. https://meet.example.com/you).",
            field="meeting_link",
        )
    return link


def _weekly_cap(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= MAX_WEEKLY_CAP:
        raise InvalidInput(
            f"The weekly limit is a number of sessions from 1 to {MAX_WEEKLY_CAP}.",
            field="max_sessions_per_week",
        )
    return value


def _session_minutes(value: int) -> int:
    if value not in SESSION_MINUTES:
        choices = ", ".join(str(m) for m in SESSION_MINUTES)
        raise InvalidInput(f"A session lasts one of {choices} minutes.", field="session_minutes")
    return value


def fitted(value: str, max_length: int) -> str:
    """What Slack says, taken as it is (not typed input: refusing it would lock
    the person out), cleaned and cut to `max_length`."""
    return clean_text(value[: max_length * 2], field="", label="", max_length=10**6)[:max_length]


def known_zone(value: str) -> bool:
    try:
        chosen_zone(value)
    except InvalidInput:
        return False
    return True
