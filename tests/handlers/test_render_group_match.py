"""Programme matching's renderers: a big preview stays within Slack's limits,
and the manager is told what Send did."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from domain.group_matching import Unmatched
from domain.introductions import Introduction, Preview, Proposal, Sending, Sent, Status
from domain.model import Profile
from handlers.ids import Action
from handlers.render.common import MAX_MESSAGE_BLOCKS
from handlers.render.group_match import (
    SHOWN_PAIRS,
    preview_message,
    sent_message,
    unmatched_message,
)

PREVIEW = uuid4()


def _person(pid: int) -> Profile:
    return Profile(pid, "T1", f"U{pid}", f"Person {pid}")


def _proposal(pid: int, status: Status = Status.PROPOSED) -> Proposal:
    return Proposal(pid, PREVIEW, _person(pid), _person(1000 + pid), 0.5, ("knows Go",) * 6, status)


def test_a_preview_of_2000_pairs_shows_20_with_drop_and_counts_the_rest() -> None:
    preview = Preview(PREVIEW, tuple(_proposal(i) for i in range(1, 2001)))
    text, blocks = preview_message(preview)
    rendered = [b.to_dict() for b in blocks]  # validates Slack's limits
    assert len(rendered) <= MAX_MESSAGE_BLOCKS
    assert text == "Programme matching preview: 2000 pairs, total score 1000.00"
    drops = [
        b for b in rendered if b.get("accessory", {}).get("action_id") == Action.DROP_INTRODUCTION
    ]
    assert len(drops) == SHOWN_PAIRS
    assert "…and 1980 more pairs" in str(rendered)
    assert rendered[-1]["elements"][0]["text"]["text"] == "Send 2000 introductions"


def test_a_preview_with_every_pair_dropped_offers_no_send() -> None:
    preview = Preview(PREVIEW, (_proposal(1, Status.DROPPED),))
    text, blocks = preview_message(preview)
    assert "(1 dropped)" in text
    assert Action.SEND_INTRODUCTIONS not in str([b.to_dict() for b in blocks])


def test_who_stayed_unmatched_is_listed_with_why() -> None:
    said = unmatched_message([(_person(1), Unmatched.HAS_MENTOR)], [_person(2)])
    assert said is not None
    shown = str([b.to_dict() for b in said[1]])
    assert "Person 1 — already has a mentor" in shown
    assert "no weekly free time (no capacity): Person 2" in shown
    assert unmatched_message([], []) is None


def _said(sent: Sent) -> tuple[str, str]:
    text, blocks = sent_message(sent)
    return text, str([b.to_dict() for b in blocks])  # validates Slack's limits


def test_the_manager_is_told_what_send_did() -> None:
    assert _said(Sent((), (), Sending((), 3)))[0].startswith(
        "These introductions were already sent (3)"
    )
    assert _said(Sent((), (), Sending((), 0)))[0] == (
        "Every pair of this preview was dropped: nothing was sent."
    )
    text, shown = _said(Sent((), (), Sending((), 0, retry=True)))
    assert text == "No failed introduction left to retry: nothing was sent twice."
    assert Action.RETRY_INTRODUCTIONS not in shown


def test_pairs_slack_refused_are_listed_with_why_and_a_retry_button() -> None:
    went = tuple(_proposal(i) for i in range(1, 16))
    failed = tuple(
        replace(_proposal(i), status=Status.FAILED, failure=f"couldn't open a DM: error_{i}")
        for i in range(16, 31)
    )
    sending = Sending(tuple(Introduction(p, ()) for p in (*went, *failed)), 0)
    text, shown = _said(Sent(went, failed, sending))
    assert (
        text == "Sent 15 introductions, each in a group DM with both people. 15 could not"
        " be sent. Not sent: 15 pairs."
    )
    assert "Person 16* → *Person 1016* — couldn't open a DM: error_16" in shown
    assert "…and 5 more" in shown
    assert "Retry 15 failed" in shown


def test_a_retry_says_which_pairs_it_left_out_and_why() -> None:
    left_out = ((_proposal(1, Status.FAILED), "Person 1 booked a mentor meanwhile"),)
    text, shown = _said(Sent((), (), Sending((), 0, not_retried=left_out, retry=True)))
    assert text == "Nothing was sent: the failed pairs' people changed meanwhile."
    assert "Not retried, dropped" in shown
    assert "Person 1 booked a mentor meanwhile" in shown
    assert Action.RETRY_INTRODUCTIONS not in shown
