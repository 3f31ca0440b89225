"""The dashboard's charts as PNG pictures, drawn with matplotlib.

Pure: `ChartData` in, pictures out, no I/O. Each chart is described first
(`plan_charts`: title, alt text, key), which is cheap and needs no matplotlib;
only a chart whose key changed is drawn (`draw`). The alt text states every
number the picture shows, and the key is a hash of the title, the alt text and
`DRAWING`, so the same key always means the same picture: a snapshot with
unchanged figures uploads nothing new, and a change to how charts are drawn
(bump `DRAWING`) draws them all again.

matplotlib is imported inside `draw` only, so that a command that draws
nothing (every Slack request: the Home and the digest only name files already
uploaded) never pays for importing it. No pyplot: a `Figure` on an explicit
Agg canvas (matplotlib's raster backend, no display) is an object of its own,
with none of pyplot's global state, so the job may draw from any thread.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from domain.chart_ports import ChartKind
from domain.charts import ChartData, DurationPoint, GoalsBar, SessionsPoint
from domain.metrics import TrendUnit

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Bump when the drawing changes: every stored picture's key changes with it.
DRAWING = "2"  # 2: a `$` in a label is drawn as typed
# 800 × 320 pixels: wide enough for 14 weekly bars, small enough for Slack's
# image block to show whole in the Home tab.
SIZE_INCHES = (8.0, 3.2)
DPI = 100
MAX_ALT_TEXT = 2000  # Slack's limit on an image block's alt_text
MAX_TITLE = 2000
# Utilization bands (booked ÷ offered): upper bounds, the last one open.
BANDS: tuple[tuple[str, float], ...] = (
    ("under 25 %", 0.25),
    ("25–50 %", 0.5),
    ("50–75 %", 0.75),
    ("75–100 %", 1.0),
    ("over 100 %", math.inf),
)
PLANNED, ACTUAL = "#9db4d6", "#2f5d9e"  # light: what was booked; dark: what happened
EVERYONE = "Everyone"
NO_DEPARTMENT = "(no department)"


@dataclass(frozen=True)
class ChartPlan:
    """What one chart will show, before any drawing."""

    kind: ChartKind
    title: str
    alt_text: str
    key: str


@dataclass(frozen=True)
class Picture:
    plan: ChartPlan
    png: bytes


def plan_charts(data: ChartData) -> list[ChartPlan]:
    """The charts the figures make, in the dashboard's order; an empty series
    (no points, or nothing but zeros) makes none."""
    described = [
        (ChartKind.SESSIONS, _sessions_text(data)),
        (ChartKind.DURATION, _duration_text(data)),
        (ChartKind.GOALS, _goals_text(data)),
        (ChartKind.UTILIZATION, _utilization_text(data)),
    ]
    plans = []
    for kind, text in described:
        if text is None:
            continue
        title, alt = text
        digest = hashlib.sha256(f"{DRAWING}\n{kind}\n{title}\n{alt}".encode()).hexdigest()
        plans.append(ChartPlan(kind, title[:MAX_TITLE], _cut(alt, MAX_ALT_TEXT), digest))
    return plans


def render_charts(data: ChartData) -> list[Picture]:
    """Every chart the figures make, drawn."""
    return [Picture(plan, draw(data, plan.kind)) for plan in plan_charts(data)]


@functools.cache
def can_draw() -> bool:
    """Whether matplotlib is installed (the `charts` extra): without it there
    are no pictures, only the text figures."""
    return importlib.util.find_spec("matplotlib") is not None


def draw(data: ChartData, kind: ChartKind) -> bytes:
    """One chart as PNG bytes (the chart must be one `plan_charts` made)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Fixed margins, not a layout engine: constrained layout drew each figure
    # twice and took a third of the time; the labels here are short and known.
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    left = 0.24 if kind is ChartKind.GOALS else 0.08
    figure.subplots_adjust(left=left, right=0.98, top=0.88, bottom=0.14)
    FigureCanvasAgg(figure)  # attaches itself: the raster canvas, no display
    axes = figure.add_subplot()
    if kind is ChartKind.SESSIONS:
        _draw_sessions(axes, data)
    elif kind is ChartKind.DURATION:
        _draw_duration(axes, data)
    elif kind is ChartKind.GOALS:
        _draw_goals(axes, data)
    else:
        _draw_utilization(axes, data)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    # No "Software" text chunk: the same figures give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# --- the sessions trend ---------------------------------------------------------


