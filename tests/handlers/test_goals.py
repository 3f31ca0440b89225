"""Goals through signed requests: `/mentor goals`, adding and updating one, the
booking and the feedback that name one, what the mentor sees of them, and
refusals for anyone else and for bad input (nothing stored)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from domain import limits
from handlers.ids import Action, Field, Modal
from handlers.metadata import GoalRef, MentorRef, SessionMessageRef, SessionRef
from tests.handlers.conftest import NOW, Harness, wait_for
from tests.handlers.people import mentor_and_mentee
from tests.storage.seed import add_user, set_actor


def _rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _id(engine: Engine, sql: str, **params: Any) -> int:
    [(found,)] = _rows(engine, sql, **params)
    return int(found)


def _day(day: date) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": day.isoformat()}


def _buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        elements = [
            *block.get("elements", []),
            *([block["accessory"]] if "accessory" in block else []),
        ]
        found += [e for e in elements if e.get("action_id") == action_id]
    return found


def _dm_texts(h: Harness, user: str) -> list[str]:
    return [call.text() for call in h.calls("chat.postMessage", channel=user)]


def _bens_goals(h: Harness, owner_engine: Engine) -> int:
    """Maya mentors, Ben is a mentee whose learning goal ("python") has become a
    goal through `/mentor goals`; the goal's id."""
    mentor_and_mentee(h)
    h.command("UBEN", "goals")
    h.next_call("response_url")
    h.settle()
    h.slack.clear()
    return _id(owner_engine, "SELECT id FROM goals")


def _add_form(h: Harness) -> dict[str, Any]:
    h.click("UBEN", Action.ADD_GOAL, "")
    form = h.opened_view()
    assert form["callback_id"] == Modal.ADD_GOAL
    return form


# --- /mentor goals, add, update ---------------------------------------------------------


def test_mentor_goals_turns_learning_goals_into_goals_and_shows_the_progress(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    h.command("UBEN", "goals")
    shown = h.next_call("response_url")
    assert "Python" in shown.text()
    assert "Your learning goals are now goals you can track" in shown.text()
    assert "0 of 1 achieved" in shown.text()
    assert _buttons(shown.blocks(), Action.ADD_GOAL)
    [update] = _buttons(shown.blocks(), Action.UPDATE_GOAL)
    goal = _id(owner_engine, "SELECT id FROM goals WHERE title = 'Python'")
    assert update["value"] == GoalRef(goal_id=goal).encode()
    assert _rows(owner_engine, "SELECT from_status, to_status FROM goal_history") == [
        (None, "not_started")
    ]


def test_goals_are_for_mentees_and_a_mentor_is_told_how_to_become_one(h: Harness) -> None:
    mentor_and_mentee(h)
    h.command("UMAYA", "goals")
    assert "`/mentor signup mentee`" in h.next_call("response_url").text()


def test_a_mentee_adds_a_goal_and_it_is_stored_confirmed_and_on_the_home_tab(
    h: Harness, owner_engine: Engine
) -> None:
    _bens_goals(h, owner_engine)
    target = NOW.date() + timedelta(days=30)
    reply = h.submit(
        "UBEN",
        _add_form(h),
        {
            Field.GOAL_TITLE: text_input("  Give a talk at the all-hands "),
            Field.TARGET_DATE: _day(target),
            Field.GOAL_NOTES: text_input("Five minutes is enough"),
        },
    )
    assert reply.status == 200
    assert not reply.body, reply.body
    assert _rows(
        owner_engine,
        "SELECT title, status, target_date, notes FROM goals WHERE title <> 'Python'",
    ) == [("Give a talk at the all-hands", "not_started", target, "Five minutes is enough")]
    wait_for(lambda: any("Saved: “Give a talk" in t for t in _dm_texts(h, "UBEN")))
    wait_for(
        lambda: any(
            "Give a talk at the all-hands" in call.text()
            for call in h.calls("views.publish", user_id="UBEN")
        ),
        what="Ben's Home with the new goal",
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({Field.GOAL_TITLE: text_input("x" * 5000)}, Field.GOAL_TITLE),
        ({Field.GOAL_TITLE: text_input(" \t ")}, Field.GOAL_TITLE),
        (
            {
                Field.GOAL_TITLE: text_input("Speak up"),
                Field.TARGET_DATE: _day(NOW.date() - timedelta(days=2)),
            },
            Field.TARGET_DATE,
        ),
        (
            {
                Field.GOAL_TITLE: text_input("Speak up"),
                Field.GOAL_NOTES: text_input("n" * (limits.GOAL_NOTES + 1)),
            },
            Field.GOAL_NOTES,
        ),
    ],
    ids=["5000 characters", "empty", "a past target date", "long notes"],
)
def test_a_bad_goal_is_refused_beside_its_field_and_nothing_is_stored(
    h: Harness, owner_engine: Engine, values: dict[str, Any], field: Field
) -> None:
    mentor_and_mentee(h)
    reply = h.submit("UBEN", _add_form(h), values)
    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [field]
    # Not even the learning goals a first add would have turned into goals.
    assert _rows(owner_engine, "SELECT count(*) FROM goals") == [(0,)]
    assert _rows(owner_engine, "SELECT count(*) FROM goal_history") == [(0,)]


