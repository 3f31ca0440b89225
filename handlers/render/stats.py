"""The programme dashboard (`/mentor stats`, the managers' App Home): figures as
fields, rates as bars, the top mentors, the breakdowns, a select to change the
period and a button that sends the per-mentor table as a CSV file."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ImageBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from domain.analytics import PERIODS
from domain.chart_ports import ChartFile
from domain.metrics import (
    ALL_TIME_UTILIZATION_DAYS,
    MIN_RATINGS_SHOWN,
    PRIOR_WEIGHT,
    Dashboard,
    MentorFigures,
)
from handlers.ids import Action
from handlers.metadata import PeriodRef
from handlers.render.breakdowns import NONE, breakdown_blocks
from handlers.render.common import (
    MAX_OPTION_TEXT,
    button,
    context,
    divider,
    escape,
    header,
    plain_time,
    progress_bar,
    section,
    slack_time,
    stars,
    truncate,
)
from handlers.render.health import HEALTH_DEFINITIONS, PRIVACY, health_blocks, health_line

TITLE = "Programme dashboard"
EXPORT = "Export per-mentor CSV"
# Slack allows 50 blocks in a message; the dashboard stays within them.
MAX_BLOCKS = 50
MAX_FIELD_TEXT = 2000
MAX_ALT_TEXT = 2000  # Slack's limits on an image block's alt_text and title
MAX_IMAGE_TITLE = 2000
DEFINITIONS = (
    "Completion rate: completed ÷ sessions that were due (completed, no-show,"
    " scheduled or ongoing). Rating rank: a Bayesian average, as if each mentor"
    f" also had {PRIOR_WEIGHT} ratings at the workspace's mean (mentors with"
    f" {MIN_RATINGS_SHOWN} ratings or more). Utilization: booked"
    " ÷ offered weekly hours. Expertise: the period's sessions with mentors listing a"
    " tag ÷ active mentors listing it. Departments as profiles say today."
)


def period_label(days: int | None) -> str:
    if days is None:
        return "All time"
    return "Last day" if days == 1 else f"Last {days} days"


def _option(days: int | None) -> Option:
    return Option(
        value=PeriodRef(days=days).encode(), label=truncate(period_label(days), MAX_OPTION_TEXT)
    )


def period_select(selected: int | None) -> ActionsBlock:
    """The period picker; a period not on the list is offered too, so the
    select always shows what the figures are for. Beside it, the export of the
    per-mentor table of the same period."""
    periods = PERIODS if selected in PERIODS else (*PERIODS, selected)
    options = {days: _option(days) for days in periods}
    return ActionsBlock(
        elements=[
            StaticSelectElement(
                action_id=Action.STATS_PERIOD,
                placeholder="Period",
                options=list(options.values()),
                initial_option=options[selected],
            ),
            button(EXPORT, Action.STATS_EXPORT, PeriodRef(days=selected).encode()),
        ]
    )


def chart_blocks(charts: Sequence[ChartFile]) -> list[Block]:
    """The charts as image blocks. An uploaded file is shown the way Slack
    supports for files it hosts: an image block with `slack_file: {"id": ...}`
    (never a public URL; see handlers.charts). The alt text carries the
    picture's numbers; the title is the chart's name."""
    return [
        ImageBlock(
            slack_file={"id": chart.file_id},
            alt_text=truncate(chart.alt_text, MAX_ALT_TEXT) or chart.title,
            title=truncate(chart.title, MAX_IMAGE_TITLE),
            block_id=f"chart_{chart.kind}",
        )
        for chart in charts
    ]


def dashboard_blocks(
    d: Dashboard, viewer_zone: str, *, charts: Sequence[ChartFile] = ()
) -> list[Block]:
    """The dashboard; `charts`, the pictures the `analytics` job uploaded for
    its period, go beside the figures (without them, the figures alone)."""
    pictures = chart_blocks(charts)
    blocks: list[Block] = [
        header(TITLE),
        period_select(d.period_days),
        context(_period_note(d, viewer_zone)),
        _fields(
            ("Mentors", str(d.mentors)),
            ("Mentees", str(d.mentees)),
            ("Sessions", str(d.sessions)),
            ("Completed", str(d.completed)),
        ),
        _fields(
            ("Completion rate", _bar(d.completion_rate)),
            ("Average rating", _rating(d.average_rating, d.rating_count)),
            ("Utilization", _bar(d.utilization)),
        ),
        *pictures,
        divider(),
        section(f"*Top mentors by rating*\n{_ranking(d.top_by_rating, _by_rating)}"),
        section(f"*Top mentors by completed sessions*\n{_ranking(d.top_by_completed, _by_done)}"),
        divider(),
        *breakdown_blocks(d),
        divider(),
        *health_blocks(d),
        context(DEFINITIONS),
        context(HEALTH_DEFINITIONS),
        context(PRIVACY),
    ]
    return blocks[: MAX_BLOCKS + len(pictures)]


def dashboard_text(d: Dashboard) -> str:
    """The plain fallback of the dashboard message."""
    rating = NONE if d.average_rating is None else f"{d.average_rating:.1f} ({d.rating_count})"
    lines = [
        f"{TITLE} — {period_label(d.period_days)}",
        f"Mentors {d.mentors} · Mentees {d.mentees} · Sessions {d.sessions}"
        f" · Completed {d.completed}",
        f"Completion rate {_percent(d.completion_rate)} · Average rating {rating}"
        f" · Utilization {_percent(d.utilization)}",
        "Top by rating: "
        + (", ".join(f"{escape(f.name)} ({_number(f.score, 2)})" for f in d.top_by_rating) or NONE),
        "Top by completed sessions: "
        + (", ".join(f"{escape(f.name)} ({f.completed})" for f in d.top_by_completed) or NONE),
        "Expertise short of mentors: " + (", ".join(escape(g.tag) for g in d.expertise) or NONE),
        health_line(d),
    ]
    if d.as_of is not None:
        lines.append(f"As of {plain_time(d.as_of, 'UTC')} UTC")
    return "\n".join(lines)


def _fields(*pairs: tuple[str, str]) -> SectionBlock:
    texts = [truncate(f"*{name}*\n{value}", MAX_FIELD_TEXT) for name, value in pairs]
    return SectionBlock(fields=[MarkdownTextObject(text=text) for text in texts])


def _period_note(d: Dashboard, viewer_zone: str) -> str:
    if d.since is None:
        note = (
            "Every session so far; utilization over the last"
            f" {ALL_TIME_UTILIZATION_DAYS} days. Mentors and mentees: active today."
        )
    else:
        note = (
            f"Sessions that started since {slack_time(d.since, viewer_zone)}."
            " Mentors and mentees: active today."
        )
    if d.as_of is not None:
        note += f" Figures as of {slack_time(d.as_of, viewer_zone)}, refreshed every 5 minutes."
    return note


def _ranking(mentors: list[MentorFigures], line: Callable[[MentorFigures], str]) -> str:
    if not mentors:
        return NONE
    return "\n".join(
        f"{rank}. *{escape(f.name)}* — {line(f)}" for rank, f in enumerate(mentors, start=1)
    )


def _by_rating(f: MentorFigures) -> str:
    return (
        f"score {_number(f.score, 2)} · {stars(f.average_rating, f.rating_count)}"
        f" · {_completed(f.completed)}"
    )


def _by_done(f: MentorFigures) -> str:
    return f"{_completed(f.completed)} · utilization {_percent(f.utilization)}"


def _completed(count: int) -> str:
    return f"{count} completed"


def _bar(fraction: float | None) -> str:
    return NONE if fraction is None else progress_bar(fraction)


def _rating(average: float | None, count: int) -> str:
    return NONE if not count else stars(average, count)


def _percent(fraction: float | None) -> str:
    return NONE if fraction is None else f"{fraction:.0%}"


def _number(value: float | None, places: int) -> str:
    return NONE if value is None else f"{value:.{places}f}"
