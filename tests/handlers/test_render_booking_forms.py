"""The modals for booking a session and rescheduling one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.errors import InvalidInput, OccurrenceTaken
from domain.model import Repeat, Session, SessionStatus, Slot
from handlers import forms
from handlers.forms import NO_REPEAT
from handlers.ids import VALUE, Field, Modal
from handlers.render.booking import booking_modal, occurrence_taken_text, reschedule_modal
from tests.dates import NEXT_YEAR, on, utc, weekday_after
from tests.handlers.form_samples import dump, inputs, person
from tests.handlers.samples import as_text


def slots_from(start: datetime, count: int, minutes: int = 30) -> list[Slot]:
    step = timedelta(minutes=minutes)
    return [Slot(start + i * step, start + (i + 1) * step) for i in range(count)]


def every_option(select: dict[str, Any]) -> list[dict[str, Any]]:
    return [option for group in select["option_groups"] for option in group["options"]]


# --- booking and rescheduling ---------------------------------------------------


MENTOR = person(display_name="Ana <!channel>")
# A Tuesday in January (New York on standard time, UTC-5, as the times below
# assume), 23:30 UTC.
TUESDAY = weekday_after(utc(NEXT_YEAR, 1, 1), 1)
FIRST = on(TUESDAY, 23, 30)
DAY = timedelta(days=1)
HALF_HOUR = timedelta(minutes=30)


def epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def test_booking_offers_at_most_100_times_working_hours_first_with_a_note() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 300), "UTC", '{"m":5}'))
    select = inputs(view)[Field.SLOT]["element"]
    values = [option["value"] for option in every_option(select)]
    # 300 half hours from Tuesday 23:30 UTC to the next Tuesday 05:30: Wednesday,
    # Thursday, Friday and Monday 08:00-18:00 are the viewer's working hours (80
    # times), listed first; then the earliest 20 of the others: Tuesday 23:30,
    # Wednesday 00:00 to 07:30 and 18:00 to 19:00.
    wednesday, monday = TUESDAY + DAY, TUESDAY + 6 * DAY
    working = [
        on(day, 8) + n * HALF_HOUR
        for day in (wednesday, wednesday + DAY, wednesday + 2 * DAY, monday)
        for n in range(20)
    ]
    others = [
        FIRST,
        *(on(wednesday, 0) + n * HALF_HOUR for n in range(16)),
        *(on(wednesday, 18) + n * HALF_HOUR for n in range(3)),
    ]
    assert values == [epoch(moment) for moment in working + others]
    assert "Showing 100 of 300 free times, those in your working day first." in as_text(view)


def test_booking_groups_times_by_the_viewers_own_days() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 300), "Asia/Kolkata", "{}"))
    groups = inputs(view)[Field.SLOT]["element"]["option_groups"]
    # 23:30 UTC on Tuesday is 05:00 on Wednesday in Kolkata (UTC+05:30), 00:30 on
    # Wednesday in Paris (UTC+01:00); the last time starts on the next Tuesday at
    # 10:30 in Kolkata. Working hours first (86 times), then 14 of the others.
    outside = " · outside your working day"
    assert [group["label"]["text"] for group in groups] == [
        *(f"{TUESDAY + n * DAY:%a %-d %b}" for n in (1, 2, 3, 6, 7)),
        f"{TUESDAY + DAY:%a %-d %b}{outside}",
    ]
    assert [len(group["options"]) for group in groups] == [20, 20, 20, 20, 6, 14]
    assert groups[0]["options"][0]["text"]["text"] == "08:00–08:30 (03:30 for Ana)"
    assert groups[-1]["options"][0]["text"]["text"] == (
        "05:00–05:30 (00:30 for Ana) · early for you"
    )
    assert groups[-1]["options"][-1]["text"]["text"] == (
        "21:30–22:00 (17:00 for Ana) · late for you"
    )
    assert "times shown in Asia/Kolkata" in as_text(view)


def test_the_same_slots_fall_on_the_previous_day_for_a_viewer_in_new_york() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 2), "America/New_York", "{}"))
    [group] = inputs(view)[Field.SLOT]["element"]["option_groups"]
    # 18:30 EST on Tuesday: after the viewer's working day, Wednesday in Paris.
    assert group["label"]["text"] == f"{TUESDAY:%a %-d %b} · outside your working day"
    assert [o["text"]["text"] for o in group["options"]] == [
        "18:30–19:00 (Wed 00:30 for Ana) · late for you",
        "19:00–19:30 (Wed 01:00 for Ana) · late for you",
    ]


def test_booking_option_values_are_epoch_seconds_in_time_order() -> None:
    shuffled = list(reversed(slots_from(FIRST, 10)))
    view = dump(booking_modal(MENTOR, shuffled + shuffled[:2], "UTC", "{}"))
    values = [option["value"] for option in every_option(inputs(view)[Field.SLOT]["element"])]
    assert values == [str(int(slot.starts_at.timestamp())) for slot in slots_from(FIRST, 10)]
    assert "Showing" not in as_text(view)


def test_the_booking_modal_carries_metadata_escapes_the_name_and_asks_for_a_topic() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 3), "UTC", '{"mentor_id":5}'))
    assert view["callback_id"] == Modal.BOOK
    assert view["title"]["text"] == "Book a session"
    assert view["submit"]["text"] == "Book"
    assert view["close"]["text"] == "Cancel"
    assert view["private_metadata"] == '{"mentor_id":5}'
    assert "Ana &lt;!channel&gt;" in as_text(view)
    assert "<!channel>" not in as_text(view["blocks"][0])
    topic = inputs(view)[Field.TOPIC]
    assert topic["optional"] is True
    assert topic["element"]["multiline"] is True
    assert topic["element"]["max_length"] == 300
    assert list(inputs(view)) == [Field.SLOT, Field.TOPIC, Field.REPEAT, Field.REPEAT_TIMES]


def test_the_booking_modal_does_not_repeat_unless_asked_and_offers_the_domains_numbers() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 3), "UTC", '{"mentor_id":5}'))
    often = inputs(view)[Field.REPEAT]["element"]
    assert often["initial_option"]["text"]["text"] == "Does not repeat"
    assert [o["value"] for o in often["options"]] == [NO_REPEAT, "1", "2", "4"]
    times = inputs(view)[Field.REPEAT_TIMES]
    assert times["optional"] is True
    assert [o["value"] for o in times["element"]["options"]] == [str(n) for n in range(2, 13)]


def test_the_repeat_is_read_from_the_modal_and_absent_means_a_single_session() -> None:
    def state(**values: str) -> dict[str, Any]:
        return {
            "values": {
                field: {VALUE: {"type": "static_select", "selected_option": {"value": v}}}
                for field, v in values.items()
            }
        }

    assert forms.repeat({"values": {}}) is None
    assert forms.repeat(state(repeat=NO_REPEAT, repeat_times="4")) is None
    assert forms.repeat(state(repeat="2", repeat_times="6")) == Repeat(every_weeks=2, times=6)
    with pytest.raises(InvalidInput) as missing:
        forms.repeat(state(repeat="1"))
    assert missing.value.field == Field.REPEAT_TIMES
    with pytest.raises(InvalidInput) as forged:
        forms.repeat(state(repeat="weekly", repeat_times="3"))
    assert forged.value.field == Field.REPEAT


def test_a_series_session_that_is_not_free_is_told_in_the_viewers_zone() -> None:
    error = OccurrenceTaken(3, 6, FIRST, FIRST + HALF_HOUR)
    said = occurrence_taken_text(error, "America/New_York")
    # 23:30 UTC in January is 18:30 in New York.
    assert said.startswith("Session 3 of 6, Tue")
    assert ", 18:30, is not free. The nearest free time is " in said
    assert "19:00" in said
    alone = occurrence_taken_text(OccurrenceTaken(2, 2, FIRST, None), "UTC")
    assert "no free time within a week" in alone


def test_booking_a_mentor_without_free_time_explains_and_offers_no_submit() -> None:
    view = dump(booking_modal(MENTOR, [], "UTC", "{}"))
    assert "submit" not in view
    assert view["close"]["text"] == "Close"
    assert inputs(view) == {}
    assert "has no free time in the next 14 days" in as_text(view)
    assert "/mentor find" in as_text(view)


SESSION = Session(
    id=9,
    workspace_id="T1",
    mentor_id=5,
    mentee_id=6,
    starts_at=on(TUESDAY + 2 * DAY, 10, 0),  # Thursday
    ends_at=on(TUESDAY + 2 * DAY, 10, 30),
    status=SessionStatus.SCHEDULED,
)


def test_rescheduling_shows_the_current_time_and_the_same_picker_as_booking() -> None:
    slots = slots_from(FIRST, 150)
    view = dump(reschedule_modal(SESSION, MENTOR, slots, "Asia/Kolkata", '{"session_id":9}'))
    booking = dump(booking_modal(MENTOR, slots, "Asia/Kolkata", "{}"))
    assert view["callback_id"] == Modal.RESCHEDULE
    assert view["submit"]["text"] == "Move"
    assert view["private_metadata"] == '{"session_id":9}'
    assert f"<!date^{int(SESSION.starts_at.timestamp())}^" in as_text(view)
    assert f"{TUESDAY + 2 * DAY:%a %-d %b}, 15:30 (Asia/Kolkata)" in as_text(view)
    assert inputs(view)[Field.SLOT]["element"] == inputs(booking)[Field.SLOT]["element"]
    assert "Showing 100 of 150 free times" in as_text(view)


def test_rescheduling_without_free_time_offers_no_submit() -> None:
    view = dump(reschedule_modal(SESSION, MENTOR, [], "UTC", "{}"))
    assert "submit" not in view
    assert inputs(view) == {}
    assert "no other free time" in as_text(view)


# --- the viewer's working day and the other person's clock ----------------------


def option_texts(view: dict[str, Any]) -> list[str]:
    return [o["text"]["text"] for o in every_option(inputs(view)[Field.SLOT]["element"])]


def test_people_whose_clocks_agree_see_no_other_time_whatever_their_zones_are_called() -> None:
    # Paris (Ana) and Berlin are both UTC+01:00 in January: 09:00 UTC is 10:00.
    wednesday = TUESDAY + DAY
    view = dump(booking_modal(MENTOR, slots_from(on(wednesday, 9), 2), "Europe/Berlin", "{}"))
    assert option_texts(view) == ["10:00–10:30", "10:30–11:00"]


def test_a_mentor_moving_a_session_sees_their_own_working_day_and_the_mentees_clock() -> None:
    mentee = person(id=6, display_name="Ben Okafor", time_zone="America/New_York")
    wednesday, saturday = TUESDAY + DAY, TUESDAY + 4 * DAY
    slots = [*slots_from(on(saturday, 10), 1), *slots_from(on(wednesday, 9), 1)]
    view = dump(reschedule_modal(SESSION, mentee, slots, "Europe/Paris", "{}"))
    groups = inputs(view)[Field.SLOT]["element"]["option_groups"]
    # Paris is UTC+01:00 and New York UTC-05:00: Wednesday 09:00 UTC is 10:00 for
    # the mentor and 04:00 for Ben; Saturday 10:00 UTC is 11:00 and 05:00.
    assert [group["label"]["text"] for group in groups] == [
        f"{wednesday:%a %-d %b}",
        f"{saturday:%a %-d %b} · outside your working day",
    ]
    assert option_texts(view) == [
        "10:00–10:30 (04:00 for Ben)",
        "11:00–11:30 (05:00 for Ben) · weekend for you",
    ]


def test_a_long_name_is_cut_so_that_every_time_fits_in_an_option() -> None:
    mentor = person(display_name="Wolfeschlegelsteinhausenbergerdorff Senior")
    # 18:30-19:00 EST on Tuesday, Wednesday 00:30 in Paris: the longest kind of text.
    view = dump(booking_modal(mentor, slots_from(FIRST, 1), "America/New_York", "{}"))
    [text] = option_texts(view)
    assert text == "18:30–19:00 (Wed 00:30 for Wolfeschlegelsteinh…) · late for you"
    assert len(text) <= 75
