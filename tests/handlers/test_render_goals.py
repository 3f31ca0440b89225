"""Goals as Slack shows them (through `to_dict()`), and the goal fields of the
forms as Slack submits them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.standin.payloads import select, text_input
from domain import limits
from domain.errors import InvalidInput
from domain.goals import GoalBoard, GoalSaved, SessionGoals, in_order
from domain.model import Goal, GoalStatus, NotificationKind, Slot
from handlers import forms
from handlers.ids import Action, Field, Modal
from handlers.metadata import GoalRef, decode
from handlers.render.booking import booking_modal
from handlers.render.common import MAX_MESSAGE_BLOCKS
from handlers.render.goals import (
    add_goal_modal,
    goal_saved_text,
    goals_message,
    home_goals,
    mentee_goals,
    progress_line,
    session_goals_modal,
    update_goal_modal,
)
from handlers.render.notifications import dm_message
from handlers.render.session_modals import feedback_modal
from handlers.render.sessions import session_blocks
from tests.handlers.form_samples import inputs
from tests.handlers.samples import BEN, MAYA, NOW, as_text, buttons, dump
from tests.handlers.session_samples import S, a_session
from tests.handlers.test_render_notifications import a_notice
from tests.handlers.test_render_notifications import a_session as a_requested_session

G = GoalStatus


def a_goal(goal_id: int, status: GoalStatus = G.NOT_STARTED, **fields: Any) -> Goal:
    return Goal(goal_id, "T1", BEN.id, fields.pop("title", f"Goal {goal_id}"), status, **fields)


def board(*goals: Goal, seeded: bool = False) -> GoalBoard:
    return GoalBoard(BEN, in_order(goals), seeded=seeded)


def state(**values: dict[str, Any]) -> dict[str, Any]:
    return {"values": {field: {"value": element} for field, element in values.items()}}


# --- /mentor goals --------------------------------------------------------------------


def test_the_goals_message_shows_progress_each_goal_with_update_and_add() -> None:
    goals = board(
        a_goal(1, G.ACHIEVED, title="Run a retro"),
        a_goal(2, G.IN_PROGRESS, title="Learn SQL", target_date=NOW.date() + timedelta(days=9)),
        a_goal(3, G.NOT_STARTED, notes="Ask Maya <@UMAYA> first"),
        a_goal(4, G.DROPPED),
    )
    text, blocks = goals_message(goals, NOW)
    shown = dump(blocks)
    assert text == "Your goals: 1 of 3 achieved."
    assert "▓▓▓░░░░░░░ 33% · 1 of 3 achieved" in as_text(shown)
    updates = [b for b in buttons(shown) if b["action_id"] == Action.UPDATE_GOAL]
    # In progress first, achieved and dropped last.
    assert [decode(GoalRef, b["value"]) for b in updates] == [
        GoalRef(goal_id=n) for n in (2, 3, 1, 4)
    ]
    assert [b["action_id"] for b in buttons(shown)].count(Action.ADD_GOAL) == 1
    assert "🔵 In progress · by " in as_text(shown)
    assert "&lt;@UMAYA&gt;" in as_text(shown)


def test_an_open_goal_past_its_target_in_the_owners_zone_is_overdue() -> None:
    # Tuesday 02:00 UTC: Tuesday in London, still Monday evening in New York.
    now = NOW + timedelta(hours=18)
    monday = NOW.date()
    goals = (
        a_goal(1, G.IN_PROGRESS, target_date=monday),
        a_goal(2, G.ACHIEVED, target_date=monday),
        a_goal(3, G.IN_PROGRESS, target_date=monday + timedelta(days=1)),
    )

    def overdue(zone: str) -> list[str]:
        owner = replace(BEN, time_zone=zone)
        _, blocks = goals_message(GoalBoard(owner, in_order(goals)), now)
        return [b["text"]["text"] for b in dump(blocks) if "overdue" in as_text(b)]

    assert overdue("America/New_York") == []
    [late] = overdue("Europe/London")
    assert "Goal 1" in late


def test_without_goals_the_message_invites_one_and_has_no_figure() -> None:
    text, blocks = goals_message(board(), NOW)
    assert text == "Your goals: none counted yet."
    assert "No goals to count yet" in as_text(dump(blocks))
    assert [b["action_id"] for b in buttons(dump(blocks))] == [Action.ADD_GOAL]


def test_learning_goals_that_just_became_goals_are_announced() -> None:
    _, blocks = goals_message(board(a_goal(1), seeded=True), NOW)
    assert "Your learning goals are now goals you can track" in as_text(dump(blocks))


def test_many_goals_stay_within_a_message_with_a_note() -> None:
    many = [a_goal(n, G.ACHIEVED) for n in range(1, 71)]
    _, blocks = goals_message(board(*many), NOW)
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    assert "…and 26 more achieved or dropped goals." in as_text(dump(blocks))


@pytest.mark.parametrize(
    ("goals", "line"),
    [
        ([], "No goals to count yet (dropped goals don't count)."),
        ([a_goal(1, G.DROPPED)], "No goals to count yet (dropped goals don't count)."),
        ([a_goal(1, G.ACHIEVED), a_goal(2, G.DROPPED)], "▓▓▓▓▓▓▓▓▓▓ 100% · 1 of 1 achieved"),
    ],
)
def test_the_progress_line(goals: list[Goal], line: str) -> None:
    assert progress_line(board(*goals).progress) == line


def test_the_home_shows_the_first_five_goals_and_points_to_the_rest() -> None:
    goals = in_order([a_goal(n) for n in range(1, 8)])
    shown = dump(home_goals(goals, NOW, BEN.time_zone))
    assert len([b for b in buttons(shown) if b["action_id"] == Action.UPDATE_GOAL]) == 5
    assert "…and 2 more — `/mentor goals`" in as_text(shown)
    assert Action.ADD_GOAL in [b["action_id"] for b in buttons(shown)]


@pytest.mark.parametrize("count", [0, 1, 4, 5])
def test_the_home_and_the_mentors_request_say_nothing_more_when_every_goal_shows(
    count: int,
) -> None:
    """Fewer goals than fit read "…and -4 more — `/mentor goals`" on the
    Home of nearly every mentee, and in the mentor's request DM."""
    goals = in_order([a_goal(n) for n in range(1, count + 1)])
    on_home = as_text(dump(home_goals(goals, NOW, BEN.time_zone)))
    in_request = as_text(dump(mentee_goals(goals, None)))
    assert "more" not in on_home
    assert "more" not in in_request
    if count:
        assert (
            len(
                [
                    b
                    for b in buttons(dump(home_goals(goals, NOW, BEN.time_zone)))
                    if b["action_id"] == Action.UPDATE_GOAL
                ]
            )
            == count
        )


