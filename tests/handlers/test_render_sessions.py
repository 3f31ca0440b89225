"""Session blocks, the `/mentor sessions` message and the session modals, read
through what Slack would receive: `to_dict()`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block, ButtonElement
from slack_sdk.models.views import View

from domain.model import Feedback, Profile, Session, SessionStatus, SubjectRole
from handlers.ids import VALUE, Action, Field, Modal
from handlers.metadata import SessionRef, decode
from handlers.render.session_modals import (
    cancel_modal,
    complete_modal,
    decline_modal,
    feedback_modal,
)
from handlers.render.sessions import session_actions, session_blocks, sessions_message
from tests.handlers.samples import BEN, MAYA, NOW, OLGA

S = SessionStatus
LINK = "https://meet.example.com/maya"


def a_session(
    status: SessionStatus = S.SCHEDULED,
    *,
    starts_in: timedelta = timedelta(hours=3),
    minutes: int = 30,
    session_id: int = 7,
    topic: str = "Career growth",
    **fields: Any,
) -> Session:
    starts = NOW + starts_in
    return Session(
        id=session_id,
        workspace_id="T1",
        mentor_id=MAYA.id,
        mentee_id=BEN.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        status=status,
        topic=topic,
        **fields,
    )


def buttons_for(
    session: Session,
    viewer: Profile,
    *,
    now: datetime = NOW,
    feedback_given: bool = False,
    meeting_link: str | None = None,
    **kwargs: Any,
) -> list[str]:
    other = BEN if viewer is MAYA else MAYA
    buttons = session_actions(
        session,
        viewer,
        other,
        now,
        feedback_given=feedback_given,
        meeting_link=meeting_link,
        **kwargs,
    )
    return [button.action_id for button in buttons]


def as_json(blocks: list[Block]) -> str:
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


def elements(blocks: list[Block]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks
        for element in block.to_dict().get("elements", [])
        if block.type == "actions"
    ]


def inputs(view: View) -> dict[str, dict[str, Any]]:
    return {
        block["block_id"]: block for block in view.to_dict()["blocks"] if block["type"] == "input"
    }


# --- which buttons ----------------------------------------------------------------


def test_a_mentor_can_accept_decline_move_or_cancel_a_request_before_it_starts() -> None:
    assert buttons_for(a_session(S.REQUESTED), MAYA) == [
        Action.ACCEPT,
        Action.DECLINE,
        Action.RESCHEDULE,
        Action.CANCEL,
    ]


def test_a_mentee_can_move_or_cancel_their_request_but_not_accept_it() -> None:
    assert buttons_for(a_session(S.REQUESTED), BEN) == [Action.RESCHEDULE, Action.CANCEL]


def test_accept_is_the_primary_button_and_cancel_the_dangerous_one() -> None:
    buttons = session_actions(
        a_session(S.REQUESTED), MAYA, BEN, NOW, feedback_given=False, meeting_link=None
    )
    styles = {button.action_id: button.style for button in buttons}
    assert styles[Action.ACCEPT] == "primary"
    assert styles[Action.CANCEL] == "danger"
    assert styles[Action.DECLINE] is None


def test_a_request_whose_start_has_passed_offers_no_buttons() -> None:
    late = a_session(S.REQUESTED, starts_in=-timedelta(minutes=1))
    assert buttons_for(late, MAYA) == []
    assert buttons_for(late, BEN) == []


def test_a_scheduled_session_far_ahead_can_be_moved_or_cancelled_by_either_side() -> None:
    session = a_session(S.SCHEDULED)
    assert buttons_for(session, MAYA) == [Action.RESCHEDULE, Action.CANCEL]
    assert buttons_for(session, BEN) == [Action.RESCHEDULE, Action.CANCEL]


def test_the_mentor_may_start_within_the_early_start_window_and_not_before() -> None:
    too_early = a_session(S.SCHEDULED, starts_in=timedelta(minutes=11))
    in_window = a_session(S.SCHEDULED, starts_in=timedelta(minutes=9))
    assert Action.START not in buttons_for(too_early, MAYA)
    assert buttons_for(in_window, MAYA) == [Action.START, Action.RESCHEDULE, Action.CANCEL]
    assert Action.START not in buttons_for(in_window, BEN)


def test_the_early_start_window_can_be_tuned() -> None:
    session = a_session(S.SCHEDULED, starts_in=timedelta(minutes=20))
    assert Action.START in buttons_for(session, MAYA, early_start=timedelta(minutes=30))
    assert Action.START not in buttons_for(session, MAYA, early_start=timedelta(minutes=5))


def test_after_the_start_the_mentor_may_complete_or_record_a_no_show_but_not_cancel() -> None:
    started = a_session(S.SCHEDULED, starts_in=-timedelta(minutes=5))
    assert buttons_for(started, MAYA) == [Action.START, Action.COMPLETE, Action.NO_SHOW]
    assert buttons_for(started, BEN) == []


def test_an_ongoing_session_can_be_completed_but_not_started_again() -> None:
    ongoing = a_session(S.ONGOING, starts_in=-timedelta(minutes=5))
    assert buttons_for(ongoing, MAYA) == [Action.COMPLETE, Action.NO_SHOW]


def test_complete_is_the_primary_button_once_the_session_started() -> None:
    started = a_session(S.SCHEDULED, starts_in=-timedelta(minutes=5))
    buttons = session_actions(started, MAYA, BEN, NOW, feedback_given=False, meeting_link=None)
    styles = {button.action_id: button.style for button in buttons}
    assert styles == {Action.START: None, Action.COMPLETE: "primary", Action.NO_SHOW: None}


def test_a_no_show_asks_for_confirmation_naming_the_other_person() -> None:
    ongoing = a_session(S.ONGOING, starts_in=-timedelta(minutes=5))
    buttons = session_actions(ongoing, MAYA, BEN, NOW, feedback_given=False, meeting_link=None)
    no_show = next(button for button in buttons if button.action_id == Action.NO_SHOW)
    confirm = no_show.to_dict()["confirm"]
    assert "Ben Okafor" in confirm["text"]["text"]


def test_a_completed_session_asks_for_feedback_until_it_is_given() -> None:
    done = a_session(S.COMPLETED, starts_in=-timedelta(hours=2))
    assert buttons_for(done, MAYA) == [Action.LEAVE_FEEDBACK]
    assert buttons_for(done, BEN) == [Action.LEAVE_FEEDBACK]
    assert buttons_for(done, BEN, feedback_given=True) == []


@pytest.mark.parametrize(
    "status", [S.DECLINED, S.CANCELLED, S.EXPIRED, S.NO_SHOW], ids=lambda status: status.value
)
def test_a_session_that_is_over_offers_nothing(status: SessionStatus) -> None:
    assert buttons_for(a_session(status), MAYA, meeting_link=LINK) == []
    assert buttons_for(a_session(status), BEN, meeting_link=LINK) == []


def test_join_appears_only_with_a_meeting_link_and_while_the_session_is_on() -> None:
    assert Action.JOIN not in buttons_for(a_session(S.SCHEDULED), BEN)
    assert Action.JOIN not in buttons_for(a_session(S.REQUESTED), BEN, meeting_link=LINK)
    assert Action.JOIN in buttons_for(a_session(S.SCHEDULED), BEN, meeting_link=LINK)
    ongoing = a_session(S.ONGOING, starts_in=-timedelta(minutes=1))
    assert Action.JOIN in buttons_for(ongoing, MAYA, meeting_link=LINK)
    done = a_session(S.COMPLETED, starts_in=-timedelta(hours=2))
    assert Action.JOIN not in buttons_for(done, BEN, meeting_link=LINK)


def test_join_opens_the_meeting_link_and_ignores_links_that_are_not_web_addresses() -> None:
    session = a_session(S.SCHEDULED)
    buttons = session_actions(session, BEN, MAYA, NOW, feedback_given=False, meeting_link=LINK)
    join = next(button for button in buttons if button.action_id == Action.JOIN)
    assert join.to_dict()["url"] == LINK
    assert Action.JOIN not in buttons_for(session, BEN, meeting_link="javascript:alert(1)")


def test_every_button_carries_the_session_reference() -> None:
    session = a_session(S.SCHEDULED, starts_in=-timedelta(minutes=5), session_id=42)
    buttons: list[ButtonElement] = session_actions(
        session, MAYA, BEN, NOW, feedback_given=False, meeting_link=LINK
    )
    assert len(buttons) == 4
    for button in buttons:
        assert decode(SessionRef, button.value) == SessionRef(session_id=42)


def test_someone_outside_the_session_gets_no_buttons() -> None:
    session = a_session(S.REQUESTED)
    assert session_actions(session, OLGA, BEN, NOW, feedback_given=False, meeting_link=LINK) == []


# --- one session --------------------------------------------------------------------


def test_a_session_block_says_who_in_which_role_when_and_in_what_state() -> None:
    session = a_session(S.SCHEDULED)
    blocks = session_blocks(
        session, BEN, MAYA, "America/New_York", NOW, feedback=[], meeting_link=None
    )
    text = blocks[0].to_dict()["text"]["text"]
    assert text.startswith("*with Maya Chen* (mentor) · <!date^")
    assert f"<!date^{int(session.starts_at.timestamp())}^" in text
    assert "(30 min) · Confirmed" in text
    assert "Topic: Career growth" in text
    assert [element["action_id"] for element in elements(blocks)] == [
        Action.RESCHEDULE,
        Action.CANCEL,
    ]


def test_a_request_tells_the_mentor_it_waits_for_them_and_the_mentee_whom_it_waits_for() -> None:
    session = a_session(S.REQUESTED)
    for_maya = session_blocks(session, MAYA, BEN, "UTC", NOW, feedback=[], meeting_link=None)
    for_ben = session_blocks(session, BEN, MAYA, "UTC", NOW, feedback=[], meeting_link=None)
    assert "*with Ben Okafor* (mentee)" in as_json(for_maya)
    assert "Waiting for your answer" in as_json(for_maya)
    assert "Waiting for Maya Chen to accept" in as_json(for_ben)


def test_a_session_without_buttons_is_one_section_with_its_reason() -> None:
    session = a_session(S.CANCELLED, cancel_reason="Off sick, sorry")
    blocks = session_blocks(session, BEN, MAYA, "UTC", NOW, feedback=[], meeting_link=LINK)
    assert [block.type for block in blocks] == ["section"]
    assert "Cancelled" in as_json(blocks)
    assert "Reason: Off sick, sorry" in as_json(blocks)


def test_a_moved_session_says_where_it_moved_from() -> None:
    before = NOW + timedelta(days=1)
    session = a_session(S.REQUESTED, previous_starts_at=before)
    blocks = session_blocks(session, MAYA, BEN, "UTC", NOW, feedback=[], meeting_link=None)
    assert f"Moved from <!date^{int(before.timestamp())}^" in as_json(blocks)


def a_feedback(author: Profile, subject: Profile, rating: int, comment: str = "") -> Feedback:
    return Feedback(
        session_id=7,
        workspace_id="T1",
        author_id=author.id,
        subject_id=subject.id,
        subject_role=SubjectRole.MENTOR if subject is MAYA else SubjectRole.MENTEE,
        rating=rating,
        comment=comment,
    )


def test_a_completed_session_shows_notes_and_the_feedback_given_and_received() -> None:
    session = a_session(
        S.COMPLETED,
        starts_in=-timedelta(hours=2),
        notes="Read 'Staff Engineer'",
        actual_minutes=45,
    )
    feedback = [
        a_feedback(BEN, MAYA, 5, "Very helpful"),
        a_feedback(MAYA, BEN, 4, "Came well prepared"),
    ]
    blocks = session_blocks(session, BEN, MAYA, "UTC", NOW, feedback=feedback, meeting_link=None)
    text = as_json(blocks)
    assert "Took 45 min" in text
    assert "Notes: Read 'Staff Engineer'" in text
    assert "Your feedback: ★★★★★ — “Very helpful”" in text
    assert "Feedback from Maya Chen: ★★★★☆ — “Came well prepared”" in text
    assert elements(blocks) == []  # Ben's feedback is given: nothing left to do


def test_what_people_typed_is_escaped() -> None:
    session = a_session(
        S.COMPLETED,
        starts_in=-timedelta(hours=2),
        topic="<!here> help",
        notes="<@U999> & co",
    )
    shady = replace(MAYA, display_name="<!channel>")
    feedback = [a_feedback(MAYA, BEN, 3, "<https://evil.example|click>")]
    blocks = session_blocks(session, BEN, shady, "UTC", NOW, feedback=feedback, meeting_link=None)
    text = as_json(blocks)
    assert "Topic: &lt;!here&gt; help" in text
    assert "Notes: &lt;@U999&gt; &amp; co" in text
    assert "*with &lt;!channel&gt;*" in text
    assert "&lt;https://evil.example|click&gt;" in text
    assert "<!here>" not in text
    assert "<!channel>" not in text


# --- `/mentor sessions` -------------------------------------------------------------


def test_fifty_upcoming_sessions_fit_in_fifty_blocks_with_a_note_for_the_rest() -> None:
    upcoming = [
        a_session(S.REQUESTED, starts_in=timedelta(days=1, hours=n), session_id=100 + n)
        for n in range(50)
    ]
    past = [
        a_session(S.COMPLETED, starts_in=-timedelta(days=1, hours=n), session_id=200 + n)
        for n in range(50)
    ]
    text, blocks = sessions_message(
        upcoming=upcoming,
        past=past,
        viewer=MAYA,
        people={BEN.id: BEN},
        feedback={},
        viewer_zone="Europe/London",
        now=NOW,
        meeting_links={},
    )
    assert len(blocks) <= 50
    dumped = as_json(blocks)
    shown = sum(1 for element in elements(blocks) if element["action_id"] == Action.ACCEPT)
    assert shown > 10
    assert f"…and {50 - shown} more upcoming sessions — see the Home tab" in dumped
    assert "Upcoming sessions" in dumped
    assert "Recent sessions" in dumped
    assert "…and 45 earlier sessions." in dumped
    assert text == "Your sessions: 50 upcoming sessions, 50 past sessions."


def test_a_few_sessions_are_all_shown_without_a_note() -> None:
    upcoming = [a_session(S.SCHEDULED, session_id=1), a_session(S.REQUESTED, session_id=2)]
    past = [a_session(S.COMPLETED, starts_in=-timedelta(days=2), session_id=3)]
    text, blocks = sessions_message(
        upcoming=upcoming,
        past=past,
        viewer=BEN,
        people={MAYA.id: MAYA},
        feedback={},
        viewer_zone="America/New_York",
        now=NOW,
        meeting_links={1: LINK},
    )
    dumped = as_json(blocks)
    assert "…and" not in dumped
    assert dumped.count("*with Maya Chen* (mentor)") == 3
    assert [element["action_id"] for element in elements(blocks)] == [
        Action.JOIN,
        Action.RESCHEDULE,
        Action.CANCEL,
        Action.RESCHEDULE,
        Action.CANCEL,
        Action.LEAVE_FEEDBACK,
    ]
    assert text == "Your sessions: 2 upcoming sessions, 1 past session."


def test_no_sessions_point_a_mentee_and_a_mentor_to_their_next_step() -> None:
    def message(viewer: Profile) -> str:
        _, blocks = sessions_message(
            upcoming=[],
            past=[],
            viewer=viewer,
            people={},
            feedback={},
            viewer_zone="UTC",
            now=NOW,
            meeting_links={},
        )
        return as_json(blocks)

    assert "`/mentor find`" in message(BEN)
    assert "`/mentor availability`" in message(MAYA)
    assert "`/mentor signup`" in message(OLGA)
    assert "No past sessions yet." in message(BEN)


def test_a_session_with_someone_whose_profile_is_gone_still_shows() -> None:
    _, blocks = sessions_message(
        upcoming=[a_session(S.SCHEDULED)],
        past=[],
        viewer=BEN,
        people={},
        feedback={},
        viewer_zone="UTC",
        now=NOW,
        meeting_links={},
    )
    assert "*with a colleague* (mentor)" in as_json(blocks)


# --- modals -------------------------------------------------------------------------


def test_the_cancel_modal_asks_for_a_required_reason() -> None:
    view = cancel_modal(a_session(), MAYA, "America/New_York", '{"session_id":7}')
    data = view.to_dict()
    assert data["callback_id"] == Modal.CANCEL
    assert data["title"]["text"] == "Cancel session"
    assert data["submit"]["text"] == "Cancel session"
    assert data["close"]["text"] == "Keep it"
    assert data["private_metadata"] == '{"session_id":7}'
    reason = inputs(view)[Field.REASON]
    assert reason["optional"] is False
    assert reason["element"] == {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": True,
        "max_length": 500,
        "placeholder": reason["element"]["placeholder"],
    }
    assert "Maya Chen" in json.dumps(data)


def test_the_decline_modal_makes_the_reason_optional() -> None:
    view = decline_modal(a_session(S.REQUESTED), BEN, "Europe/London", "meta")
    data = view.to_dict()
    assert data["callback_id"] == Modal.DECLINE
    assert len(data["title"]["text"]) <= 24
    reason = inputs(view)[Field.REASON]
    assert reason["optional"] is True
    # Slack itself writes "(optional)" after an optional input's label.
    assert "optional" not in reason["label"]["text"]
    assert reason["element"]["action_id"] == VALUE
    assert reason["element"]["max_length"] == 500


def test_the_complete_modal_takes_notes_and_the_actual_length_starting_from_the_plan() -> None:
    view = complete_modal(a_session(minutes=45), BEN, "UTC", "meta")
    data = view.to_dict()
    assert data["callback_id"] == Modal.COMPLETE
    fields = inputs(view)
    assert list(fields) == [Field.NOTES, Field.ACTUAL_MINUTES]
    notes = fields[Field.NOTES]
    assert notes["optional"] is True
    assert notes["element"]["multiline"] is True
    assert notes["element"]["max_length"] == 3000
    minutes = fields[Field.ACTUAL_MINUTES]["element"]
    assert minutes["type"] == "number_input"
    assert minutes["action_id"] == VALUE
    assert minutes["is_decimal_allowed"] is False
    assert (minutes["min_value"], minutes["max_value"]) == ("1", "480")
    assert minutes["initial_value"] == "45"


def test_the_feedback_modal_offers_five_ratings_best_first_and_an_optional_comment() -> None:
    view = feedback_modal(
        a_session(S.COMPLETED, starts_in=-timedelta(hours=2)), MAYA, "UTC", "meta"
    )
    data = view.to_dict()
    assert data["callback_id"] == Modal.FEEDBACK
    fields = inputs(view)
    assert list(fields) == [Field.RATING, Field.COMMENT]
    rating = fields[Field.RATING]["element"]
    assert rating["type"] == "static_select"
    assert rating["action_id"] == VALUE
    options = [(option["value"], option["text"]["text"]) for option in rating["options"]]
    assert options[0] == ("5", "★★★★★ 5 — Excellent")
    assert options[-1] == ("1", "★ 1 — Poor")
    assert [value for value, _ in options] == ["5", "4", "3", "2", "1"]
    comment = fields[Field.COMMENT]
    assert comment["optional"] is True
    assert "optional" not in comment["label"]["text"]
    assert comment["element"]["max_length"] == 2000
    assert "Maya Chen will see your rating" in json.dumps(data, ensure_ascii=False)


def test_modals_escape_the_topic_and_fit_slack_limits() -> None:
    session = a_session(topic="<!here> now")
    shady = replace(MAYA, display_name="<!everyone>")
    for build in (cancel_modal, decline_modal, complete_modal, feedback_modal):
        data = build(session, shady, "UTC", "meta").to_dict()
        intro = data["blocks"][0]["text"]
        assert intro["type"] == "mrkdwn"
        assert "Topic: &lt;!here&gt; now" in intro["text"]
        assert "*&lt;!everyone&gt;*" in intro["text"]
        assert "<!everyone>" not in intro["text"]
        assert len(data["title"]["text"]) <= 24
