"""A zone someone picks must be a place's clock: a forged profile or sign-up
submission naming `localtime`, `Factory`, `posixrules` or the database's
`posix/` and `right/` copies is refused beside the field, nothing stored.
(The digest zone: tests/handlers/test_settings.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from handlers.ids import Action, Field, Modal
from tests.handlers.conftest import Harness
from tests.handlers.people import NOT_PLACES, mentor_and_mentee, not_a_place


def _zones(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT slack_user_id, time_zone FROM users"))
        return {row.slack_user_id: row.time_zone for row in rows}


@pytest.mark.parametrize("key", NOT_PLACES)
def test_a_profile_edit_naming_no_place_is_refused_and_the_zone_stays(
    h: Harness, owner_engine: Engine, key: str
) -> None:
    mentor_and_mentee(h)
    before = _zones(owner_engine)
    h.click("UMAYA", Action.EDIT_PROFILE, "")
    view = h.opened_view()
    assert view["callback_id"] == Modal.EDIT_PROFILE

    reply = h.submit(
        "UMAYA",
        view,
        {Field.DISPLAY_NAME: text_input("Maya Patel"), Field.TIME_ZONE: select(key)},
    )

    assert reply.json() == {
        "response_action": "errors",
        "errors": {Field.TIME_ZONE: not_a_place(key)},
    }
    assert _zones(owner_engine) == before


@pytest.mark.parametrize("key", ["localtime", "Factory"])
def test_a_mentor_sign_up_naming_no_place_is_refused_and_nobody_is_signed_up(
    h: Harness, owner_engine: Engine, key: str
) -> None:
    h.command("UCARA", "signup mentor")
    reply = h.submit(
        "UCARA",
        h.opened_view(),
        {
            Field.DEPARTMENT: text_input("Engineering"),
            Field.EXPERTISE: text_input("python"),
            Field.TIME_ZONE: select(key),
            Field.SESSION_MINUTES: select("30"),
        },
    )

    assert reply.json() == {
        "response_action": "errors",
        "errors": {Field.TIME_ZONE: not_a_place(key)},
    }
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE is_mentor")).scalar_one() == 0


def test_a_place_outside_the_common_list_is_taken(h: Harness, owner_engine: Engine) -> None:
    mentor_and_mentee(h)
    h.click("UMAYA", Action.EDIT_PROFILE, "")
    reply = h.submit(
        "UMAYA",
        h.opened_view(),
        {Field.DISPLAY_NAME: text_input("Maya Patel"), Field.TIME_ZONE: select("Asia/Kathmandu")},
    )

    assert reply.status == 200
    assert not reply.body or "errors" not in reply.json()
    assert _zones(owner_engine)["UMAYA"] == "Asia/Kathmandu"
