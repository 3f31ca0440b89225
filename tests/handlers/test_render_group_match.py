"""Programme matching's renderers: a big preview stays within Slack's limits,
and the manager is told what Send did."""

from __future__ import annotations

from uuid import uuid4

from domain.group_matching import Unmatched
from domain.introductions import Preview, Proposal, Sending, Status
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


def test_the_manager_is_told_what_send_did() -> None:
    assert sent_message(Sending((), 3), []).startswith("These introductions were already sent (3)")
    assert sent_message(Sending((), 0), []) == (
        "Every pair of this preview was dropped: nothing was sent."
    )
