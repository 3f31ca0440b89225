"""The modal Book again opens: the booking modal with the picked time chosen,
and a note saying which time that is and, when it moved, why."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.follow_ups import FollowUp, Moved
from domain.model import Slot
from handlers.ids import Field, Modal
from handlers.render.follow_ups import book_again_modal
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


def test_the_same_time_is_picked_and_said() -> None:
    view = book_again_modal(_found(_slot(TUESDAY_10)), "UTC", "{}").to_dict()
    shown = as_text(view)
    assert "🔁 The same time in 2 weeks: " + _token(TUESDAY_10) in shown
    assert "picked below" in shown
    assert "is not free" not in shown
    picker = inputs(view)[Field.SLOT]["element"]
    assert picker["initial_option"]["value"] == str(int(TUESDAY_10.timestamp()))


def test_a_moved_time_is_picked_and_the_reason_given() -> None:
    nearest = _slot(TUESDAY_10 - HALF_HOUR)
    view = book_again_modal(_found(nearest, Moved.TAKEN), "UTC", '{"mentor_id":1}').to_dict()
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


def test_without_a_free_time_near_it_the_modal_says_so_and_offers_no_form() -> None:
    view = book_again_modal(_found(None), "UTC", "{}").to_dict()
    assert "submit" not in view
    assert "has no free time within a week of " + _token(TUESDAY_10) in as_text(view)
