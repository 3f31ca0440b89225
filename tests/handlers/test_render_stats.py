"""The programme dashboard's blocks, read through what Slack would receive:
`to_dict()` (which also checks Slack's limits)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from domain.analytics import PERIODS
from domain.metrics import (
    AtRiskPair,
    Dashboard,
    DepartmentGoals,
    DurationWeek,
    ExpertiseGap,
    GoalAttainment,
    MentorFigures,
    RiskReason,
)
from handlers.ids import Action
from handlers.metadata import PairRef, PeriodRef, decode
from handlers.render.stats import dashboard_blocks, dashboard_text
from tests.dates import MONDAY

NOW = MONDAY + timedelta(hours=8)
MAYA = MentorFigures(
    mentor_id=1,
    name="Maya Patel",
    completed=3,
    rating_count=2,
    average_rating=4.5,
    score=198 / 49,
    booked_hours=3.5,
    offered_hours=29.0,
)
OMAR = MentorFigures(
    mentor_id=3,
    name="Omar <Haddad>",
    completed=1,
    rating_count=1,
    average_rating=5.0,
    score=170 / 42,
    booked_hours=0.75,
    offered_hours=0.0,
)
FULL = Dashboard(
    period_days=30,
    since=NOW - timedelta(days=30),
    mentors=3,
    mentees=3,
    sessions=11,
    completed=5,
    completion_rate=5 / 7,
    average_rating=4.25,
    top_by_rating=[OMAR, MAYA],
    top_by_completed=[MAYA, OMAR],
    utilization=4.5 / 41,
    rating_count=4,
)
EMPTY = Dashboard(
    period_days=None,
    since=None,
    mentors=0,
    mentees=0,
    sessions=0,
    completed=0,
    completion_rate=None,
    average_rating=None,
    top_by_rating=[],
    top_by_completed=[],
    utilization=None,
)


def rendered(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def the_select(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    (select,) = [e for e in actions["elements"] if e["type"] == "static_select"]
    return select


def field_texts(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Each field's bold name -> its value."""
    texts: dict[str, str] = {}
    for block in blocks:
        for field in block.get("fields", []):
            name, value = field["text"].split("\n", 1)
            texts[name.strip("*")] = value
    return texts


def test_the_dashboard_renders_its_figures_as_fields_bars_and_stars() -> None:
    blocks = rendered(dashboard_blocks(FULL, "Europe/London"))

    assert len(blocks) <= 30
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Programme dashboard", "emoji": True},
    }
    fields = field_texts(blocks)
    assert fields["Mentors"] == "3"
    assert fields["Mentees"] == "3"
    assert fields["Sessions"] == "11"
    assert fields["Completed"] == "5"
    assert fields["Completion rate"] == "▓▓▓▓▓▓▓░░░ 71%"
    assert fields["Average rating"] == "★★★★☆ 4.2 (4)"
    assert fields["Utilization"] == "▓░░░░░░░░░ 11%"


def test_the_top_mentors_are_listed_in_order_with_score_stars_and_completed() -> None:
    text = json.dumps(rendered(dashboard_blocks(FULL, "UTC")), ensure_ascii=False)

    assert (
        "1. *Omar &lt;Haddad&gt;* — score 4.05 · 1 rating (too few to show an average)"
        " · 1 completed\\n"
        "2. *Maya Patel* — score 4.04 · 2 ratings (too few to show an average) · 3 completed"
    ) in text
    assert (
        "1. *Maya Patel* — 3 completed · utilization 12%\\n"
        "2. *Omar &lt;Haddad&gt;* — 1 completed · utilization —"
    ) in text


def test_the_period_select_offers_the_four_periods() -> None:
    select = the_select(rendered(dashboard_blocks(FULL, "UTC")))

    assert select["type"] == "static_select"
    assert select["action_id"] == Action.STATS_PERIOD
    labels = [option["text"]["text"] for option in select["options"]]
    assert labels == ["Last 7 days", "Last 30 days", "Last 90 days", "All time"]
    values = [decode(PeriodRef, option["value"]) for option in select["options"]]
    assert values == [PeriodRef(days=days) for days in PERIODS]


@pytest.mark.parametrize("days", PERIODS)
def test_the_select_starts_on_the_dashboards_period(days: int | None) -> None:
    select = the_select(rendered(dashboard_blocks(replace(FULL, period_days=days), "UTC")))

    assert select["initial_option"]["value"] == PeriodRef(days=days).encode()
    assert select["initial_option"] in select["options"]


def test_a_period_off_the_list_is_offered_and_selected() -> None:
    select = the_select(rendered(dashboard_blocks(replace(FULL, period_days=14), "UTC")))

    assert select["initial_option"]["text"]["text"] == "Last 14 days"
    assert len(select["options"]) == 5


