"""Introductions → first session, as the dashboard (the Home's and `/mentor
stats`', blocks and fallback text) and the weekly digest say it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.digest import Digest
from domain.metrics import Dashboard, IntroductionFigures
from handlers.render.digest import digest_message
from handlers.render.stats import dashboard_blocks, dashboard_text
from tests.dates import MONDAY

NOW = MONDAY + timedelta(hours=8)
BOARD = Dashboard(
    period_days=30,
    since=NOW - timedelta(days=30),
    mentors=3,
    mentees=3,
    sessions=11,
    completed=5,
    completion_rate=5 / 7,
    average_rating=4.25,
    top_by_rating=[],
    top_by_completed=[],
    utilization=4.5 / 41,
    introductions=IntroductionFigures(sent=4, booked=2, median_days=4.25),
)
LINE = "Introductions: 4 sent, 2 led to a first session, median 4.2 days"


def shown(board: Dashboard) -> tuple[str, str]:
    """The dashboard's blocks (as Slack gets them) and its fallback text."""
    blocks = [block.to_dict() for block in dashboard_blocks(board, "UTC")]
    return json.dumps(blocks, ensure_ascii=False), dashboard_text(board)


def test_the_dashboard_shows_introductions_sent_booked_and_the_median_days() -> None:
    blocks, text = shown(BOARD)
    assert LINE in blocks
    assert LINE in text
    assert "Introductions: sent in the period by a manager" in blocks  # its definition


@pytest.mark.parametrize(
    ("period", "words"),
    [(None, "Introductions: no introductions yet"), (7, "no introductions yet in this period")],
)
def test_an_empty_programme_has_no_introductions_yet_and_nothing_divided(
    period: int | None, words: str
) -> None:
    empty = replace(BOARD, period_days=period, introductions=IntroductionFigures())
    blocks, text = shown(empty)
    # The whole line: no count of sessions, no median.
    assert f'{words}"' in blocks
    assert f"{words} · Goals" in text
    assert "nan" not in (blocks + text).lower()


def test_introductions_none_of_which_led_to_a_session_have_no_median() -> None:
    _, text = shown(replace(BOARD, introductions=IntroductionFigures(3, 0, None)))
    assert "Introductions: 3 sent, none led to a first session yet ·" in text


def test_the_digest_says_the_weeks_introductions() -> None:
    digest = Digest(
        workspace_id="T1",
        week_start=MONDAY.date(),
        new_sessions=1,
        completed=0,
        average_rating=None,
        top_mentors=[],
        previous_new_sessions=0,
        previous_completed=0,
        introductions=IntroductionFigures(2, 1, 3.0),
    )
    quiet = replace(digest, introductions=IntroductionFigures())

    def said(d: Digest) -> str:
        _, blocks = digest_message(d)
        return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)

    assert "Introductions: 2 sent, 1 led to a first session, median 3.0 days" in said(digest)
    assert "Introductions: none sent this week" in said(quiet)
