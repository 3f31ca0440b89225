"""The dashboard's breakdowns as text that reads on a phone: the sessions trend
as one bar per week or month, the expertise short of mentors, the departments."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from domain.metrics import (
    Dashboard,
    DepartmentFigures,
    ExpertiseGap,
    TrendPoint,
    TrendUnit,
    ratio,
)
from handlers.render.common import bar, escape, progress_bar, section, stars, truncate

NONE = "—"
MAX_NAME = 60


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _label(point: TrendPoint, unit: TrendUnit) -> str:
    # Fixed width (zero-padded day) so the bars line up in the code span.
    return f"{point.start:%b %Y}" if unit is TrendUnit.MONTH else f"{point.start:%d %b}"


def trend_text(d: Dashboard) -> str:
    title = (
        "*Sessions per month* (last 12)"
        if d.trend_unit is TrendUnit.MONTH
        else "*Sessions per week*"
    )
    busiest = max((p.sessions for p in d.trend), default=0)
    if not busiest:
        return f"{title}\nNo sessions in these {d.trend_unit.value}s."
    lines = [
        f"`{_label(p, d.trend_unit)}` {bar(p.sessions / busiest)} {p.sessions:,}"
        f" · {p.completed:,} completed{' (part)' if p.partial else ''}"
        for p in d.trend
    ]
    return "\n".join([title, *lines])


def _gap(rank: int, gap: ExpertiseGap) -> str:
    supply = (
        f"{plural(gap.mentors, 'mentor')} ({gap.per_mentor:.1f} each)"
        if gap.per_mentor is not None
        else "no active mentor"
    )
    name = escape(truncate(gap.tag, MAX_NAME))
    return f"{rank}. *{name}* — {plural(gap.sessions, 'session')} · {supply}"


def expertise_text(d: Dashboard) -> str:
    title = "*Expertise in demand, short of mentors* (sessions per active mentor)"
    lines = [_gap(rank, gap) for rank, gap in enumerate(d.expertise, start=1)]
    return "\n".join([title, *(lines or [NONE])])


def _department(row: DepartmentFigures, total: int) -> str:
    name = escape(truncate(row.department, MAX_NAME)) or "No department"
    share = ratio(row.sessions, total)
    held = (
        f"{progress_bar(share)} of sessions · {plural(row.sessions, 'session')},"
        f" {row.completed:,} completed"
        if share is not None and row.sessions
        else "no sessions"
    )
    return (
        f"*{name}* · {plural(row.mentors, 'mentor')} · {plural(row.mentees, 'mentee')}\n"
        f"{held} · {stars(row.average_rating, row.rating_count)}"
    )


def departments_text(d: Dashboard) -> str:
    title = "*By department* (sessions by the mentee's department)"
    lines = [_department(row, d.sessions) for row in d.departments]
    if d.more_departments:
        lines.append(f"…and {plural(d.more_departments, 'more department')}.")
    return "\n".join([title, *(lines or [NONE])])


def breakdown_blocks(d: Dashboard) -> list[Block]:
    return [section(trend_text(d)), section(expertise_text(d)), section(departments_text(d))]
