"""The session modals (cancel, decline, complete, feedback), read through what
Slack would receive: `to_dict()`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_sdk.models.views import View

from handlers.ids import VALUE, Field, Modal
from handlers.render.session_modals import (
    cancel_modal,
    complete_modal,
    decline_modal,
    feedback_modal,
)
from tests.handlers.samples import BEN, MAYA
from tests.handlers.session_samples import S, a_session


def inputs(view: View) -> dict[str, dict[str, Any]]:
    return {
        block["block_id"]: block for block in view.to_dict()["blocks"] if block["type"] == "input"
    }


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