def _bucket(start: date, unit: TrendUnit) -> str:
    return f"{start:%b %Y}" if unit is TrendUnit.MONTH else f"{start.day} {start:%b}"


def _unit_word(unit: TrendUnit) -> str:
    return "month" if unit is TrendUnit.MONTH else "week"


def _sessions(data: ChartData) -> list[SessionsPoint]:
    """The points as drawn: no negative count, no more completed than sessions."""
    points = []
    for p in data.sessions:
        sessions = max(p.sessions, 0)
        points.append(
            SessionsPoint(p.starts, sessions, min(max(p.completed, 0), sessions), p.partial)
        )
    return points


def _sessions_text(data: ChartData) -> tuple[str, str] | None:
    points = _sessions(data)
    if not any(p.sessions for p in points):
        return None
    word = _unit_word(data.trend_unit)
    title = f"Sessions per {word}"
    parts = []
    for p in points:
        part = f"{_bucket(p.starts, data.trend_unit)}: {p.sessions} ({p.completed} completed)"
        parts.append(part + (f", part {word}" if p.partial else ""))
    return title, f"{title}, completed among them. " + "; ".join(parts) + "."


def _draw_sessions(axes: Axes, data: ChartData) -> None:
    points = _sessions(data)
    labels = [_bucket(p.starts, data.trend_unit) for p in points]
    x = range(len(points))
    axes.bar(x, [p.sessions for p in points], color=PLANNED, label="Sessions")
    axes.bar(x, [p.completed for p in points], color=ACTUAL, label="Completed", width=0.5)
    for index, point in enumerate(points):
        if point.partial:  # a cut week or month: said under its bar
            labels[index] += "*"
        axes.annotate(str(point.sessions), (index, point.sessions), ha="center", va="bottom")
    axes.set_xticks(list(x), labels, fontsize=8)
    axes.set_ylabel("sessions")
    axes.set_title(
        f"Sessions per {_unit_word(data.trend_unit)} (* part {_unit_word(data.trend_unit)})"
    )
    axes.legend(loc="upper left", frameon=False)
    _whole_numbers(axes)


# --- the duration trend ---------------------------------------------------------


def _durations(data: ChartData) -> list[DurationPoint]:
    return [
        DurationPoint(p.starts, max(p.planned_minutes, 0), max(p.actual_minutes, 0), p.partial)
        for p in data.duration
    ]


def _duration_text(data: ChartData) -> tuple[str, str] | None:
    points = _durations(data)
    if not any(p.planned_minutes or p.actual_minutes for p in points):
        return None
    title = "Planned vs actual session minutes per week"
    parts = [
        f"{_bucket(p.starts, TrendUnit.WEEK)}: {p.planned_minutes} planned, "
        f"{p.actual_minutes} actual" + (", part week" if p.partial else "")
        for p in points
    ]
    return title, f"{title}. " + "; ".join(parts) + "."


def _draw_duration(axes: Axes, data: ChartData) -> None:
    points = _durations(data)
    labels = [_bucket(p.starts, TrendUnit.WEEK) + ("*" if p.partial else "") for p in points]
    x = list(range(len(points)))
    width = 0.4
    axes.bar(
        [i - width / 2 for i in x],
        [p.planned_minutes for p in points],
        width,
        color=PLANNED,
        label="Planned",
    )
    axes.bar(
        [i + width / 2 for i in x],
        [p.actual_minutes for p in points],
        width,
        color=ACTUAL,
        label="Actual",
    )
    axes.set_xticks(x, labels, fontsize=8)
    axes.set_ylabel("minutes")
    axes.set_title("Planned vs actual session minutes per week (* part week)")
    axes.legend(loc="upper left", frameon=False)