def test_the_mentors_request_names_how_many_goals_it_leaves_out() -> None:
    goals = in_order([a_goal(n) for n in range(1, 9)])
    assert "…and 3 more goals." in as_text(dump(mentee_goals(goals, None)))


def test_a_saved_goal_is_confirmed_with_the_progress() -> None:
    goal = a_goal(1, G.ACHIEVED, title="Ship <it>")
    said = goal_saved_text(GoalSaved(goal, board(goal, a_goal(2))))
    assert said == (
        "Saved: “Ship &lt;it&gt;” — ✅ Achieved.\nYour progress: ▓▓▓▓▓░░░░░ 50% · 1 of 2 achieved"
    )


# --- the Add and Update modals ---------------------------------------------------------------


def test_the_add_modal_asks_for_a_title_a_target_date_and_notes_within_the_limits() -> None:
    view = add_goal_modal().to_dict()
    fields = inputs(view)
    assert view["callback_id"] == Modal.ADD_GOAL
    assert list(fields) == [Field.GOAL_TITLE, Field.TARGET_DATE, Field.GOAL_NOTES]
    assert fields[Field.GOAL_TITLE]["element"]["max_length"] == limits.GOAL_TITLE
    assert fields[Field.GOAL_NOTES]["element"]["max_length"] == limits.GOAL_NOTES
    assert fields[Field.TARGET_DATE]["optional"] is True


def test_the_update_modal_carries_the_goal_and_starts_from_where_it_stands() -> None:
    goal = a_goal(9, G.IN_PROGRESS, target_date=NOW.date(), notes="Halfway")
    view = update_goal_modal(goal).to_dict()
    fields = inputs(view)
    assert decode(GoalRef, view["private_metadata"]) == GoalRef(goal_id=9)
    assert fields[Field.GOAL_STATUS]["element"]["initial_option"]["value"] == "in_progress"
    assert [o["value"] for o in fields[Field.GOAL_STATUS]["element"]["options"]] == [
        "not_started",
        "in_progress",
        "achieved",
        "dropped",
    ]
    assert fields[Field.TARGET_DATE]["element"]["initial_date"] == NOW.date().isoformat()
    assert fields[Field.GOAL_NOTES]["element"]["initial_value"] == "Halfway"


# --- what the mentor sees, read only -----------------------------------------------------------


def test_the_request_dm_shows_the_mentees_goals_read_only_with_the_sessions_own() -> None:
    session = replace(a_requested_session(S.REQUESTED), goal_id=2)
    goals = in_order([a_goal(1), a_goal(2, G.IN_PROGRESS, title="Learn SQL")])
    received = a_notice(NotificationKind.REQUEST_RECEIVED)
    _, blocks = dm_message(
        received,
        recipient=MAYA,
        session=session,
        meeting_link=None,
        zone=MAYA.time_zone,
        goals=goals,
    )
    shown = as_text(dump(blocks))
    assert "*Their goals* ░░░░░░░░░░ 0% · 0 of 2 achieved" in shown
    assert "*Learn SQL* — 🔵 In progress · _this session's goal_" in shown
    assert Action.UPDATE_GOAL not in shown
    assert Action.ACCEPT in shown


