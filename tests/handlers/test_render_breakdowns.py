"""The dashboard's breakdowns, its export button and its "as of" note, read
through what Slack would receive (`to_dict()` also checks Slack's limits)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from domain.digest import Digest
from domain.metrics import (
    Dashboard,
    DepartmentFigures,
    ExpertiseGap,
    GoalAttainment,
    MentorFigures,
    TrendPoint,
    TrendUnit,
)
from handlers.ids import Action
from handlers.metadata import PeriodRef, decode
from handlers.render.breakdowns import departments_text, expertise_text, trend_text
from handlers.render.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from handlers.render.digest import digest_message
from handlers.render.stats import dashboard_blocks, dashboard_text
from tests.dates import MONDAY

NOW = MONDAY + timedelta(hours=8)
WEEK = MONDAY.date()  # the Monday of now's week


def weeks_ago(n: int) -> date:
    return WEEK - timedelta(weeks=n)


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
    rating_count=4,
    trend=[
        TrendPoint(weeks_ago(5), 1, 1, partial=True),
        TrendPoint(weeks_ago(4), 4, 4),
        TrendPoint(weeks_ago(3), 2, 0),
        TrendPoint(weeks_ago(2), 0, 0),
    ],
    expertise=[ExpertiseGap("python", 10, 2), ExpertiseGap("k8s <ops>", 1, 0)],
    departments=[
        DepartmentFigures("Engineering", 1, 1, 6, 3, 2, 4.5),
        DepartmentFigures("", 0, 1, 5, 2, 0, None),
        DepartmentFigures("Design", 1, 0, 0, 0, 0, None),
    ],
    more_departments=1,
)
EMPTY = Dashboard(
    period_days=7,
    since=NOW - timedelta(days=7),
    mentors=0,
    mentees=0,
    sessions=0,
    completed=0,
    completion_rate=None,
    average_rating=None,
    top_by_rating=[],
    top_by_completed=[],
    utilization=None,
    trend=[TrendPoint(weeks_ago(1), 0, 0, True), TrendPoint(WEEK, 0, 0, True)],
)


def rendered(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def test_the_trend_has_one_bar_per_week_scaled_to_the_busiest() -> None:
    assert trend_text(BOARD).split("\n") == [
        "*Sessions per week*",
        f"`{weeks_ago(5):%d %b}` ▓▓░░░░░░░░ 1 · 1 completed (part)",
        f"`{weeks_ago(4):%d %b}` ▓▓▓▓▓▓▓▓▓▓ 4 · 4 completed",
        f"`{weeks_ago(3):%d %b}` ▓▓▓▓▓░░░░░ 2 · 0 completed",
        f"`{weeks_ago(2):%d %b}` ░░░░░░░░░░ 0 · 0 completed",
    ]


def test_the_all_time_trend_is_labelled_by_month() -> None:
    month = WEEK.replace(day=1)  # the first of now's month
    months = replace(BOARD, trend_unit=TrendUnit.MONTH, trend=[TrendPoint(month, 1200, 900, True)])

    assert trend_text(months).split("\n") == [
        "*Sessions per month* (last 12)",
        f"`{month:%b %Y}` ▓▓▓▓▓▓▓▓▓▓ 1,200 · 900 completed (part)",
    ]


def test_expertise_short_of_mentors_says_how_many_each_mentor_would_take() -> None:
    assert expertise_text(BOARD).split("\n")[1:] == [
        "1. *python* — 10 sessions · 2 mentors (5.0 each)",
        "2. *k8s &lt;ops&gt;* — 1 session · no active mentor",
    ]


def test_departments_show_their_share_of_sessions_people_and_rating() -> None:
    assert departments_text(BOARD).split("\n")[1:] == [
        "*Engineering* · 1 mentor · 1 mentee",
        # Two ratings: too few to show their average, whatever the figures hold.
        "▓▓▓▓▓░░░░░ 55% of sessions · 6 sessions, 3 completed"
        " · 2 ratings (too few to show an average)",
        "*No department* · 0 mentors · 1 mentee",
        "▓▓▓▓▓░░░░░ 45% of sessions · 5 sessions, 2 completed · No ratings yet",
        "*Design* · 1 mentor · 0 mentees",
        "no sessions · No ratings yet",
        "…and 1 more department.",
    ]


def test_the_dashboard_carries_the_breakdowns_and_the_export_of_its_period() -> None:
    blocks = rendered(dashboard_blocks(BOARD, "UTC"))
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    (export,) = [e for e in actions["elements"] if e["type"] == "button"]

    assert export["action_id"] == Action.STATS_EXPORT
    assert export["text"]["text"] == "Export per-mentor CSV"
    assert decode(PeriodRef, export["value"]) == PeriodRef(days=30)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert trend_text(BOARD) in sections
    assert expertise_text(BOARD) in sections
    assert departments_text(BOARD) in sections


def test_a_snapshot_says_as_of_when_and_a_live_dashboard_does_not() -> None:
    dumped = json.dumps(rendered(dashboard_blocks(replace(BOARD, as_of=NOW), "Europe/London")))

    assert f"Figures as of <!date^{int(NOW.timestamp())}^" in dumped
    assert "refreshed every 5 minutes" in dumped
    assert "as of" not in json.dumps(rendered(dashboard_blocks(BOARD, "UTC")))
    assert dashboard_text(replace(BOARD, as_of=NOW)).endswith(f"As of {NOW:%a %-d %b}, 08:00 UTC")


def test_an_empty_programme_has_no_nan_none_or_percent_of_nothing() -> None:
    blocks = rendered(dashboard_blocks(EMPTY, "UTC"))
    dumped = json.dumps(blocks, ensure_ascii=False)

    assert "No sessions in these weeks." in dumped
    assert "*Expertise in demand, short of mentors* (sessions per active mentor)\\n—" in dumped
    assert "*By department* (sessions by the mentee's department)\\n—" in dumped
    for bad in ("nan", "None", "inf"):
        assert bad not in dumped
        assert bad not in dashboard_text(EMPTY)


def test_a_full_dashboard_stays_within_slacks_limits() -> None:
    long = "Research and Development " * 8
    full = replace(
        BOARD,
        trend=[TrendPoint(weeks_ago(13 - n), 9999, 9000) for n in range(14)],
        expertise=[ExpertiseGap("x" * 80 + str(n), 5000, 3) for n in range(5)],
        departments=[
            DepartmentFigures(long + str(n), 999, 999, 9999, 9999, 9999, 4.9) for n in range(10)
        ],
        more_departments=500,
    )
    blocks = rendered(dashboard_blocks(full, "UTC"))

    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
    assert "…and 500 more departments." in json.dumps(blocks, ensure_ascii=False)


def test_the_digest_names_the_expertise_short_of_mentors() -> None:
    digest = Digest(
        workspace_id="T1",
        week_start=WEEK,
        new_sessions=3,
        completed=1,
        average_rating=None,
        top_mentors=[],
        previous_new_sessions=0,
        previous_completed=0,
        expertise=[ExpertiseGap("python", 3, 1), ExpertiseGap("go", 1, 0)],
    )
    _text, blocks = digest_message(digest)
    dumped = json.dumps(rendered(blocks), ensure_ascii=False)

    assert (
        "*Most asked for, fewest mentors* — could you mentor?\\n"
        "1. *python* — 3 sessions · 1 mentor\\n2. *go* — 1 session · no active mentor"
    ) in dumped


def test_the_digest_carries_the_weeks_health_and_withholds_thin_averages() -> None:
    thin = MentorFigures(1, "Maya Patel", 2, 2, None, None, 1.5, 30.0, 3)
    digest = Digest(
        workspace_id="T1",
        week_start=WEEK,
        new_sessions=5,
        completed=2,
        average_rating=4.0,
        top_mentors=[thin],
        previous_new_sessions=0,
        previous_completed=0,
        planned_minutes=120,
        actual_minutes=105,
        no_show_rate=0.25,
        late_cancel_rate=None,
        load_spread=0.5,
        goal_attainment=GoalAttainment(2, 1, ()),
        at_risk=3,
    )
    _text, blocks = digest_message(digest)
    dumped = json.dumps(rendered(blocks), ensure_ascii=False)

    assert "120 min planned, 105 min held" in dumped
    assert "No-shows 25% · Late cancels —" in dumped
    assert "1 of 2 goals achieved (50%)" in dumped
    assert "Pairs at risk: 3" in dumped
    # Two ratings: counted, their average not shown; no written feedback at all.
    assert "2 ratings (too few to show an average)" in dumped
