"""The booking modal as a mentee sees it when the mentor lives elsewhere: times in
the mentee's working day first, the others after them and marked, and the
mentor's clock beside each time; none of that when both clocks agree.

Through the bot over HTTP: people sign up and book as they would in Slack, and
the modal is read from what the stand-in Slack was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.standin.payloads import select, text_input
from handlers.ids import Field
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee

HALF_HOUR = timedelta(minutes=30)
OUTSIDE = " · outside your working day"


def _answer(h: Harness, user: str, typed: str) -> None:
    before = len(h.slack.calls_to("response_url"))
    assert h.command(user, typed).status == 200
    h.next_call("response_url", after=before)


def _times(view: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(group label, option value, option text) of every time offered, in order."""
    element = next(b for b in view["blocks"] if b.get("block_id") == Field.SLOT)["element"]
    return [
        (group["label"]["text"], option["value"], option["text"]["text"])
        for group in element["option_groups"]
        for option in group["options"]
    ]


def _booking_modal(h: Harness) -> list[tuple[str, str, str]]:
    h.slack.clear()
    assert h.command("UBEN", "book <@UMAYA|maya>").status == 200
    return _times(h.opened_view())


def test_booking_a_mentor_far_away_lists_the_mentees_working_hours_first_with_her_clock_beside(
    h: Harness,
) -> None:
    # Maya (London) is free on weekdays 09:00-12:00 and 14:00-15:00; Ben is in New
    # York, five hours behind (four in the weeks the two change clocks apart), so
    # her mornings are before 08:00 for him and her afternoons inside his day.
    mentor_and_mentee(h)
    _answer(h, "UMAYA", "availability add mon-fri 14:00-15:00")

    times = _booking_modal(h)

    outside = ["for you" in text for _, _, text in times]
    assert any(outside), "some times are outside Ben's day"
    assert not all(outside), "and some inside it"
    assert outside == sorted(outside), "every marked time comes after the unmarked ones"
    for label, value, text in times:
        start = datetime.fromtimestamp(int(value), UTC)
        ben, maya = (
            start.astimezone(ZoneInfo("America/New_York")),
            start.astimezone(ZoneInfo("Europe/London")),
        )
        early = maya.hour < 12
        mark = " · early for you" if early else ""
        assert text == f"{ben:%H:%M}–{ben + HALF_HOUR:%H:%M} ({maya:%H:%M} for Maya){mark}"
        assert label == f"{ben:%a} {ben.day} {ben:%b}{OUTSIDE if early else ''}"
    for part in (False, True):
        starts = [
            int(value)
            for (_, value, _), marked in zip(times, outside, strict=True)
            if marked is part
        ]
        assert starts == sorted(starts), "each part in time order"


def test_booking_a_mentor_on_the_same_clock_shows_only_the_mentees_times(h: Harness) -> None:
    # Berlin and Paris keep the same clock all year, under different names.
    h.command("UMAYA", "signup mentor")
    h.submit(
        "UMAYA",
        h.opened_view(),
        {
            Field.DEPARTMENT: text_input("Engineering"),
            Field.EXPERTISE: text_input("python"),
            Field.TIME_ZONE: select("Europe/Berlin"),
            Field.SESSION_MINUTES: select("30"),
        },
    )
    _answer(h, "UMAYA", "availability add mon-fri 09:00-12:00")
    h.command("UBEN", "signup mentee")
    h.submit(
        "UBEN",
        h.opened_view(after=1),
        {
            Field.DEPARTMENT: text_input("Sales"),
            Field.LEARNING_GOALS: text_input("python"),
            Field.TIME_ZONE: select("Europe/Paris"),
        },
    )

    times = _booking_modal(h)

    assert times
    for label, value, text in times:
        start = datetime.fromtimestamp(int(value), UTC).astimezone(ZoneInfo("Europe/Paris"))
        assert text == f"{start:%H:%M}–{start + HALF_HOUR:%H:%M}"
        assert label == f"{start:%a} {start.day} {start:%b}"
