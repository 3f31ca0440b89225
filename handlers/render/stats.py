"""The programme dashboard (`/mentor stats`, the managers' App Home): figures as
fields, rates as bars, the top mentors, and a select to change the period."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from domain.analytics import ALL_TIME_UTILIZATION_DAYS, PRIOR_WEIGHT, Dashboard, MentorFigures
from handlers.ids import Action
from handlers.metadata import PeriodRef
from handlers.render.common import (
    MAX_OPTION_TEXT,
    context,
    divider,
    escape,
    header,
    progress_bar,
    section,
    slack_time,
    stars,
    truncate,
)

# The periods the select offers, in days; None is "all time".
PERIODS: tuple[int | None, ...] = (7, 30, 90, None)
TITLE = "Programme dashboard"
NONE = "—"
MAX_BLOCKS = 30
MAX_FIELD_TEXT = 2000
DEFINITIONS = (
    "Completion rate: completed ÷ sessions that were due (completed, no-show,"
    " scheduled or ongoing). Rating rank: a Bayesian average, as if each mentor"
    f" also had {PRIOR_WEIGHT} ratings at the workspace's mean. Utilization: booked"
    " ÷ offered weekly hours."
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
    select always shows what the figures are for."""
    periods = PERIODS if selected in PERIODS else (*PERIODS, selected)
    options = {days: _option(days) for days in periods}
    return ActionsBlock(
        elements=[
            StaticSelectElement(
                action_id=Action.STATS_PERIOD,
                placeholder="Period",
                options=list(options.values()),
                initial_option=options[selected],
            )
        ]
    )


def dashboard_blocks(d: Dashboard, viewer_zone: str) -> list[Block]:
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
        divider(),
        section(f"*Top mentors by rating*\n{_ranking(d.top_by_rating, _by_rating)}"),
        section(f"*Top mentors by completed sessions*\n{_ranking(d.top_by_completed, _by_done)}"),
        context(DEFINITIONS),
    ]
    return blocks[:MAX_BLOCKS]


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
        + (", ".join(f"{f.name} ({_number(f.score, 2)})" for f in d.top_by_rating) or NONE),
        "Top by completed sessions: "
        + (", ".join(f"{f.name} ({f.completed})" for f in d.top_by_completed) or NONE),
    ]
    return "\n".join(lines)


def _fields(*pairs: tuple[str, str]) -> SectionBlock:
    texts = [truncate(f"*{name}*\n{value}", MAX_FIELD_TEXT) for name, value in pairs]
    return SectionBlock(fields=[MarkdownTextObject(text=text) for text in texts])


def _period_note(d: Dashboard, viewer_zone: str) -> str:
    if d.since is None:
        return (
            "Every session so far; utilization over the last"
            f" {ALL_TIME_UTILIZATION_DAYS} days. Mentors and mentees: active today."
        )
    return (
        f"Sessions that started since {slack_time(d.since, viewer_zone)}."
        " Mentors and mentees: active today."
    )


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
    if fraction is None:
        return NONE
    if fraction > 1:
        # The bar stops at full; the figure says by how much it overflowed.
        return f"{progress_bar(1.0).rsplit(' ', 1)[0]} {fraction:.0%}"
    return progress_bar(fraction)


def _rating(average: float | None, count: int) -> str:
    return NONE if average is None else stars(average, count)


def _percent(fraction: float | None) -> str:
    return NONE if fraction is None else f"{fraction:.0%}"


def _number(value: float | None, places: int) -> str:
    return NONE if value is None else f"{value:.{places}f}"
