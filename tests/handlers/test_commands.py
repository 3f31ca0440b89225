"""`/mentor` sub-commands as people type them, good and bad."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from handlers.ids import Field, Modal
from tests.handlers.conftest import NOW, Harness


def _answer(h: Harness, user: str, typed: str) -> str:
    before = len(h.slack.calls_to("response_url"))
    assert h.command(user, typed).status == 200
    return h.next_call("response_url", after=before).text()


def _mentor(h: Harness, user: str = "UMAYA") -> None:
    h.command(user, "signup mentor")
    view = h.opened_view()
    h.submit(
        user,
        view,
        {
            Field.DEPARTMENT: text_input("Engineering"),
            Field.EXPERTISE: text_input("python"),
            Field.SESSION_MINUTES: select("30"),
            Field.TIME_ZONE: select("Europe/London"),
        },
    )
    h.slack.clear()


@pytest.mark.parametrize("typed", ["", "help", "what is this", "HELP"])
def test_help_and_unknown_text_show_how_to_use_the_command(h: Harness, typed: str) -> None:
    answer = _answer(h, "UBEN", typed)
    assert "/mentor find" in answer
    assert "/mentor book" in answer


def test_a_huge_argument_gets_a_polite_answer(h: Harness) -> None:
    assert "longer than I can read" in _answer(h, "UBEN", "find " + "x" * 3000)


def test_control_characters_are_harmless(h: Harness) -> None:
    assert "No mentors" in _answer(h, "UBEN", "find \x00\x07py\u202ethon")  # nobody to find yet


def test_a_mentor_named_in_another_script_is_found_by_that_name(h: Harness) -> None:
    h.slack.add_user("UYULIA", "Юлия Иванова", "Europe/London", "Аналитик")
    _mentor(h, "UYULIA")
    _mentor(h, "UMAYA")
    found = _answer(h, "UBEN", "find Юлия")
    assert found.startswith("1 mentor matching “Юлия”\nMentors matching “Юлия”\n*Юлия Иванова*")
    assert "Maya" not in found
    assert "No mentors match “Олег”" in _answer(h, "UBEN", "find Олег")


def test_signup_opens_the_mentor_form_after_reading_the_slack_profile(h: Harness) -> None:
    h.command("UCARA", "signup mentor")
    view = h.opened_view()
    assert view["callback_id"] == Modal.SIGNUP_MENTOR
    assert h.calls("users.info", user="UCARA")


def test_a_signup_with_a_missing_field_stays_open_with_the_error_beside_it(
    h: Harness, owner_engine: Engine
) -> None:
    h.command("UCARA", "signup mentor")
    view = h.opened_view()
    reply = h.submit(
        "UCARA", view, {Field.DEPARTMENT: text_input("Ops"), Field.EXPERTISE: text_input(" , ")}
    )
    body = reply.json()
    assert body["response_action"] == "errors"
    assert Field.EXPERTISE in body["errors"]
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE is_mentor")).scalar_one() == 0


def test_availability_shortcuts_add_clear_and_take_time_off(
    h: Harness, owner_engine: Engine
) -> None:
    _mentor(h)
    assert "Added" in _answer(h, "UMAYA", "availability add mon,wed 09:00-12:00")
    first, last = NOW.date() + timedelta(days=24), NOW.date() + timedelta(days=31)
    assert "Time off saved" in _answer(h, "UMAYA", f"availability off {first} {last}")
    assert "not a day" in _answer(h, "UMAYA", "availability add funday 09:00-12:00")
    assert "09:00-12:00" in _answer(h, "UMAYA", "availability add mon 9am")
    assert "YYYY-MM-DD" in _answer(h, "UMAYA", "availability off christmas")
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM availability")).scalar_one() == 2
    assert "Removed all 2" in _answer(h, "UMAYA", "availability clear")


def test_only_mentors_get_the_availability_editor(h: Harness) -> None:
    assert "Only mentors" in _answer(h, "UBEN", "availability")


def test_booking_an_unknown_or_unmentioned_person_is_explained(h: Harness) -> None:
    assert "Mention the mentor" in _answer(h, "UBEN", "book maya")
    # The modal opens at once (the trigger lives 3 s) and then says why it is empty.
    h.command("UBEN", "book <@UNOBODY|nobody>")
    assert "hasn't joined" in h.next_call("views.update").text()


def test_stats_are_for_programme_managers_only(h: Harness) -> None:
    assert "Only programme managers" in _answer(h, "UBEN", "stats")
    assert "dashboard" in _answer(h, "UOLGA", "stats").lower()


def test_calendar_without_a_public_url_says_what_to_set_and_makes_no_feed(
    h: Harness, owner_engine: Engine
) -> None:
    said = _answer(h, "UBEN", "calendar")
    assert "MENTORSHIP_PUBLIC_URL" in said
    assert "public https address" in said
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calendar_feeds")).scalar_one() == 0
