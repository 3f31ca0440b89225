"""Session blocks and the `/mentor sessions` message, read through what Slack
would receive: `to_dict()`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from domain.model import Feedback, Profile, Session, SubjectRole
from handlers.ids import Action
from handlers.render.sessions import at_least, session_blocks, sessions_message
from tests.handlers.samples import BEN, MAYA, NOW, OLGA
from tests.handlers.session_samples import LINK, S, a_session


def as_json(blocks: list[Block]) -> str:
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


def elements(blocks: list[Block]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks
        for element in block.to_dict().get("elements", [])
        if block.type == "actions"
    ]


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


def test_a_session_on_without_a_meeting_link_says_to_agree_on_a_place_instead_of_join() -> None:
    blocks = session_blocks(
        a_session(S.SCHEDULED), BEN, MAYA, "UTC", NOW, feedback=[], meeting_link=None
    )
    assert "No meeting link yet: agree on a place with Maya Chen in a DM." in as_json(blocks)
    assert Action.JOIN not in [element["action_id"] for element in elements(blocks)]
    linked = session_blocks(
        a_session(S.SCHEDULED), BEN, MAYA, "UTC", NOW, feedback=[], meeting_link=LINK
    )
    assert "No meeting link" not in as_json(linked)
    assert Action.JOIN in [element["action_id"] for element in elements(linked)]
    # A request is not on yet, and a cancelled session no more: nothing to agree on.
    for status in (S.REQUESTED, S.CANCELLED):
        off = session_blocks(
            a_session(status), BEN, MAYA, "UTC", NOW, feedback=[], meeting_link=None
        )
        assert "No meeting link" not in as_json(off)


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


def _mayas(
    upcoming: list[Session], past: list[Session], *, earlier: bool, later: bool
) -> tuple[str, list[Block]]:
    """`/mentor sessions` for Maya, mentor of Ben in every session."""
    return sessions_message(
        upcoming=upcoming,
        past=past,
        earlier=earlier,
        later=later,
        viewer=MAYA,
        people={BEN.id: BEN},
        feedback={},
        viewer_zone="Europe/London",
        now=NOW,
        meeting_links={},
    )


def test_fifty_upcoming_sessions_fit_in_fifty_blocks_with_a_note_for_the_rest() -> None:
    upcoming = [
        a_session(S.REQUESTED, starts_in=timedelta(days=1, hours=n), session_id=100 + n)
        for n in range(50)
    ]
    # The five most recent, and earlier ones beyond them (domain.home.PAST_LISTED).
    past = [
        a_session(S.COMPLETED, starts_in=-timedelta(days=1, hours=n), session_id=200 + n)
        for n in range(5)
    ]
    text, blocks = _mayas(upcoming, past, earlier=True, later=False)
    assert len(blocks) <= 50
    dumped = as_json(blocks)
    shown = sum(1 for element in elements(blocks) if element["action_id"] == Action.ACCEPT)
    assert shown > 10
    assert f"…and {50 - shown} other upcoming sessions." in dumped
    assert "Upcoming sessions" in dumped
    assert "Recent sessions" in dumped
    assert "…and earlier sessions." in dumped
    assert text == "Your sessions: 50 upcoming sessions, 5 or more past sessions."


def test_sessions_to_come_beyond_those_read_are_counted_as_at_least() -> None:
    upcoming = [
        a_session(S.SCHEDULED, starts_in=timedelta(days=1, hours=n), session_id=100 + n)
        for n in range(3)
    ]
    text, blocks = _mayas(upcoming, [], earlier=False, later=True)
    assert "…and other upcoming sessions." in as_json(blocks)
    assert text == "Your sessions: 3 or more upcoming sessions, 0 past sessions."


def test_a_few_sessions_are_all_shown_without_a_note() -> None:
    upcoming = [a_session(S.SCHEDULED, session_id=1), a_session(S.REQUESTED, session_id=2)]
    past = [a_session(S.COMPLETED, starts_in=-timedelta(days=2), session_id=3)]
    text, blocks = sessions_message(
        upcoming=upcoming,
        past=past,
        earlier=False,
        later=False,
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
            earlier=False,
            later=False,
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
        earlier=False,
        later=False,
        viewer=BEN,
        people={},
        feedback={},
        viewer_zone="UTC",
        now=NOW,
        meeting_links={},
    )
    assert "*with a colleague* (mentor)" in as_json(blocks)


def test_at_least_reads_for_one_and_many() -> None:
    assert at_least(0, "earlier session", more=True) == "earlier sessions"
    assert at_least(1, "earlier session", more=False) == "1 earlier session"
    assert at_least(0, "past session", more=False) == "0 past sessions"
    assert at_least(5, "past session", more=True) == "5 or more past sessions"