def test_a_mentee_updates_a_goal_from_its_button(h: Harness, owner_engine: Engine) -> None:
    goal = _bens_goals(h, owner_engine)
    h.click("UBEN", Action.UPDATE_GOAL, GoalRef(goal_id=goal).encode())
    form = h.opened_view()
    assert form["callback_id"] == Modal.UPDATE_GOAL
    reply = h.submit(
        "UBEN",
        form,
        {
            Field.GOAL_STATUS: select("in_progress"),
            Field.GOAL_NOTES: text_input("Doing the course"),
        },
    )
    assert not reply.body, reply.body
    assert _rows(owner_engine, "SELECT status, notes FROM goals") == [
        ("in_progress", "Doing the course")
    ]
    assert _rows(owner_engine, "SELECT from_status, to_status, note FROM goal_history ORDER BY id")[
        -1
    ] == ("not_started", "in_progress", "Doing the course")
    wait_for(lambda: any("🔵 In progress" in t for t in _dm_texts(h, "UBEN")))


def test_an_unknown_status_is_refused_and_nothing_changes(h: Harness, owner_engine: Engine) -> None:
    goal = _bens_goals(h, owner_engine)
    h.click("UBEN", Action.UPDATE_GOAL, GoalRef(goal_id=goal).encode())
    reply = h.submit("UBEN", h.opened_view(), {Field.GOAL_STATUS: select("finished")})
    assert reply.json()["errors"] == {Field.GOAL_STATUS: "Pick a status from the list."}
    assert _rows(owner_engine, "SELECT status FROM goals") == [("not_started",)]


def test_nobody_else_opens_or_updates_a_goal_even_their_mentor(
    h: Harness, owner_engine: Engine
) -> None:
    goal = _bens_goals(h, owner_engine)
    # Maya may read Ben's goals once he books her; she may never change them.
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya(owner_engine)).encode())
    booking = h.opened_view()
    h.submit("UBEN", booking, {Field.SLOT: select(_first_slot(booking))})
    h.settle()
    h.command("UCARA", "signup mentee")
    h.submit(
        "UCARA",
        h.opened_view(after=1),
        {Field.DEPARTMENT: text_input("Ops"), Field.LEARNING_GOALS: text_input("go")},
    )
    forged = GoalRef(goal_id=goal).encode()
    for intruder, opened in (("UCARA", 2), ("UMAYA", 3)):
        # A forged Update button opens no form.
        h.click(intruder, Action.UPDATE_GOAL, forged)
        refusal = h.opened_view(after=opened)
        assert "I can't find that goal: it isn't one of yours." in str(refusal)
        assert refusal.get("callback_id") != Modal.UPDATE_GOAL
        # A forged submission of the form is refused beside the status.
        own_form = {"callback_id": Modal.UPDATE_GOAL, "private_metadata": forged, "blocks": []}
        reply = h.submit(intruder, own_form, {Field.GOAL_STATUS: select("dropped")})
        assert reply.json()["errors"] == {
            Field.GOAL_STATUS: "I can't find that goal: it isn't one of yours."
        }
    assert _rows(owner_engine, "SELECT status FROM goals WHERE id = :g", g=goal) == [
        ("not_started",)
    ]


# --- booking about a goal, and what the mentor sees ------------------------------------------


def _maya(engine: Engine) -> int:
    return _id(engine, "SELECT id FROM users WHERE slack_user_id = 'UMAYA'")


def _first_slot(booking: dict[str, Any]) -> str:
    slot = next(block for block in booking["blocks"] if block.get("block_id") == Field.SLOT)
    return str(slot["element"]["option_groups"][0]["options"][0]["value"])


def test_the_mentor_sees_the_mentees_goals_read_only_in_the_request_and_from_the_session(
    h: Harness, owner_engine: Engine
) -> None:
    goal = _bens_goals(h, owner_engine)
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya(owner_engine)).encode())
    booking = h.opened_view()
    [picker] = [b for b in booking["blocks"] if b.get("block_id") == Field.GOAL]
    assert [o["value"] for o in picker["element"]["options"]] == [str(goal)]
    reply = h.submit(
        "UBEN", booking, {Field.SLOT: select(_first_slot(booking)), Field.GOAL: select(str(goal))}
    )
    assert not reply.body, reply.body
    session = _id(owner_engine, "SELECT id FROM sessions WHERE goal_id = :g", g=goal)

    request = h.next_call("chat.postMessage", channel="UMAYA")
    assert "Their goals" in request.text()
    assert "*Python* — ⚪ Not started · _this session's goal_" in request.text()
    assert _buttons(request.blocks(), Action.ACCEPT)
    assert not _buttons(request.blocks(), Action.UPDATE_GOAL)

    h.settle()
    h.slack.clear()
    h.click("UMAYA", Action.SESSION_GOALS, SessionRef(session_id=session).encode())
    seen = h.opened_view()
    assert seen["callback_id"] == Modal.SESSION_GOALS
    assert "Python" in str(seen)
    assert "submit" not in seen
    assert not _buttons(seen["blocks"], Action.UPDATE_GOAL)


