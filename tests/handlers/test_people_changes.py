"""People leave, and Slack tells the bot when people and installs change: the
App Home of someone who left, the requests of the people around them, and
Slack's `user_change`, `app_uninstalled` and `tokens_revoked` events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from bot.errors import is_apology
from bot.standin.payloads import select, text_input
from handlers.ids import Action, Field
from handlers.metadata import SessionRef
from tests.handlers.conftest import Harness, wait_for
from tests.storage.seed import add_session, add_user, set_actor


def _pair(h: Harness, engine: Engine, *, status: str, days: int) -> tuple[int, int, int]:
    """Maya mentors Ben in a session `days` from the harness's now; (maya, ben, session)."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name="Maya Patel")
        ben = add_user(conn, "T1", "UBEN", mentee=True, name="Ben Okafor")
        session = add_session(
            conn,
            "T1",
            maya,
            ben,
            starts_at=h.clock.now() + timedelta(days=days),
            status=status,
        )
    return maya, ben, session


def _leave(engine: Engine, slack_user: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET is_active = false WHERE slack_user_id = :u"), {"u": slack_user}
        )


def _texts(h: Harness, method: str, **match: Any) -> list[str]:
    return [call.text() for call in h.calls(method, **match)]


def _apologies(h: Harness) -> list[str]:
    return [t for t in _texts(h, "chat.postMessage") if is_apology(t)]


# --- (5) someone who left ------------------------------------------------------


def test_someone_who_left_sees_a_home_that_says_so_and_how_to_rejoin(
    h: Harness, owner_engine: Engine
) -> None:
    _pair(h, owner_engine, status="completed", days=-2)
    _leave(owner_engine, "UMAYA")
    h.open_home("UMAYA")
    home = h.next_call("views.publish", user_id="UMAYA").view()
    h.settle()
    shown = str(home)
    assert "You have left the mentorship programme" in shown
    assert "/mentor signup" in shown
    assert {Action.SIGNUP_MENTOR, Action.SIGNUP_MENTEE} <= {
        e.get("action_id") for b in home["blocks"] for e in b.get("elements", [])
    }
    assert _apologies(h) == []


def test_feedback_on_a_session_with_someone_who_left_is_saved_and_reported_as_saved(
    h: Harness, owner_engine: Engine
) -> None:
    _maya, ben, session = _pair(h, owner_engine, status="completed", days=-2)
    _leave(owner_engine, "UMAYA")
    h.click("UBEN", Action.LEAVE_FEEDBACK, SessionRef(session_id=session).encode())
    form = h.last_view_opened()
    reply = h.submit("UBEN", form, {Field.RATING: select("5"), Field.COMMENT: text_input("Kind")})
    assert "errors" not in reply.body, reply.body
    wait_for(
        lambda: "Thank you for your feedback!" in _texts(h, "chat.postMessage", channel="UBEN")
    )
    h.settle()
    assert _apologies(h) == []
    with owner_engine.connect() as conn:
        saved = conn.execute(text("SELECT author_id, rating FROM feedback")).all()
    assert [tuple(row) for row in saved] == [(ben, 5)]
