"""Which buttons a session offers whom, and when, read through what Slack would
receive: `to_dict()`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import ButtonElement

from domain.errors import SessionMoved
from domain.model import Profile, Session, SessionStatus, Slot
from handlers.ids import Action
from handlers.metadata import SessionRef, decode
from handlers.render.sessions import moved_text, session_actions
from tests.handlers.samples import BEN, MAYA, NOW, OLGA
from tests.handlers.session_samples import LINK, S, a_session


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


def test_accept_carries_the_time_it_is_shown_beside_and_the_rest_only_the_session() -> None:
    session = a_session(S.REQUESTED, session_id=42)
    buttons = session_actions(session, MAYA, BEN, NOW, feedback_given=False, meeting_link=None)
    refs = {button.action_id: decode(SessionRef, button.value) for button in buttons}
    shown = Slot(session.starts_at, session.ends_at)
    assert refs.pop(Action.ACCEPT) == SessionRef.shown(42, shown)
    assert set(refs.values()) == {SessionRef(session_id=42)}
    assert len(buttons[0].to_dict()["value"]) <= 2000


def test_someone_outside_the_session_gets_no_buttons() -> None:
    session = a_session(S.REQUESTED)
    assert session_actions(session, OLGA, BEN, NOW, feedback_given=False, meeting_link=LINK) == []


def test_an_accept_from_before_buttons_carried_the_time_still_parses_without_one() -> None:
    old = decode(SessionRef, '{"session_id": 42}')
    assert old is not None
    assert old.seen() is None
    session = a_session(S.REQUESTED, session_id=42)
    shown = SessionRef.shown(42, Slot(session.starts_at, session.ends_at)).encode()
    carried = decode(SessionRef, shown)
    assert carried is not None
    assert carried.seen() == Slot(session.starts_at, session.ends_at)


@pytest.mark.parametrize(
    "value",
    [
        '{"session_id": 42, "starts": 1800000000}',  # half a time
        '{"session_id": 42, "starts": 1800000000, "ends": 1800000000}',  # ends as it starts
        '{"session_id": 42, "starts": -1, "ends": 1800000000}',
        '{"session_id": 42, "starts": "soon", "ends": 1800000000}',
        '{"session_id": 42, "starts": 1800000000, "ends": 99999999999999}',  # past year 9999
    ],
)
def test_a_tampered_shown_time_does_not_parse(value: str) -> None:
    assert decode(SessionRef, value) is None


def test_a_refused_accept_says_where_the_request_went_in_the_readers_zone() -> None:
    moved = a_session(S.REQUESTED, starts_in=timedelta(days=2))
    said = moved_text(SessionMoved(moved.starts_at, moved.ends_at), "Asia/Kolkata")
    assert f"<!date^{int(moved.starts_at.timestamp())}^" in said
    assert "(Asia/Kolkata)" in said
    for words in ("moved to", "newest message", "Home tab"):
        assert words in said
