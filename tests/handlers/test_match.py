"""`/mentor match` and the Home's "Suggested for you", through signed requests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.standin.payloads import text_input
from handlers.ids import Action, Field
from tests.handlers.conftest import Harness

# name, department, zone, expertise: six who know something of Ben's goals, one who does not.
MENTORS = (
    ("Kai Nakamura", "Platform", "Europe/Berlin", ["kubernetes", "go"]),
    ("Pia Rossi", "Data Engineering", "Europe/Rome", ["postgres", "data pipelines"]),
    ("Sam Lee", "Marketing", "Europe/London", ["presentation skills", "storytelling"]),
    ("Dee Okafor", "Platform", "Africa/Lagos", ["docker", "devops"]),
    ("Lou Martin", "Engineering", "Europe/Paris", ["sql", "python"]),
    ("Ivy Chen", "Communications", "Asia/Singapore", ["public speaking"]),
    ("Zed Fox", "Finance", "Europe/London", ["accounting"]),
)


def _mentors(engine: Engine) -> None:
    """Mentors straight into the database, each free on weekday afternoons."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1') ON CONFLICT DO NOTHING"))
        for i, (name, department, zone, expertise) in enumerate(MENTORS):
            mentor_id = conn.execute(
                text(
                    "INSERT INTO users (workspace_id, slack_user_id, display_name, department,"
                    " time_zone, is_mentor, expertise) VALUES ('T1', :u, :n, :d, :z, true, :e)"
                    " RETURNING id"
                ),
                {"u": f"UM{i}", "n": name, "d": department, "z": zone, "e": expertise},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO availability"
                    " (workspace_id, user_id, weekday, start_time, end_time)"
                    " SELECT 'T1', :m, d, '13:00', '17:00' FROM generate_series(0, 4) d"
                ),
                {"m": mentor_id},
            )


def _mentee(h: Harness, goals: str) -> None:
    h.command("UBEN", "signup mentee")
    h.submit(
        "UBEN",
        h.opened_view(),
        {Field.DEPARTMENT: text_input("Sales"), Field.LEARNING_GOALS: text_input(goals)},
    )
    h.slack.clear()


def _answer(h: Harness, typed: str) -> Any:
    assert h.command("UBEN", typed).status == 200
    return h.next_call("response_url")


def _buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_match_shows_five_mentors_with_reasons_and_book_and_profile_buttons(
    h: Harness, owner_engine: Engine
) -> None:
    _mentors(owner_engine)
    _mentee(h, "k8s, sql, public speaking")

    answer = _answer(h, "match")

    cards = [b for b in answer.blocks() if b["type"] == "section"]
    assert len(cards) == 5
    shown = "\n".join(card["text"]["text"] for card in cards)
    assert "Zed Fox" not in shown
    assert "knows Kubernetes — your goals" in shown
    assert "knows PostgreSQL, close to your goal SQL" in shown
    assert "of your working day overlap" in shown
    assert "your time" in shown
    assert _buttons(answer.blocks()) == [Action.BOOK, Action.VIEW_PROFILE] * 5
    assert answer.text().startswith("5 mentors suggested for you")


def test_a_mentee_whose_goals_say_nothing_is_asked_to_add_some(
    h: Harness, owner_engine: Engine
) -> None:
    _mentors(owner_engine)
    _mentee(h, "learn more")

    answer = _answer(h, "match")

    assert "add a few learning goals" in answer.text()
    assert _buttons(answer.blocks()) == [Action.EDIT_PROFILE]


def test_someone_not_signed_up_as_a_mentee_is_told_how(h: Harness, owner_engine: Engine) -> None:
    _mentors(owner_engine)

    answer = _answer(h, "match")

    assert "/mentor signup mentee" in answer.text()
    assert _buttons(answer.blocks()) == [Action.SIGNUP_MENTEE]


@pytest.mark.usefixtures("owner_engine")
def test_the_mentees_home_suggests_three_mentors(h: Harness, owner_engine: Engine) -> None:
    _mentors(owner_engine)
    _mentee(h, "k8s, sql, public speaking")

    h.open_home("UBEN")

    home = h.next_call("views.publish", user_id="UBEN")
    seen = home.text()
    assert "Suggested for you" in seen
    assert "`/mentor match` shows more" in seen
    assert _buttons(home.blocks()).count(Action.VIEW_PROFILE) == 3


def test_help_lists_match(h: Harness) -> None:
    assert "/mentor match" in _answer(h, "help").text()
