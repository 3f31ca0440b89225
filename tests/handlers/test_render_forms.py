"""Modals people fill in: sign-up, profile edit, availability. Booking and
rescheduling: `test_render_booking_forms.py`."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from domain.model import ExtraSlot, Profile, Schedule, TimeOff, WeeklySlot
from domain.profiles import SESSION_MINUTES
from handlers.ids import VALUE, Action, Field, Modal
from handlers.metadata import SlotRef
from handlers.render.availability import availability_modal
from handlers.render.profile_forms import (
    edit_profile_modal,
    mentee_signup_modal,
    mentor_signup_modal,
)
from tests.dates import MONDAY
from tests.handlers.form_samples import dump, inputs, person
from tests.handlers.samples import as_text

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


# --- profile modals ----------------------------------------------------------


def test_the_mentor_signup_modal_asks_for_every_mentor_field_prefilled() -> None:
    view = dump(mentor_signup_modal(person(), zone_options=ZONES))
    fields = inputs(view)
    assert list(fields) == [
        Field.DEPARTMENT,
        Field.TITLE,
        Field.EXPERTISE,
        Field.BIO,
        Field.MEETING_LINK,
        Field.TIME_ZONE,
        Field.WEEKLY_CAP,
        Field.SESSION_MINUTES,
    ]
    assert {block["element"]["action_id"] for block in fields.values()} == {VALUE}
    assert view["callback_id"] == Modal.SIGNUP_MENTOR
    assert len(view["title"]["text"]) <= 24
    assert view["submit"]["text"] == "Sign up"
    assert view["close"]["text"] == "Cancel"
    assert fields[Field.DEPARTMENT]["element"]["initial_value"] == "Platform"
    assert fields[Field.EXPERTISE]["element"]["initial_value"] == "python, leadership"
    assert "comma-separated" in fields[Field.EXPERTISE]["hint"]["text"].lower()
    assert fields[Field.BIO]["element"]["multiline"] is True
    assert fields[Field.BIO]["element"]["max_length"] == 1000
    assert fields[Field.MEETING_LINK]["element"]["type"] == "url_text_input"
    assert fields[Field.TIME_ZONE]["element"]["initial_option"]["value"] == "Europe/Paris"
    cap = fields[Field.WEEKLY_CAP]["element"]
    assert (cap["type"], cap["is_decimal_allowed"], cap["min_value"], cap["max_value"]) == (
        "number_input",
        False,
        "1",
        "50",
    )
    assert cap["initial_value"] == "4"
    minutes = fields[Field.SESSION_MINUTES]["element"]
    assert [o["value"] for o in minutes["options"]] == [str(m) for m in SESSION_MINUTES]
    assert minutes["initial_option"]["value"] == "45"


def test_required_and_optional_fields_of_the_mentor_signup() -> None:
    fields = inputs(dump(mentor_signup_modal(person(), zone_options=ZONES)))
    optional = {block_id for block_id, block in fields.items() if block.get("optional")}
    assert optional == {Field.TITLE, Field.BIO, Field.MEETING_LINK, Field.WEEKLY_CAP}


def test_the_mentee_signup_modal_asks_for_learning_goals() -> None:
    newcomer = person(is_mentor=False, expertise=(), learning_goals=("public speaking",))
    view = dump(mentee_signup_modal(newcomer, zone_options=ZONES))
    fields = inputs(view)
    assert list(fields) == [
        Field.DEPARTMENT,
        Field.TITLE,
        Field.LEARNING_GOALS,
        Field.BIO,
        Field.TIME_ZONE,
    ]
    assert view["callback_id"] == Modal.SIGNUP_MENTEE
    assert not fields[Field.LEARNING_GOALS].get("optional")
    assert fields[Field.LEARNING_GOALS]["element"]["initial_value"] == "public speaking"


def test_a_blank_profile_renders_without_initial_values() -> None:
    blank = Profile(id=1, workspace_id="T1", slack_user_id="U1", display_name="Nia")
    fields = inputs(dump(mentor_signup_modal(blank, zone_options=[])))
    for block_id in (Field.DEPARTMENT, Field.TITLE, Field.EXPERTISE, Field.BIO):
        assert "initial_value" not in fields[block_id]["element"]
    assert "initial_value" not in fields[Field.MEETING_LINK]["element"]
    assert "initial_value" not in fields[Field.WEEKLY_CAP]["element"]
    assert fields[Field.TIME_ZONE]["element"]["initial_option"]["value"] == "UTC"
    assert fields[Field.SESSION_MINUTES]["element"]["initial_option"]["value"] == "30"


@pytest.mark.parametrize(
    ("is_mentor", "is_mentee", "extra"),
    [
        (
            True,
            False,
            [Field.EXPERTISE, Field.MEETING_LINK, Field.WEEKLY_CAP, Field.SESSION_MINUTES],
        ),
        (False, True, [Field.LEARNING_GOALS]),
        (
            True,
            True,
            [
                Field.EXPERTISE,
                Field.MEETING_LINK,
                Field.WEEKLY_CAP,
                Field.SESSION_MINUTES,
                Field.LEARNING_GOALS,
            ],
        ),
    ],
)
def test_editing_a_profile_shows_the_fields_of_the_roles_held(
    is_mentor: bool, is_mentee: bool, extra: list[Field]
) -> None:
    view = dump(
        edit_profile_modal(person(is_mentor=is_mentor, is_mentee=is_mentee), zone_options=ZONES)
    )
    assert view["callback_id"] == Modal.EDIT_PROFILE
    assert view["submit"]["text"] == "Save"
    assert list(inputs(view)) == [
        Field.DISPLAY_NAME,
        Field.TITLE,
        Field.DEPARTMENT,
        Field.BIO,
        Field.TIME_ZONE,
        *extra,
    ]
    assert inputs(view)[Field.DISPLAY_NAME]["element"]["initial_value"] == "Ana Lima"


def test_the_time_zone_pick_keeps_the_profiles_zone_and_slacks_limit_of_100() -> None:
    many = [f"Etc/Zone_{i}" for i in range(150)]
    view = dump(mentor_signup_modal(person(time_zone="Asia/Kolkata"), zone_options=many))
    select = inputs(view)[Field.TIME_ZONE]["element"]
    values = [option["value"] for option in select["options"]]
    assert len(values) == 100
    assert "Asia/Kolkata" in values
    assert select["initial_option"]["value"] == "Asia/Kolkata"


def test_time_zone_names_read_with_spaces_but_submit_the_iana_name() -> None:
    view = dump(mentee_signup_modal(person(time_zone="America/New_York"), zone_options=ZONES))
    option = inputs(view)[Field.TIME_ZONE]["element"]["initial_option"]
    assert option == {
        "text": {"type": "plain_text", "text": "America/New York", "emoji": True},
        "value": "America/New_York",
    }


# --- availability -------------------------------------------------------------


EXTRA_DAY = MONDAY.date() + timedelta(days=5)  # a Saturday
OFF_FIRST = MONDAY.date() + timedelta(days=24)  # a Thursday, some weeks later
OFF_LAST = OFF_FIRST + timedelta(days=7)  # the Thursday after
SCHEDULE = Schedule(
    weekly=(
        WeeklySlot(weekday=2, start=time(14), end=time(16), id=12),
        WeeklySlot(weekday=0, start=time(9), end=time(12), id=11),
    ),
    time_off=(TimeOff(first_day=OFF_FIRST, last_day=OFF_LAST, id=21),),
    extra=(ExtraSlot(day=EXTRA_DAY, start=time(10), end=time(11), id=31),),
)


def test_the_availability_modal_lists_what_is_set_each_with_remove() -> None:
    view = dump(availability_modal(SCHEDULE, "Europe/Paris", 30))
    text = as_text(view)
    assert view["callback_id"] == Modal.AVAILABILITY
    assert view["title"]["text"] == "Your availability"
    assert view["submit"]["text"] == "Save"
    assert text.index("Monday 09:00–12:00") < text.index("Wednesday 14:00–16:00")
    assert f"{OFF_FIRST:%a %-d %b %Y} – {OFF_LAST:%a %-d %b %Y}" in text
    assert f"{EXTRA_DAY:%a %-d %b %Y}, 10:00–11:00" in text
    assert "Times are in *Europe/Paris*, sessions last 30 minutes" in text
    removes = [(b["action_id"], b["value"]) for b in buttons(view)]
    assert removes == [
        (Action.REMOVE_WEEKLY, SlotRef(row_id=11).encode()),
        (Action.REMOVE_WEEKLY, SlotRef(row_id=12).encode()),
        (Action.REMOVE_TIME_OFF, SlotRef(row_id=21).encode()),
        (Action.REMOVE_EXTRA, SlotRef(row_id=31).encode()),
    ]


def test_the_availability_inputs_are_all_optional_and_named_by_field() -> None:
    fields = inputs(dump(availability_modal(SCHEDULE, "UTC", 30)))
    assert set(fields) == {
        Field.WEEKDAYS,
        Field.DAY,
        Field.START,
        Field.END,
        Field.FIRST_DAY,
        Field.LAST_DAY,
    }
    assert all(block["optional"] for block in fields.values())
    assert {block["element"]["action_id"] for block in fields.values()} == {VALUE}
    weekdays = fields[Field.WEEKDAYS]["element"]
    assert weekdays["type"] == "checkboxes"
    assert [o["value"] for o in weekdays["options"]] == [str(day) for day in range(7)]
    assert weekdays["options"][0]["text"]["text"] == "Monday"
    assert fields[Field.START]["element"]["type"] == "timepicker"
    assert fields[Field.END]["element"]["type"] == "timepicker"
    for day_field in (Field.DAY, Field.FIRST_DAY, Field.LAST_DAY):
        assert fields[day_field]["element"]["type"] == "datepicker"


def test_an_empty_schedule_says_what_to_do_next() -> None:
    view = dump(availability_modal(Schedule(), "UTC", 30))
    text = as_text(view)
    assert "No weekly hours yet. Add some below" in text
    assert "No time off planned" in text
    assert buttons(view) == []


def test_entries_not_yet_saved_have_no_remove_button() -> None:
    schedule = Schedule(weekly=(WeeklySlot(weekday=4, start=time(9), end=time(10)),))
    view = dump(availability_modal(schedule, "UTC", 30))
    assert "Friday 09:00–10:00" in as_text(view)
    assert buttons(view) == []


def test_a_mentor_with_hundreds_of_entries_still_gets_a_valid_modal_showing_each_kind() -> None:
    schedule = Schedule(
        weekly=tuple(
            WeeklySlot(weekday=i % 7, start=time(i % 24), end=time(i % 24, 30), id=i + 1)
            for i in range(150)
        ),
        time_off=tuple(
            TimeOff(OFF_LAST + timedelta(days=i + 1), OFF_LAST + timedelta(days=i + 1), i + 1)
            for i in range(60)
        ),
        extra=(ExtraSlot(day=EXTRA_DAY, start=time(10), end=time(11), id=7),),
    )
    view = dump(availability_modal(schedule, "UTC", 30))
    actions = [b["action_id"] for b in buttons(view)]
    assert len(view["blocks"]) <= 100
    assert set(actions) == {Action.REMOVE_WEEKLY, Action.REMOVE_TIME_OFF, Action.REMOVE_EXTRA}
    assert actions.count(Action.REMOVE_EXTRA) == 1
    hidden = 150 + 60 + 1 - len(actions)
    assert f"{hidden} more entries are not shown" in as_text(view)
    assert len(inputs(view)) == 6
