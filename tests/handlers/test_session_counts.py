"""How many sessions a person is told of, end to end (the App Home published
through the stand-in Slack, and `/mentor sessions`), when there are more than
are shown or read: past ones are read five and one more, those to come a
hundred and one more. Both were cut short and counted as if whole ("…and 47
earlier" for 1,581; "50 upcoming sessions" for 60), and a request starting
after a busy mentor's hundred booked sessions was not on their Home."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from tests.handlers.booked import user_id
from tests.handlers.conftest import NOW, Harness, wait_for
from tests.handlers.people import mentor_and_mentee


def _add(engine: Engine, mentor: int, mentee: int, starts: list[Any], status: str) -> None:
    with engine.begin() as conn:
        for at in starts:
            conn.execute(
                text(
                    "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at,"
                    " ends_at, status, created_at, updated_at)"
                    " VALUES ('T1', :r, :e, :s, :s + interval '30 minutes', :st, :c, :c)"
                ),
                {"r": mentor, "e": mentee, "s": at, "st": status, "c": at - timedelta(days=7)},
            )


def _home(h: Harness, user: str) -> tuple[list[dict[str, Any]], str]:
    mark = h.mark()
    h.open_home(user)
    h.settle()
    published = wait_for(
        lambda: [
            c
            for c in h.since(mark)
            if c.method == "views.publish" and c.params.get("user_id") == user
        ],
        what="a Home",
    )
    call = published[-1]
    return call.view()["blocks"], call.text()


def _sessions(h: Harness, user: str) -> tuple[str, str]:
    mark = h.mark()
    h.command(user, "sessions")
    (answer,) = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "response_url"], what="the sessions"
    )
    return str(answer.params.get("text") or ""), answer.text()


def _contexts(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element.get("text", "")
        for block in blocks
        if block.get("type") == "context"
        for element in block.get("elements", [])
    ]


def test_a_mentor_with_seven_completed_sessions_reads_the_note_on_home_and_in_sessions(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    maya, ben = user_id(owner_engine, "UMAYA"), user_id(owner_engine, "UBEN")
    _add(owner_engine, maya, ben, [NOW - timedelta(days=n + 1) for n in range(7)], "completed")

    blocks, _ = _home(h, "UMAYA")
    assert len(blocks) <= 100
    headers = [b["text"]["text"] for b in blocks if b.get("type") == "header"]
    assert "Past sessions" in headers, headers
    notes = _contexts(blocks)
    assert (
        "…and 2 or more earlier sessions — `/mentor sessions` shows the most recent ones" in notes
    ), notes
    assert "-" not in "".join(n for n in notes if n.startswith("…and"))  # no negative count

    fallback, said = _sessions(h, "UMAYA")
    assert fallback == "Your sessions: 0 upcoming sessions, 5 or more past sessions."
    assert "…and earlier sessions." in said

    # Ben, the mentee of all seven, reads the same.
    _, ben_seen = _home(h, "UBEN")
    assert "…and 2 or more earlier sessions" in ben_seen
    # And a goals note never shows a negative or zero count.
    assert "…and -" not in ben_seen
    assert "…and 0 more" not in ben_seen


def test_sixty_upcoming_sessions_are_counted_as_sixty_in_sessions(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    maya, ben = user_id(owner_engine, "UMAYA"), user_id(owner_engine, "UBEN")
    starts = [NOW + timedelta(hours=2 + n) for n in range(60)]
    _add(owner_engine, maya, ben, starts, "scheduled")

    fallback, _ = _sessions(h, "UMAYA")
    assert fallback.startswith("Your sessions: 60 upcoming sessions")


def test_sixty_upcoming_sessions_home_says_how_many_are_left_out(
    h: Harness, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    maya, ben = user_id(owner_engine, "UMAYA"), user_id(owner_engine, "UBEN")
    _add(owner_engine, maya, ben, [NOW + timedelta(hours=2 + n) for n in range(60)], "scheduled")

    blocks, _ = _home(h, "UMAYA")
    notes = [n for n in _contexts(blocks) if n.startswith("…and")]
    upcoming_note = notes[0]
    shown = sum(
        1
        for b in blocks
        if b.get("type") == "section" and "Ben" in str(b.get("text", {}).get("text", ""))
    )
    assert upcoming_note == f"…and {60 - shown} more — `/mentor sessions`", shown


def test_a_request_after_a_hundred_booked_sessions_still_waits_on_the_home(
    h: Harness, owner_engine: Engine
) -> None:
    """Past a hundred sessions to come the Home says "or more", and reads the
    requests to answer apart, so one starting after them all still shows."""
    mentor_and_mentee(h)
    maya, ben = user_id(owner_engine, "UMAYA"), user_id(owner_engine, "UBEN")
    _add(owner_engine, maya, ben, [NOW + timedelta(hours=2 + n) for n in range(100)], "scheduled")
    _add(owner_engine, maya, ben, [NOW + timedelta(hours=200)], "requested")

    blocks, seen = _home(h, "UMAYA")
    assert "Requests waiting for you" in seen
    assert "or more — `/mentor sessions`" in " ".join(_contexts(blocks))
    fallback, _ = _sessions(h, "UMAYA")
    assert fallback.startswith("Your sessions: 101 or more upcoming sessions")