def test_a_booking_naming_someone_elses_goal_is_refused_and_books_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    _bens_goals(h, owner_engine)
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        cara = add_user(conn, "T1", "UCARA", mentee=True)
        theirs = conn.execute(
            text(
                "INSERT INTO goals (workspace_id, user_id, title, created_at, updated_at)"
                " VALUES ('T1', :c, 'Mine', :now, :now) RETURNING id"
            ),
            {"c": cara, "now": NOW},
        ).scalar_one()
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya(owner_engine)).encode())
    booking = h.opened_view()
    reply = h.submit(
        "UBEN",
        booking,
        {Field.SLOT: select(_first_slot(booking)), Field.GOAL: select(str(theirs))},
    )
    assert reply.json()["errors"] == {Field.GOAL: "Pick one of your own goals."}
    assert _rows(owner_engine, "SELECT count(*) FROM sessions") == [(0,)]


def test_nobody_outside_the_session_reads_the_mentees_goals_from_it(
    h: Harness, owner_engine: Engine
) -> None:
    _bens_goals(h, owner_engine)
    h.click("UBEN", Action.BOOK, MentorRef(mentor_id=_maya(owner_engine)).encode())
    booking = h.opened_view()
    h.submit("UBEN", booking, {Field.SLOT: select(_first_slot(booking))})
    session = _id(owner_engine, "SELECT id FROM sessions")
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_user(conn, "T1", "UCARA", mentee=True)
    h.settle()
    h.slack.clear()
    h.click("UCARA", Action.SESSION_GOALS, SessionRef(session_id=session).encode())
    refusal = h.opened_view()
    assert "I can't find that session" in str(refusal)
    assert "Python" not in str(refusal)


# --- feedback moves the goal --------------------------------------------------------------------


def _completed_about(engine: Engine, goal: int) -> int:
    """Yesterday's completed session of Ben's with Maya about `goal`."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        return int(
            conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at,"
                    " ends_at, status, goal_id, created_at, updated_at) SELECT 'T1', m.id, b.id,"
                    " :s, :s + interval '30 minutes', 'completed', :g, :c, :c FROM users m,"
                    " users b WHERE m.slack_user_id = 'UMAYA' AND b.slack_user_id = 'UBEN'"
                    " RETURNING id"
                ),
                {"s": NOW - timedelta(days=1), "g": goal, "c": NOW - timedelta(days=8)},
            ).scalar_one()
        )


def test_the_mentees_feedback_moves_the_sessions_goal_with_the_feedback(
    h: Harness, owner_engine: Engine
) -> None:
    goal = _bens_goals(h, owner_engine)
    session = _completed_about(owner_engine, goal)
    h.click("UBEN", Action.LEAVE_FEEDBACK, SessionRef(session_id=session).encode())
    form = h.opened_view()
    [move] = [b for b in form["blocks"] if b.get("block_id") == Field.GOAL_STATUS]
    assert "“Python”" in move["label"]["text"]
    assert move["element"]["initial_option"]["value"] == "not_started"
    assert SessionMessageRef.model_validate_json(form["private_metadata"]).session_id == session
    reply = h.submit(
        "UBEN", form, {Field.RATING: select("5"), Field.GOAL_STATUS: select("achieved")}
    )
    assert not reply.body, reply.body
    [(feedback_tx, goal_tx, status)] = _rows(
        owner_engine,
        "SELECT f.xmin::text, g.xmin::text, g.status FROM feedback f, goals g"
        " WHERE f.session_id = :s AND g.id = :g",
        s=session,
        g=goal,
    )
    assert (status, feedback_tx) == ("achieved", goal_tx)
    assert _rows(
        owner_engine,
        "SELECT from_status, to_status, session_id FROM goal_history ORDER BY id DESC LIMIT 1",
    ) == [("not_started", "achieved", session)]
    wait_for(lambda: any("“Python” is now ✅ Achieved." in t for t in _dm_texts(h, "UBEN")))


def test_the_mentors_feedback_does_not_ask_about_the_goal(h: Harness, owner_engine: Engine) -> None:
    goal = _bens_goals(h, owner_engine)
    session = _completed_about(owner_engine, goal)
    h.click("UMAYA", Action.LEAVE_FEEDBACK, SessionRef(session_id=session).encode())
    form = h.opened_view()
    assert Field.GOAL_STATUS not in {b.get("block_id") for b in form["blocks"]}
    # A goal status forged into the mentor's submission is refused whole.
    reply = h.submit(
        "UMAYA", form, {Field.RATING: select("4"), Field.GOAL_STATUS: select("dropped")}
    )
    assert "Only the mentee says how their goal moved." in str(reply.json()["errors"])
    assert _rows(owner_engine, "SELECT count(*) FROM feedback") == [(0,)]
    assert _rows(owner_engine, "SELECT status FROM goals") == [("not_started",)]
