"""Filling in a modal from typed answers, with the checks Slack makes itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.standin.forms import BadAnswer, fill, form_fields
from tests.dates import MONDAY


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _input(block_id: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": block_id.title()},
        "element": {"action_id": "value", **element},
    }


STARS = [_option(f"{n} stars", str(n)) for n in (5, 4, 3, 2, 1)]
VIEW = {
    "type": "modal",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Not a field"}},
        _input("rating", {"type": "static_select", "options": STARS}),
        _input("comment", {"type": "plain_text_input"}, optional=True),
        _input(
            "zone",
            {
                "type": "static_select",
                "options": [_option("UTC", "UTC"), _option("Europe/London", "Europe/London")],
                "initial_option": _option("Europe/London", "Europe/London"),
            },
        ),
        _input("day", {"type": "datepicker"}, optional=True),
        _input("start", {"type": "timepicker"}, optional=True),
        _input(
            "weekdays",
            {"type": "checkboxes", "options": [_option(d, str(i)) for i, d in enumerate("MTW")]},
            optional=True,
        ),
        _input("minutes", {"type": "number_input", "is_decimal_allowed": False}, optional=True),
        _input(
            "name", {"type": "plain_text_input", "min_length": 2, "max_length": 5}, optional=True
        ),
        _input(
            "hours",
            {
                "type": "number_input",
                "is_decimal_allowed": True,
                "min_value": "0.5",
                "max_value": "8",
            },
            optional=True,
        ),
    ],
}


def _field(block_id: str) -> Any:
    return next(f for f in form_fields(VIEW) if f.block_id == block_id)


def test_only_input_blocks_are_fields_in_their_order() -> None:
    assert [f.block_id for f in form_fields(VIEW)] == [
        "rating", "comment", "zone", "day", "start", "weekdays", "minutes", "name", "hours",
    ]  # fmt: skip


def test_a_choice_is_made_by_its_number_in_the_list_or_by_its_label() -> None:
    rating = _field("rating")
    assert rating.answer("1")["selected_option"]["value"] == "5"
    assert rating.answer("2 stars")["selected_option"]["value"] == "2"
    with pytest.raises(BadAnswer, match="1 to 5"):
        rating.answer("9")


def test_a_required_field_cannot_be_left_empty_but_an_optional_one_can() -> None:
    with pytest.raises(BadAnswer, match="required"):
        _field("rating").answer("")
    assert _field("comment").answer("  ") == {"type": "plain_text_input", "value": None}


def test_an_empty_answer_keeps_what_the_form_already_says() -> None:
    zone = _field("zone")
    assert zone.answer("")["selected_option"]["value"] == "Europe/London"
    assert "Enter keeps Europe/London" in zone.question()


def test_dates_times_numbers_and_several_choices_are_checked_as_slack_would() -> None:
    day = MONDAY.date() + timedelta(days=24)
    assert _field("day").answer(f"{day:%Y-%m-%d}") == {
        "type": "datepicker",
        "selected_date": f"{day:%Y-%m-%d}",
    }
    assert _field("start").answer("09:30") == {"type": "timepicker", "selected_time": "09:30"}
    picked = _field("weekdays").answer("1,3")["selected_options"]
    assert [o["value"] for o in picked] == ["0", "2"]
    for block_id, bad in (
        ("day", f"{day:%d/%m/%Y}"),
        ("start", "25:00"),
        ("minutes", "half an hour"),
    ):
        with pytest.raises(BadAnswer):
            _field(block_id).answer(bad)


def test_a_text_longer_or_shorter_than_the_element_allows_is_refused() -> None:
    name = _field("name")
    assert name.answer("Maya")["value"] == "Maya"
    with pytest.raises(BadAnswer, match="at most 5 characters"):
        name.answer("Maya Patel")
    with pytest.raises(BadAnswer, match="at least 2 characters"):
        name.answer("M")


def test_a_number_must_be_whole_unless_decimals_are_allowed_and_within_its_bounds() -> None:
    with pytest.raises(BadAnswer, match="whole number"):
        _field("minutes").answer("30.5")
    assert _field("minutes").answer("30")["value"] == "30"
    hours = _field("hours")
    assert hours.answer("2.5")["value"] == "2.5"
    assert hours.answer("0.5")["value"] == "0.5"  # the bounds themselves are allowed
    with pytest.raises(BadAnswer, match=r"at least 0\.5"):
        hours.answer("0.25")
    with pytest.raises(BadAnswer, match="at most 8"):
        hours.answer("9")


def test_a_script_fills_a_form_naming_choices_by_their_values() -> None:
    values = fill(VIEW, {"rating": "5", "comment": "Great"})
    assert values["rating"]["selected_option"]["value"] == "5"
    assert values["comment"]["value"] == "Great"
    assert values["zone"]["selected_option"]["value"] == "Europe/London"
    with pytest.raises(BadAnswer, match="Rating"):
        fill(VIEW, {"rating": "6"})
