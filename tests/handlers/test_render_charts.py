"""The dashboard's charts as PNG pictures, from hand-built figures: each of the
four charts is a real PNG of the size asked for, its alt text states the
numbers (checked against a hand computation), the same figures give the same
key and bytes, and an empty programme draws nothing (no NaN, no division by
zero). Also the one adapter from a Dashboard."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.chart_ports import ChartKind
from domain.charts import ChartData, DurationPoint, GoalsBar, SessionsPoint, chart_data
from domain.metrics import Dashboard, MentorFigures, TrendPoint, TrendUnit
from handlers.render.charts import (
    DPI,
    MAX_ALT_TEXT,
    SIZE_INCHES,
    draw,
    plan_charts,
    render_charts,
)
from tests.dates import MONDAY

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
W1, W2, W3 = (MONDAY.date() + timedelta(weeks=n) for n in range(3))


def _label(day: object) -> str:
    return f"{day.day} {day:%b}"  # type: ignore[attr-defined]


FULL = ChartData(
    period_days=30,
    trend_unit=TrendUnit.WEEK,
    sessions=(
        SessionsPoint(W1, 4, 1, partial=True),
        SessionsPoint(W2, 6, 5),
        SessionsPoint(W3, 0, 0, partial=True),
    ),
    duration=(
        DurationPoint(W1, 120, 90, partial=True),
        DurationPoint(W2, 180, 200),
        DurationPoint(W3, 0, 0, partial=True),
    ),
    goals=(
        GoalsBar("Everyone", 8, 3),
        GoalsBar("Engineering", 5, 2),
        GoalsBar("", 3, 1),
        GoalsBar("Sales", 0, 0),  # nothing set: no bar, no 0 ÷ 0
    ),
    # Two under 25 %, one at exactly 100 %, one over; NaN and a negative are no figures.
    utilization=(0.1, 0.2, 1.0, 1.5, math.nan, -0.5),
    overall_utilization=0.375,
)
EMPTY = ChartData(period_days=30)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.fixture(scope="module")
def pictures() -> dict[ChartKind, bytes]:
    return {picture.plan.kind: picture.png for picture in render_charts(FULL)}


def test_all_four_charts_are_drawn_as_pngs_of_the_asked_size(
    pictures: dict[ChartKind, bytes],
) -> None:
    assert list(pictures) == list(ChartKind)
    expected = (round(SIZE_INCHES[0] * DPI), round(SIZE_INCHES[1] * DPI))
    for kind, png in pictures.items():
        assert _png_size(png) == expected, kind
        # A real picture, and one that Slack takes without fuss (well under 1 MB).
        assert 5_000 < len(png) < 200_000, kind


def test_the_same_figures_draw_the_same_bytes_and_key(pictures: dict[ChartKind, bytes]) -> None:
    assert draw(FULL, ChartKind.SESSIONS) == pictures[ChartKind.SESSIONS]
    assert [p.key for p in plan_charts(FULL)] == [p.key for p in plan_charts(FULL)]
    changed = replace(FULL, sessions=(SessionsPoint(W1, 5, 1, partial=True), *FULL.sessions[1:]))
    keys = {p.kind: p.key for p in plan_charts(FULL)}
    new = {p.kind: p.key for p in plan_charts(changed)}
    assert new[ChartKind.SESSIONS] != keys[ChartKind.SESSIONS]
    assert {k: v for k, v in new.items() if k is not ChartKind.SESSIONS} == {
        k: v for k, v in keys.items() if k is not ChartKind.SESSIONS
    }


def test_the_alt_texts_carry_the_numbers() -> None:
    alts = {p.kind: p.alt_text for p in plan_charts(FULL)}
    assert alts[ChartKind.SESSIONS] == (
        "Sessions per week, completed among them. "
        f"{_label(W1)}: 4 (1 completed), part week; {_label(W2)}: 6 (5 completed); "
        f"{_label(W3)}: 0 (0 completed), part week."
    )
    assert alts[ChartKind.DURATION] == (
        "Planned vs actual session minutes per week. "
        f"{_label(W1)}: 120 planned, 90 actual, part week; {_label(W2)}: 180 planned, "
        f"200 actual; {_label(W3)}: 0 planned, 0 actual, part week."
    )
    # 3/8 = 37.5 % -> 38 %; 2/5 = 40 %; 1/3 = 33 %. Sales set none: no bar.
    assert alts[ChartKind.GOALS] == (
        "Goal attainment (achieved ÷ set). Everyone: 3 of 8 (38%); "
        "Engineering: 2 of 5 (40%); (no department): 1 of 3 (33%)."
    )
    assert alts[ChartKind.UTILIZATION] == (
        "Mentor utilization (booked ÷ offered hours), 4 mentors. under 25 %: 2; "
        "25–50 %: 0; 50–75 %: 0; 75–100 %: 1; over 100 %: 1. Overall 38%."
    )


def test_an_empty_programme_draws_nothing() -> None:
    assert render_charts(EMPTY) == []
    # Weeks without a session, departments without goals, mentors who offered
    # nothing: zeros everywhere, never a division by zero or a NaN.
    zeros = ChartData(
        period_days=7,
        sessions=(SessionsPoint(W1, 0, 0, partial=True),),
        duration=(DurationPoint(W1, 0, 0),),
        goals=(GoalsBar("Everyone", 0, 0), GoalsBar("Eng", 0, 0)),
        utilization=(math.nan, math.inf),
        overall_utilization=None,
    )
    assert plan_charts(zeros) == []


def test_bad_figures_are_drawn_within_bounds_never_crash() -> None:
    bad = ChartData(
        period_days=None,
        trend_unit=TrendUnit.MONTH,
        sessions=(SessionsPoint(W1, -3, 5), SessionsPoint(W2, 2, 9)),
        goals=(GoalsBar("x" * 500, 2, 7), GoalsBar("Eng", -1, 0)),
        utilization=(0.5,),
        overall_utilization=math.nan,
    )
    plans = {p.kind: p for p in plan_charts(bad)}
    assert set(plans) == {ChartKind.SESSIONS, ChartKind.GOALS, ChartKind.UTILIZATION}
    # No negative count, no more completed than sessions; a month's label.
    assert plans[ChartKind.SESSIONS].alt_text.endswith(f"{W2:%b %Y}: 2 (2 completed).")
    assert ": 2 of 2 (100%)." in plans[ChartKind.GOALS].alt_text  # achieved capped at set
    assert "Overall" not in plans[ChartKind.UTILIZATION].alt_text
    for picture in render_charts(bad):
        assert picture.png.startswith(PNG_SIGNATURE)


def test_a_long_series_keeps_its_alt_text_within_slacks_limit() -> None:
    many = tuple(GoalsBar(f"Department number {n} of the company", 10, n % 11) for n in range(200))
    (plan,) = plan_charts(ChartData(period_days=90, goals=many))
    assert len(plan.alt_text) == MAX_ALT_TEXT
    assert plan.alt_text.endswith("…")


def test_the_adapter_fills_the_trend_and_utilization_and_leaves_the_rest_empty() -> None:
    def mentor(mentor_id: int, booked: float, offered: float) -> MentorFigures:
        return MentorFigures(mentor_id, f"M{mentor_id}", 1, 1, 5.0, 5.0, booked, offered)

    maya, ben, cara = mentor(1, 2.0, 8.0), mentor(2, 3.0, 0.0), mentor(3, 6.0, 4.0)
    board = Dashboard(
        period_days=30,
        since=MONDAY - timedelta(days=30),
        mentors=3,
        mentees=2,
        sessions=7,
        completed=4,
        completion_rate=0.8,
        average_rating=4.5,
        top_by_rating=[maya, ben],
        top_by_completed=[cara, maya],
        utilization=11 / 12,
        trend=[TrendPoint(W1, 3, 1, partial=True), TrendPoint(W2, 4, 3)],
    )
    data = chart_data(board)
    assert data.sessions == (SessionsPoint(W1, 3, 1, partial=True), SessionsPoint(W2, 4, 3))
    # Each mentor once; Ben offered nothing, so has no utilization to spread.
    assert data.utilization == (0.25, 1.5)
    assert data.overall_utilization == 11 / 12
    assert data.duration == ()
    assert data.goals == ()


def test_importing_the_renderer_does_not_import_matplotlib() -> None:
    code = (
        "import sys, handlers.render.charts, handlers.render.stats, handlers.charts;"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
