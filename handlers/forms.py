"""Pure parsing: command text and modal state into typed inputs. Whatever does
not parse becomes an `InvalidInput` naming the field (the modal's block id)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain import limits
from domain.errors import InvalidInput
from domain.model import GoalStatus, Repeat
from domain.profiles import MenteeSignup, MentorSignup, ProfileEdit
from domain.recurrence import MOVES_DO_NOT_FIT
from domain.workspace import WorkspaceSettings
from handlers.ids import VALUE, Field

MAX_COMMAND_TEXT = 500

WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|[^>]*)?>$")
_TIME_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def command_words(text: str) -> tuple[str, str]:
    """(sub-command, the rest), lower-cased sub-command; refuses huge input."""
    if len(text) > MAX_COMMAND_TEXT:
        raise InvalidInput(
            f"That is longer than I can read ({len(text)} characters; at most"
            f" {MAX_COMMAND_TEXT}). Try `/mentor help`."
        )
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    word, _, rest = cleaned.partition(" ")
    return word.lower(), rest.strip()


def mention(text: str) -> str:
    """The Slack user id in an escaped mention such as `<@U123|ada>`."""
    match = _MENTION.match(text.strip())
    if match is None:
        raise InvalidInput("Mention the mentor, for example `/mentor book @ada`.")
    return match.group(1)


def channel(text: str) -> str:
    """The channel id in an escaped channel mention such as `<#C123|mentoring>`
    (as it is, when it is not one: the domain says what a channel id is)."""
    match = _CHANNEL.match(text.strip())
    return match.group(1) if match else text.strip()


def weekdays(text: str) -> list[int]:
    """'mon,wed' or 'mon-fri' or 'weekdays' into weekday numbers (Monday = 0)."""
    text = text.strip().lower()
    if text in ("weekdays", "workdays"):
        return [0, 1, 2, 3, 4]
    days: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise InvalidInput(f"“{part[:20]}” is not a day: use mon, tue, … or mon-fri.")
        start, end = WEEKDAYS[first], WEEKDAYS[last or first]
        days.extend(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    if not days:
        raise InvalidInput("Name at least one day, for example `mon,wed`.")
    return sorted(set(days))


def time_range(text: str) -> tuple[time, time]:
    match = _TIME_RANGE.match(text.strip())
    if match is None:
        raise InvalidInput("Give the time as `09:00-12:00`.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise InvalidInput("Hours go from 00:00 to 24:00.")
    end = time(23, 59) if h2 == 24 else time(h2, m2)
    return time(h1, m1), end


def iso_day(text: str, *, field: str = Field.FIRST_DAY) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("Give dates as YYYY-MM-DD (year, month, day).", field=field) from None


@dataclass(frozen=True)
class AvailabilityChange:
    """What the availability modal asks to add (each part optional)."""

    weekdays: list[int]
    start: time | None
    end: time | None
    first_day: date | None
    last_day: date | None
    day: date | None


# --- modal state ------------------------------------------------------------


def _element(state: dict[str, Any], field: str) -> dict[str, Any]:
    block = (state.get("values") or {}).get(field) or {}
    element = block.get(VALUE) or {}
    return element if isinstance(element, dict) else {}


def text_value(state: dict[str, Any], field: str) -> str:
    element = _element(state, field)
    if "selected_option" in element:
        option = element.get("selected_option") or {}
        return str(option.get("value") or "")
    for key in ("value", "selected_time", "selected_date"):
        if element.get(key) is not None:
            return str(element[key])
    return ""


def selected_values(state: dict[str, Any], field: str) -> list[str]:
    options = _element(state, field).get("selected_options") or []
    return [str(option.get("value")) for option in options if isinstance(option, dict)]


def int_value(state: dict[str, Any], field: str, *, label: str) -> int | None:
    raw = text_value(state, field).strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{label} must be a whole number.", field=field) from None


def mentor_signup(state: dict[str, Any]) -> MentorSignup:
    return MentorSignup(
        department=text_value(state, Field.DEPARTMENT),
        expertise=text_value(state, Field.EXPERTISE),
        title=text_value(state, Field.TITLE),
        bio=text_value(state, Field.BIO),
        meeting_link=text_value(state, Field.MEETING_LINK),
        time_zone=text_value(state, Field.TIME_ZONE),
        max_sessions_per_week=int_value(state, Field.WEEKLY_CAP, label="The weekly limit"),
        session_minutes=int_value(state, Field.SESSION_MINUTES, label="Session length") or 30,
    )


def mentee_signup(state: dict[str, Any]) -> MenteeSignup:
    return MenteeSignup(
        department=text_value(state, Field.DEPARTMENT),
        learning_goals=text_value(state, Field.LEARNING_GOALS),
        title=text_value(state, Field.TITLE),
        bio=text_value(state, Field.BIO),
        time_zone=text_value(state, Field.TIME_ZONE),
    )


def profile_edit(state: dict[str, Any]) -> ProfileEdit:
    """Fields absent from the modal stay unchanged; present ones are written."""
    present = set((state.get("values") or {}).keys())

    def get(field: str) -> str | None:
        return text_value(state, field) if field in present else None

    cap = int_value(state, Field.WEEKLY_CAP, label="The weekly limit")
    minutes = int_value(state, Field.SESSION_MINUTES, label="Session length")
    return ProfileEdit(
        display_name=get(Field.DISPLAY_NAME),
        title=get(Field.TITLE),
        department=get(Field.DEPARTMENT),
        bio=get(Field.BIO),
        expertise=get(Field.EXPERTISE),
        learning_goals=get(Field.LEARNING_GOALS),
        meeting_link=get(Field.MEETING_LINK),
        time_zone=get(Field.TIME_ZONE) or None,
        max_sessions_per_week=cap,
        clear_weekly_cap=Field.WEEKLY_CAP in present and cap is None,
        session_minutes=minutes,
    )


def _time(state: dict[str, Any], field: str) -> time | None:
    raw = text_value(state, field)
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("Pick a time.", field=field) from None


def _day(state: dict[str, Any], field: str) -> date | None:
    raw = text_value(state, field)
    return iso_day(raw, field=field) if raw else None


def availability_change(state: dict[str, Any]) -> AvailabilityChange:
    days = []
    for raw in selected_values(state, Field.WEEKDAYS):
        if raw not in {str(n) for n in range(7)}:
            raise InvalidInput("Pick days from the list.", field=Field.WEEKDAYS)
        days.append(int(raw))
    change = AvailabilityChange(
        weekdays=sorted(days),
        start=_time(state, Field.START),
        end=_time(state, Field.END),
        first_day=_day(state, Field.FIRST_DAY),
        last_day=_day(state, Field.LAST_DAY),
        day=_day(state, Field.DAY),
    )
    wants_slot = bool(change.weekdays) or change.day is not None
    if wants_slot and (change.start is None or change.end is None):
        raise InvalidInput("Pick a start and an end time.", field=Field.START)
    if (change.start or change.end) and not wants_slot:
        raise InvalidInput("Pick the days (or a single day) for these times.", field=Field.WEEKDAYS)
    if (change.first_day is None) != (change.last_day is None):
        missing = Field.LAST_DAY if change.last_day is None else Field.FIRST_DAY
        raise InvalidInput("Pick both the first and the last day off.", field=missing)
    return change


# A slot's value is its start in epoch seconds, as the booking modal lists it.
# ASCII digits only (`str.isdigit` also takes '²'), and few enough of them to
# be a time `datetime` can hold: anything else was not one of our options.
_EPOCH_SECONDS = re.compile(r"[0-9]{1,11}")


def chosen_slot(state: dict[str, Any]) -> datetime:
    raw = text_value(state, Field.SLOT)
    if not raw:
        raise InvalidInput("Pick one of the listed times.", field=Field.SLOT)
    if not _EPOCH_SECONDS.fullmatch(raw):
        raise InvalidInput(
            "That choice is no longer valid. Please pick one of the listed times.",
            field=Field.SLOT,
        )
    return datetime.fromtimestamp(int(raw), tz=UTC)


def rating(state: dict[str, Any]) -> int:
    raw = text_value(state, Field.RATING)
    if raw not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput("Please choose from 1 to 5 stars.", field=Field.RATING)
    return int(raw)


# The booking modal's "Does not repeat": a single session, as before series.
NO_REPEAT = "0"
_SMALL_NUMBER = re.compile(r"[0-9]{1,2}")


def repeat(state: dict[str, Any]) -> Repeat | None:
    """How the booked session repeats (None: it does not); the domain checks
    the numbers are ones the modal offers."""
    raw = text_value(state, Field.REPEAT)
    if raw in ("", NO_REPEAT):
        return None
    if not _SMALL_NUMBER.fullmatch(raw):
        raise InvalidInput("Pick how often from the list.", field=Field.REPEAT)
    times = int_value(state, Field.REPEAT_TIMES, label="The number of sessions")
    if times is None:
        raise InvalidInput("How many sessions in all?", field=Field.REPEAT_TIMES)
    return Repeat(every_weeks=int(raw), times=times)


# Sessions of a series moved, as the booking modal offers it: "2:-30 4:60",
# each a session's number and how many minutes it moves (`encode_moves`).
_MOVE = r"[0-9]{1,2}:-?[0-9]{1,5}"
_MOVES = re.compile(rf"{_MOVE}( {_MOVE}){{0,{limits.REPEAT_TIMES[1] - 1}}}")


def encode_moves(moves: Mapping[int, timedelta]) -> str:
    return " ".join(
        f"{number}:{int(shift.total_seconds() // 60)}" for number, shift in sorted(moves.items())
    )


def moves(state: dict[str, Any]) -> dict[int, timedelta]:
    """The sessions of a series the mentee agreed to move (none unless the
    modal offered it and the box is ticked); the domain checks they fit."""
    ticked = selected_values(state, Field.REPEAT_MOVES)
    if not ticked:
        return {}
    if len(ticked) > 1 or not _MOVES.fullmatch(ticked[0]):
        raise InvalidInput(MOVES_DO_NOT_FIT, field=Field.REPEAT_MOVES)
    pairs = [word.split(":") for word in ticked[0].split()]
    moved = {int(number): timedelta(minutes=int(minutes)) for number, minutes in pairs}
    if len(moved) < len(pairs):
        # A session moved twice: which of the two was offered cannot be told.
        raise InvalidInput(MOVES_DO_NOT_FIT, field=Field.REPEAT_MOVES)
    return moved


# --- goals -------------------------------------------------------------------

# A goal's value in the booking modal is its id: ASCII digits, few enough to be
# a bigint; anything else was not one of our options.
_ROW_ID = re.compile(r"[0-9]{1,18}")


def target_date(state: dict[str, Any]) -> date | None:
    return _day(state, Field.TARGET_DATE)


def goal_status(state: dict[str, Any]) -> GoalStatus | None:
    """The status picked, or None when none was."""
    raw = text_value(state, Field.GOAL_STATUS)
    if not raw:
        return None
    try:
        return GoalStatus(raw)
    except ValueError:
        raise InvalidInput("Pick a status from the list.", field=Field.GOAL_STATUS) from None


def chosen_goal(state: dict[str, Any]) -> int | None:
    """The goal a booking names, or None when it names none."""
    raw = text_value(state, Field.GOAL)
    if not raw:
        return None
    if not _ROW_ID.fullmatch(raw):
        raise InvalidInput("Pick one of your goals from the list.", field=Field.GOAL)
    return int(raw)


# --- settings ----------------------------------------------------------------


def settings_wanted(state: dict[str, Any]) -> WorkspaceSettings:
    """What the settings modal asks for; the domain checks the values (a
    required field left out of a forged submission arrives as None)."""
    weekday = text_value(state, Field.DIGEST_WEEKDAY)
    if weekday not in {str(n) for n in range(7)}:
        raise InvalidInput("Pick a weekday from the list.", field=Field.DIGEST_WEEKDAY)
    users = _element(state, Field.MANAGERS).get("selected_users") or []
    channel = _element(state, Field.DIGEST_CHANNEL).get("selected_conversation")
    hours = int_value(state, Field.MIN_NOTICE, label="The minimum notice")
    return WorkspaceSettings(
        managers=frozenset(str(user) for user in users),
        digest_channel=str(channel) if channel else None,
        digest_weekday=int(weekday),
        digest_time=_time(state, Field.DIGEST_TIME),
        digest_zone=text_value(state, Field.DIGEST_ZONE) or None,
        min_notice_minutes=None if hours is None else hours * 60,
        max_open_per_mentee=int_value(state, Field.MAX_OPEN, label="Open requests per mentee"),
    )
