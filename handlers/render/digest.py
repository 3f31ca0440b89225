"""The weekly digest posted to the programme channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from domain.charts import DIGEST_CHART_PERIOD
from domain.digest import Digest
from handlers.render.breakdowns import plural
from handlers.render.common import context, escape, header, stars
from handlers.render.health import goals_line, introductions_line
from handlers.render.stats import chart_blocks


def _trend(now: int, delta: int, change: float | None) -> str:
    if change is None:
        return f"*{now}* (none the week before)" if now else "*0*"
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "▶"
    return f"*{now}* {arrow} {change:+.0%} on the week before"


def _period(d: Digest) -> str:
    """The reported week: from the previous digest to this one."""
    if d.since is None or d.until is None:
        return f"Week of {d.week_start:%-d %B %Y}"
    return (
        f"<!date^{int(d.since.timestamp())}^{{date_short_pretty}}|{d.since:%-d %b}> to "
        f"<!date^{int(d.until.timestamp())}^{{date_short_pretty}}|{d.until:%-d %b %Y}>"
    )


def health_text(d: Digest) -> str:
    """The week's programme health, in words (the dashboard has the definitions)."""
    return (
        "*Programme health*\n"
        f"Completed sessions: {d.planned_minutes:,} min planned, {d.actual_minutes:,} min held\n"
        f"No-shows {_percent(d.no_show_rate)} · Late cancels {_percent(d.late_cancel_rate)}"
        f" · Busiest 10% of mentors took {_percent(d.load_spread)}\n"
        f"Goals set this week: {goals_line(d.goal_attainment)}"
        f" · Pairs at risk: {d.at_risk:,}\n"
        f"{introductions_line(d.introductions, none='none sent this week')}"
    )


def _percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction:.0%}"


def digest_text(d: Digest) -> str:
    rating = f", average rating {d.average_rating:.1f}" if d.average_rating is not None else ""
    return f"Mentorship this week: {d.new_sessions} new sessions, {d.completed} completed{rating}."


def digest_message(d: Digest) -> tuple[str, list[Block]]:
    fields = [
        MarkdownTextObject(
            text="New sessions\n"
            + _trend(d.new_sessions, d.new_sessions_delta, d.new_sessions_change)
        ),
        MarkdownTextObject(
            text="Completed\n" + _trend(d.completed, d.completed_delta, d.completed_change)
        ),
        MarkdownTextObject(text="Average rating\n" + stars(d.average_rating, d.rating_count)),
    ]
    blocks: list[Block] = [
        header("Mentorship — the week in review"),
        context(_period(d)),
        SectionBlock(fields=fields),
    ]
    if d.charts:
        blocks.append(context(f"The last {DIGEST_CHART_PERIOD} days:"))
        blocks += chart_blocks(d.charts)
    if d.top_mentors:
        lines = [
            f"{rank}. *{escape(m.name)}* — {m.completed} completed · "
            f"{stars(m.average_rating, m.rating_count)}"
            for rank, m in enumerate(d.top_mentors, start=1)
        ]
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="*Top mentors*\n" + "\n".join(lines)))
        )
    else:
        blocks.append(context("No sessions were completed this week."))
    if d.expertise:
        lines = [
            f"{rank}. *{escape(g.tag)}* — {plural(g.sessions, 'session')} · "
            + (plural(g.mentors, "mentor") if g.mentors else "no active mentor")
            for rank, g in enumerate(d.expertise, start=1)
        ]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Most asked for, fewest mentors* — could you mentor?\n" + "\n".join(lines)
                )
            )
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=health_text(d))))
    blocks.append(context("Find a mentor any time with `/mentor find`."))
    return digest_text(d), blocks