def test_a_dm_without_goals_shows_none() -> None:
    session = a_requested_session(S.REQUESTED)
    received = a_notice(NotificationKind.REQUEST_RECEIVED)
    _, blocks = dm_message(
        received, recipient=MAYA, session=session, meeting_link=None, zone=MAYA.time_zone
    )
    assert "Their goals" not in as_text(dump(blocks))


def test_the_session_goals_modal_is_read_only() -> None:
    session = a_session(S.SCHEDULED, goal_id=1)
    seen = SessionGoals(session, board(a_goal(1, title="Learn SQL"), a_goal(2)), MAYA)
    view = session_goals_modal(seen, NOW).to_dict()
    assert (view["callback_id"], "submit" in view) == (Modal.SESSION_GOALS, False)
    assert buttons(view["blocks"]) == []
    assert "*Ben Okafor*'s goals" in as_text(view)
    assert "_this session's goal_" in as_text(view)


def test_only_the_mentor_of_a_session_that_is_on_gets_the_goals_button() -> None:
    def goals_buttons(status: S, viewer: Any) -> int:
        other = BEN if viewer is MAYA else MAYA
        blocks = session_blocks(
            a_session(status), viewer, other, viewer.time_zone, NOW, feedback=[], meeting_link=None
        )
        return [b["action_id"] for b in buttons(dump(blocks))].count(Action.SESSION_GOALS)

    assert goals_buttons(S.REQUESTED, MAYA) == goals_buttons(S.SCHEDULED, MAYA) == 1
    assert goals_buttons(S.SCHEDULED, BEN) == 0
    assert goals_buttons(S.COMPLETED, MAYA) == goals_buttons(S.CANCELLED, MAYA) == 0


# --- the booking and feedback modals --------------------------------------------------------------


def test_booking_offers_the_mentees_open_goals_as_an_optional_choice() -> None:
    start = a_session().starts_at
    offered = [Slot(start, start + timedelta(minutes=30))]
    goals = (a_goal(4, title="Learn SQL"), a_goal(6, G.IN_PROGRESS))
    view = booking_modal(MAYA, offered, BEN.time_zone, "{}", goals=goals).to_dict()
    picker = inputs(view)[Field.GOAL]
    assert picker["optional"] is True
    assert [o["value"] for o in picker["element"]["options"]] == ["4", "6"]
    without = booking_modal(MAYA, offered, BEN.time_zone, "{}").to_dict()
    assert Field.GOAL not in inputs(without)


def test_the_mentees_feedback_asks_where_the_sessions_goal_stands() -> None:
    session = a_session(S.COMPLETED, starts_in=-timedelta(hours=2), goal_id=4)
    goal = a_goal(4, G.IN_PROGRESS, title="Learn SQL")
    view = feedback_modal(session, MAYA, BEN.time_zone, "{}", goal=goal).to_dict()
    move = inputs(view)[Field.GOAL_STATUS]
    assert move["optional"] is True
    assert move["element"]["initial_option"]["value"] == "in_progress"
    assert "“Learn SQL”" in move["label"]["text"]
    mentors = feedback_modal(session, BEN, MAYA.time_zone, "{}").to_dict()
    assert Field.GOAL_STATUS not in inputs(mentors)


# --- the forms ----------------------------------------------------------------------


def test_goal_fields_parse_as_slack_submits_them() -> None:
    filled = state(
        goal_status=select("achieved"),
        target_date={"type": "datepicker", "selected_date": NOW.date().isoformat()},
        goal=select("42"),
    )
    assert forms.goal_status(filled) is G.ACHIEVED
    assert forms.target_date(filled) == NOW.date()
    assert forms.chosen_goal(filled) == 42
    assert (forms.goal_status(state()), forms.target_date(state()), forms.chosen_goal(state())) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("values", "read", "field"),
    [
        ({"goal_status": select("finished")}, forms.goal_status, Field.GOAL_STATUS),
        ({"goal": select("4; DROP TABLE goals")}, forms.chosen_goal, Field.GOAL),
        ({"goal": select("1" * 19)}, forms.chosen_goal, Field.GOAL),
        ({"target_date": text_input("next week")}, forms.target_date, Field.TARGET_DATE),
    ],
)
def test_forged_goal_fields_are_refused_beside_the_field(
    values: dict[str, Any], read: Any, field: Field
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read(state(**values))
    assert refused.value.field == field
