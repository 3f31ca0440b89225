"""The modal Book again opens: the booking modal with the picked time chosen,
and a note saying which time that is and, when it moved, why; or, with
nothing free near it, a note alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.follow_ups import FollowUp, Moved
from domain.model import Slot
from handlers.ids import Field, Modal
from handlers.render.booking import booking_modal
from handlers.render.follow_ups import nothing_near, picked_note
from tests.dates import on, weekday_after
from tests.handlers.form_samples import inputs
from tests.handlers.samples import MAYA, NOW, as_text

TUESDAY_10 = on(weekday_after(NOW, 1), 10)
HALF_HOUR = timedelta(minutes=30)


def _slot(starts_at: datetime) -> Slot:
    return Slot(starts_at, starts_at + HALF_HOUR)


def _found(picked: Slot | None, moved: Moved | None = None) -> FollowUp:
    """Two weeks on from a session on a Tuesday at 10:00; free around then as
    `picked` says (nothing free without it)."""
    around = [_slot(TUESDAY_10 + n * HALF_HOUR) for n in (-2, -1, 1, 2)]
    slots = [] if picked is None else sorted({*around, picked})
    return FollowUp(MAYA, 2, TUESDAY_10, slots, picked, moved, goals=())


def _token(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


def _modal(found: FollowUp, metadata: str = "{}") -> dict[str, Any]:
    """The booking modal as the Book again screen builds it (handlers.screens)."""
    assert found.picked is not None
    note = picked_note(found, found.picked, "UTC")
    return booking_modal(
        found.mentor, found.slots, "UTC", metadata, chosen=found.picked.starts_at, note=note
    ).to_dict()


def test_the_same_time_is_picked_and_said() -> None:
    view = _modal(_found(_slot(TUESDAY_10)))
    shown = as_text(view)
    assert "🔁 The same time in 2 weeks: " + _token(TUESDAY_10) in shown
    assert "picked below" in shown
    assert "is not free" not in shown
    picker = inputs(view)[Field.SLOT]["element"]
    assert picker["initial_option"]["value"] == str(int(TUESDAY_10.timestamp()))


def test_a_moved_time_is_picked_and_the_reason_given() -> None:
    nearest = _slot(TUESDAY_10 - HALF_HOUR)
    view = _modal(_found(nearest, Moved.TAKEN), '{"mentor_id":1}')
    shown = as_text(view)
    assert view["callback_id"] == Modal.BOOK
    assert view["private_metadata"] == '{"mentor_id":1}'
    assert "🔁 " + _token(TUESDAY_10) in shown
    assert (
        ", the same time in 2 weeks, is not free: Maya Chen or you already have a session then."
        in shown
    )
    assert "the nearest free time, " + _token(nearest.starts_at) in shown
    picker = inputs(view)[Field.SLOT]["element"]
    assert picker["initial_option"]["value"] == str(int(nearest.starts_at.timestamp()))


@pytest.mark.parametrize(
    ("moved", "why"),
    [
        (Moved.TOO_SOON, "it is too soon to book"),
        (Moved.NOT_OFFERED, "it is outside Maya Chen's availability"),
        (Moved.WEEK_FULL, "Maya Chen's sessions for that week are all booked"),
    ],
)
def test_each_reason_for_a_move_is_said(moved: Moved, why: str) -> None:
    nearest = _slot(TUESDAY_10 + HALF_HOUR)
    assert f"is not free: {why}." in picked_note(_found(nearest, moved), nearest, "UTC")


def test_without_a_free_time_near_it_a_note_says_so_and_offers_no_form() -> None:
    view = nothing_near(_found(None), "UTC").to_dict()
    assert "submit" not in view
    assert "has no free time within a week of " + _token(TUESDAY_10) in as_text(view)
