"""The modals for booking a session and rescheduling one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.model import Session, SessionStatus, Slot
from handlers.ids import Field, Modal
from handlers.render.booking import booking_modal, reschedule_modal
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


def test_booking_offers_at_most_100_times_with_a_note_when_there_are_more() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 300), "UTC", '{"m":5}'))
    select = inputs(view)[Field.SLOT]["element"]
    options = every_option(select)
    assert len(options) == 100
    assert options[0]["value"] == str(int(FIRST.timestamp()))
    assert options[-1]["value"] == str(int((FIRST + timedelta(minutes=30 * 99)).timestamp()))
    assert "Showing the first 100 free times" in as_text(view)


def test_booking_groups_times_by_the_viewers_own_days() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 300), "Asia/Kolkata", "{}"))
    groups = inputs(view)[Field.SLOT]["element"]["option_groups"]
    # 23:30 UTC on Tuesday is 05:00 on Wednesday in Kolkata.
    assert groups[0]["label"]["text"] == f"{TUESDAY + DAY:%a %-d %b}"
    assert groups[0]["options"][0]["text"]["text"] == "05:00–05:30"
    assert [group["label"]["text"] for group in groups] == [
        f"{TUESDAY + n * DAY:%a %-d %b}" for n in (1, 2, 3)
    ]
    assert len(groups[0]["options"]) == 38  # 05:00 to midnight, in half hours
    assert "times shown in Asia/Kolkata" in as_text(view)


def test_the_same_slots_fall_on_the_previous_day_for_a_viewer_in_new_york() -> None:
    view = dump(booking_modal(MENTOR, slots_from(FIRST, 2), "America/New_York", "{}"))
    group = inputs(view)[Field.SLOT]["element"]["option_groups"][0]
    assert group["label"]["text"] == f"{TUESDAY:%a %-d %b}"
    assert [o["text"]["text"] for o in group["options"]] == ["18:30–19:00", "19:00–19:30"]


def test_booking_option_values_are_epoch_seconds_in_time_order() -> None:
    shuffled = list(reversed(slots_from(FIRST, 10)))
    view = dump(booking_modal(MENTOR, shuffled + shuffled[:2], "UTC", "{}"))
    values = [option["value"] for option in every_option(inputs(view)[Field.SLOT]["element"])]
    assert values == [str(int(slot.starts_at.timestamp())) for slot in slots_from(FIRST, 10)]
    assert "Showing the first" not in as_text(view)


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
    assert list(inputs(view)) == [Field.SLOT, Field.TOPIC]


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
    assert "Showing the first 100 free times" in as_text(view)


def test_rescheduling_without_free_time_offers_no_submit() -> None:
    view = dump(reschedule_modal(SESSION, MENTOR, [], "UTC", "{}"))
    assert "submit" not in view
    assert inputs(view) == {}
    assert "no other free time" in as_text(view)