# --- goal attainment ------------------------------------------------------------


def _goal_bars(data: ChartData) -> list[GoalsBar]:
    """Bars that can be drawn: a group with no goals set has no attainment."""
    return [
        GoalsBar(b.label or NO_DEPARTMENT, b.set, min(max(b.achieved, 0), b.set))
        for b in data.goals
        if b.set > 0
    ]


def _goals_text(data: ChartData) -> tuple[str, str] | None:
    bars = _goal_bars(data)
    if not bars:
        return None
    title = "Goal attainment (achieved ÷ set)"
    parts = [f"{b.label}: {b.achieved} of {b.set} ({b.achieved / b.set:.0%})" for b in bars]
    return title, f"{title}. " + "; ".join(parts) + "."


def _draw_goals(axes: Axes, data: ChartData) -> None:
    bars = _goal_bars(data)
    labels = [_as_typed(_cut(b.label, 22)) for b in bars]
    y = list(range(len(bars)))
    shares = [b.achieved / b.set for b in bars]
    colors = [ACTUAL if b.label == EVERYONE else PLANNED for b in bars]
    axes.barh(y, shares, color=colors)
    for index, bar in enumerate(bars):
        axes.annotate(
            f" {bar.achieved}/{bar.set} ({shares[index]:.0%})", (shares[index], index), va="center"
        )
    axes.set_yticks(y, labels, fontsize=8)
    axes.invert_yaxis()  # the overall bar on top
    axes.set_xlim(0, 1.25)
    axes.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    axes.set_title("Goal attainment: achieved ÷ set")


# --- the utilization distribution ------------------------------------------------


def _band_counts(loads: Sequence[float]) -> list[int]:
    counts = [0] * len(BANDS)
    for load in loads:
        if not math.isfinite(load) or load < 0:
            continue  # not a figure: never drawn, never counted
        for index, (_label, upper) in enumerate(BANDS):
            if load < upper or (upper == 1.0 and load == 1.0):
                counts[index] += 1
                break
    return counts


def _utilization_text(data: ChartData) -> tuple[str, str] | None:
    counts = _band_counts(data.utilization)
    mentors = sum(counts)
    if not mentors:
        return None
    title = "Mentor utilization (booked ÷ offered hours)"
    parts = [f"{label}: {count}" for (label, _upper), count in zip(BANDS, counts, strict=True)]
    overall = data.overall_utilization
    tail = (
        f" Overall {overall:.0%}."
        if overall is not None and math.isfinite(overall) and overall >= 0
        else ""
    )
    noun = "mentor" if mentors == 1 else "mentors"
    return title, f"{title}, {mentors} {noun}. " + "; ".join(parts) + "." + tail


def _draw_utilization(axes: Axes, data: ChartData) -> None:
    counts = _band_counts(data.utilization)
    x = list(range(len(BANDS)))
    axes.bar(x, counts, color=ACTUAL)
    for index, count in enumerate(counts):
        axes.annotate(str(count), (index, count), ha="center", va="bottom")
    axes.set_xticks(x, [label for label, _upper in BANDS], fontsize=8)
    axes.set_ylabel("mentors")
    _whole_numbers(axes)
    title = "Mentor utilization: booked ÷ offered hours"
    overall = data.overall_utilization
    if overall is not None and math.isfinite(overall) and overall >= 0:
        title += f" (overall {overall:.0%})"
    axes.set_title(title)


def _whole_numbers(axes: Axes) -> None:
    """Counts: no tick at 2.5 sessions."""
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _as_typed(text: str) -> str:
    """Text people typed (a department's name), drawn as typed: matplotlib
    reads what lies between two `$` as TeX (and refuses TeX it cannot parse,
    failing the whole picture); an escaped `$` is drawn as itself."""
    return text.replace("$", r"\$")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