def test_an_empty_programme_shows_dashes_and_never_nan() -> None:
    blocks = rendered(dashboard_blocks(EMPTY, "UTC"))
    dumped = json.dumps(blocks, ensure_ascii=False)

    fields = field_texts(blocks)
    assert fields["Sessions"] == "0"
    assert fields["Completion rate"] == "—"
    assert fields["Average rating"] == "—"
    assert fields["Utilization"] == "—"
    assert "*Top mentors by rating*\\n—" in dumped
    assert "*Top mentors by completed sessions*\\n—" in dumped
    assert "nan" not in dumped.lower()
    assert the_select(blocks)["initial_option"]["text"]["text"] == "All time"


def test_all_time_says_utilization_is_over_the_last_90_days() -> None:
    dumped = json.dumps(rendered(dashboard_blocks(EMPTY, "UTC")), ensure_ascii=False)

    assert "utilization over the last 90 days" in dumped


def test_a_period_says_since_when_in_each_readers_time_zone() -> None:
    dumped = json.dumps(rendered(dashboard_blocks(FULL, "Europe/London")))

    since = int((NOW - timedelta(days=30)).timestamp())
    assert f"<!date^{since}^" in dumped


def test_utilization_over_the_offered_hours_shows_its_real_size() -> None:
    blocks = rendered(dashboard_blocks(replace(FULL, utilization=1.3), "UTC"))

    assert field_texts(blocks)["Utilization"] == "▓▓▓▓▓▓▓▓▓▓ 130%"


def test_the_plain_fallback_names_the_figures() -> None:
    text = dashboard_text(FULL)

    assert text.startswith("Programme dashboard — Last 30 days")
    assert "Mentors 3 · Mentees 3 · Sessions 11 · Completed 5" in text
    assert "Completion rate 71% · Average rating 4.2 (4) · Utilization 11%" in text
    assert "Top by rating: Omar &lt;Haddad&gt; (4.05), Maya Patel (4.04)" in text
    assert "Top by completed sessions: Maya Patel (3), Omar &lt;Haddad&gt; (1)" in text


def test_the_plain_fallback_escapes_names_and_tags_so_none_can_mention_anyone() -> None:
    loud = replace(MAYA, name="<!channel> & <@U0BOSS>")
    tagged = replace(
        FULL,
        top_by_rating=[loud],
        top_by_completed=[loud],
        expertise=[ExpertiseGap(tag="<!here> R&D", sessions=2, mentors=0)],
    )
    text = dashboard_text(tagged)

    assert "<" not in text
    assert ">" not in text
    assert "Top by rating: &lt;!channel&gt; &amp; &lt;@U0BOSS&gt; (4.04)" in text
    assert "Expertise short of mentors: &lt;!here&gt; R&amp;D" in text


def test_the_plain_fallback_of_an_empty_programme_has_dashes_not_nan() -> None:
    text = dashboard_text(EMPTY)

    assert "Completion rate — · Average rating — · Utilization —" in text
    assert "Top by rating: —" in text
    assert "nan" not in text.lower()


HEALTHY = replace(
    FULL,
    duration_trend=(
        DurationWeek(NOW.date() - timedelta(days=7), 90, 75),
        DurationWeek(NOW.date(), 30, 30, partial=True),
    ),
    median_days_to_first_session=11.5,
    goal_attainment=GoalAttainment(4, 2, (DepartmentGoals("Sales", 3, 2, 3),), ("Data",)),
    no_show_rate=0.2,
    late_cancel_rate=1 / 7,
    load_spread=0.8,
    at_risk=(AtRiskPair(7, 8, "Bob", "<!channel> Gus", (RiskReason.QUIET,)),),
    more_at_risk=3,
)


def test_programme_health_shows_its_figures_pairs_and_the_privacy_footer() -> None:
    blocks = rendered(dashboard_blocks(HEALTHY, "UTC"))
    texts = json.dumps(blocks, ensure_ascii=False)

    assert "No-show rate 20% · Late-cancel rate 14%" in texts
    assert "Busiest 10% of mentors took 80% of due sessions" in texts
    assert "11.5 days (median)" in texts
    assert "90 → 75 min" in texts
    assert "30 → 30 min (part)" in texts
    assert "2 of 4 goals achieved (50%)" in texts
    assert "*Sales* · 2 of 3" in texts
    assert "*Data* · too few to show (under 3 mentees)" in texts
    assert "Pairs at risk* (and 3 more)" in texts
    assert "<!channel>" not in texts  # names are escaped
    [nudge] = [
        b["accessory"]
        for b in blocks
        if (b.get("accessory") or {}).get("action_id") == Action.NUDGE_PAIR
    ]
    assert decode(PairRef, nudge["value"]) == PairRef(mentor_id=7, mentee_id=8)
    assert "written feedback is seen by the session's two participants only" in texts
    assert "goal attainment only when 3 mentees or more set its goals" in texts
    assert "No-shows 20%" in dashboard_text(HEALTHY)


def test_an_empty_programme_has_no_health_figure_and_no_pair() -> None:
    texts = json.dumps(rendered(dashboard_blocks(EMPTY, "UTC")), ensure_ascii=False)

    assert "No-show rate — · Late-cancel rate —" in texts
    assert "no goals set" in texts
    assert "No pair at risk" in texts
    assert "nan" not in texts.lower()
