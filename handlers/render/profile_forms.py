"""The profile forms: mentor and mentee sign-up, and editing a profile."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from domain import limits
from domain.model import Profile
from domain.profiles import MAX_WEEKLY_CAP, SESSION_MINUTES
from handlers.ids import Field, Modal
from handlers.render.common import (
    MAX_OPTION_TEXT,
    context,
    input_block,
    truncate,
    zone,
)

MAX_ZONE_OPTIONS = 100
_NAME_MAX = limits.NAME
_TITLE_MAX = limits.TITLE
_DEPARTMENT_MAX = limits.DEPARTMENT
_BIO_MAX = limits.BIO
_TAGS_MAX = limits.TAGS_TEXT


# --- inputs -----------------------------------------------------------------


def _text_input(
    field: Field,
    label: str,
    initial: str,
    *,
    max_length: int,
    optional: bool = False,
    multiline: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    element = PlainTextInputElement(
        initial_value=initial or None,
        max_length=max(max_length, len(initial)),
        multiline=multiline or None,
        placeholder=placeholder,
    )
    return input_block(field, label, element, optional=optional, hint=hint)


def _display_name_input(profile: Profile) -> InputBlock:
    return _text_input(Field.DISPLAY_NAME, "Name", profile.display_name, max_length=_NAME_MAX)


def _title_input(profile: Profile) -> InputBlock:
    return _text_input(
        Field.TITLE,
        "Job title",
        profile.title,
        max_length=_TITLE_MAX,
        optional=True,
        placeholder="e.g. Senior engineer",
    )


def _department_input(profile: Profile) -> InputBlock:
    return _text_input(
        Field.DEPARTMENT,
        "Department or team",
        profile.department,
        max_length=_DEPARTMENT_MAX,
        placeholder="e.g. Platform",
    )


def _bio_input(profile: Profile) -> InputBlock:
    return _text_input(
        Field.BIO,
        "About you",
        profile.bio,
        max_length=_BIO_MAX,
        optional=True,
        multiline=True,
        placeholder="A few words about your background and what you enjoy",
    )


def _expertise_input(profile: Profile) -> InputBlock:
    return _text_input(
        Field.EXPERTISE,
        "What you can help with",
        ", ".join(profile.expertise),
        max_length=_TAGS_MAX,
        hint="Comma-separated, e.g. python, leadership",
    )


def _learning_goals_input(profile: Profile) -> InputBlock:
    return _text_input(
        Field.LEARNING_GOALS,
        "What you would like to learn",
        ", ".join(profile.learning_goals),
        max_length=_TAGS_MAX,
        hint="Comma-separated, e.g. public speaking, system design",
    )


def _meeting_link_input(profile: Profile) -> InputBlock:
    element = UrlInputElement(
        initial_value=profile.meeting_link or None, placeholder="https://meet.example.com/you"
    )
    return input_block(
        Field.MEETING_LINK,
        "Meeting link",
        element,
        optional=True,
        hint="Where your sessions happen, e.g. your video-call room.",
    )


def _zone_option(name: str) -> Option:
    return Option(value=name, text=truncate(name.replace("_", " "), MAX_OPTION_TEXT))


def _time_zone_input(profile: Profile, zone_options: Sequence[str]) -> InputBlock:
    """A pick of the given zones, the profile's own first if the caller left it out."""
    names = list(dict.fromkeys(zone_options))
    current = zone(profile.time_zone).key
    if current not in names:
        names.insert(0, current)
    options = [_zone_option(name) for name in names[:MAX_ZONE_OPTIONS]]
    element = StaticSelectElement(
        placeholder="Pick your time zone",
        options=options,
        initial_option=_zone_option(current),
    )
    return input_block(Field.TIME_ZONE, "Time zone", element)


def _weekly_cap_input(profile: Profile) -> InputBlock:
    element = NumberInputElement(
        is_decimal_allowed=False,
        initial_value=profile.max_sessions_per_week,
        min_value=1,
        max_value=MAX_WEEKLY_CAP,
    )
    return input_block(
        Field.WEEKLY_CAP,
        "Sessions per week, at most",
        element,
        optional=True,
        hint="Leave empty for no limit.",
    )


def _minutes_option(minutes: int) -> Option:
    return Option(value=str(minutes), text=f"{minutes} minutes")


def _session_minutes_input(profile: Profile) -> InputBlock:
    current = profile.session_minutes if profile.session_minutes in SESSION_MINUTES else 30
    element = StaticSelectElement(
        placeholder="Pick a length",
        options=[_minutes_option(minutes) for minutes in SESSION_MINUTES],
        initial_option=_minutes_option(current),
    )
    return input_block(Field.SESSION_MINUTES, "Session length", element)


def _mentor_inputs(profile: Profile) -> list[Block]:
    return [
        _expertise_input(profile),
        _meeting_link_input(profile),
        _weekly_cap_input(profile),
        _session_minutes_input(profile),
    ]


def _form(callback_id: Modal, title: str, submit: str, blocks: list[Block]) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        blocks=blocks,
    )


# --- modals -----------------------------------------------------------------


def mentor_signup_modal(profile: Profile, *, zone_options: list[str]) -> View:
    return _form(
        Modal.SIGNUP_MENTOR,
        "Become a mentor",
        "Sign up",
        [
            context("Share what you know. Mentees find you by your team and your skills."),
            _department_input(profile),
            _title_input(profile),
            _expertise_input(profile),
            _bio_input(profile),
            _meeting_link_input(profile),
            _time_zone_input(profile, zone_options),
            _weekly_cap_input(profile),
            _session_minutes_input(profile),
        ],
    )


def mentee_signup_modal(profile: Profile, *, zone_options: list[str]) -> View:
    return _form(
        Modal.SIGNUP_MENTEE,
        "Sign up as mentee",
        "Sign up",
        [
            context("Tell mentors a little about you and what you would like to learn."),
            _department_input(profile),
            _title_input(profile),
            _learning_goals_input(profile),
            _bio_input(profile),
            _time_zone_input(profile, zone_options),
        ],
    )


def edit_profile_modal(profile: Profile, *, zone_options: list[str]) -> View:
    blocks: list[Block] = [
        _display_name_input(profile),
        _title_input(profile),
        _department_input(profile),
        _bio_input(profile),
        _time_zone_input(profile, zone_options),
    ]
    if profile.is_mentor:
        blocks += _mentor_inputs(profile)
    if profile.is_mentee:
        blocks.append(_learning_goals_input(profile))
    return _form(Modal.EDIT_PROFILE, "Edit your profile", "Save", blocks)
