"""Programme health on the dashboard (`/mentor stats`, the managers' App Home)
and in the digest: the rates, the duration trend as text bars, goal attainment
by department and the at-risk pairs, each with its Nudge button. The charts
are drawn elsewhere; these are the figures beside them."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from domain.metrics import (
    MIN_PEOPLE_SHOWN,
    MIN_RATINGS_SHOWN,
    AtRiskPair,
    Dashboard,
    DurationWeek,
    GoalAttainment,
    IntroductionFigures,
    TrendUnit,
)
from handlers.ids import Action
from handlers.metadata import PairRef
from handlers.render.breakdowns import MAX_NAME, NONE, plural
from handlers.render.common import bar, button, escape, progress_bar, section, truncate

NUDGE = "Nudge"
PRIVACY = (
    f"Privacy: a mentor's average rating is shown only when it rests on at least"
    f" {MIN_RATINGS_SHOWN} ratings (top lists, CSV, digest), and so is the programme's or a"
    f" department's; a department's goal attainment only when {MIN_PEOPLE_SHOWN} mentees or"
    " more set its goals; written feedback is seen"
    " by the session's two participants only, never here, in the CSV or the digest."
)
HEALTH_DEFINITIONS = (
    "No-show rate: no-shows ÷ sessions that were due. Late cancels: cancelled less"
    " than 24 h before the start ÷ sessions due or cancelled. Load spread: share of"
    " due sessions taken by the busiest 10 % of mentors. First session: median days"
    " from sign-up to a mentee's first completed session. Introductions: sent in the"
    " period by a manager; led to a first session when the mentee then booked that"
    " mentor (median days from sending to booking). Goals: set in the period,"
    " achieved now. At risk: no session for 30 days after one, the last two"
    " cancelled, or a session rated 2 or less in the last 30 days."
)


def _percent(fraction: float | None) -> str:
    return NONE if fraction is None else f"{fraction:.0%}"


def _days(days: float | None) -> str:
    return NONE if days is None else f"{days:.1f} days"


def goals_line(g: GoalAttainment) -> str:
    if not g.set:
        return "no goals set"
    return f"{g.achieved:,} of {plural(g.set, 'goal')} achieved ({_percent(g.rate)})"


def introductions_line(f: IntroductionFigures, *, none: str) -> str:
    """'Introductions: 4 sent, 2 led to a first session, median 4.2 days';
    `none` says that no introduction was sent (nothing is divided then)."""
    if not f.sent:
        return f"Introductions: {none}"
    led = f"{f.booked:,} led to a first session" if f.booked else "none led to a first session yet"
    median = "" if f.median_days is None else f", median {_days(f.median_days)}"
    return f"Introductions: {f.sent:,} sent, {led}{median}"


def _dashboard_introductions(d: Dashboard) -> str:
    period = "" if d.period_days is None else " in this period"
    return introductions_line(d.introductions, none=f"no introductions yet{period}")


def health_line(d: Dashboard) -> str:
    """The health figures in one line (plain text: fallbacks and the digest)."""
    return (
        f"No-shows {_percent(d.no_show_rate)} · Late cancels {_percent(d.late_cancel_rate)}"
        f" · Busiest 10% of mentors took {_percent(d.load_spread)}"
        f" · First session after {_days(d.median_days_to_first_session)} (median)"
        f" · {_dashboard_introductions(d)}"
        f" · Goals: {goals_line(d.goal_attainment)}"
        f" · At risk: {plural(len(d.at_risk) + d.more_at_risk, 'pair')}"
    )


def _label(week: DurationWeek, unit: TrendUnit) -> str:
    return f"{week.starts:%b %Y}" if unit is TrendUnit.MONTH else f"{week.starts:%d %b}"


def duration_text(d: Dashboard) -> str:
    per = "month" if d.trend_unit is TrendUnit.MONTH else "week"
    title = f"*Session minutes per {per}* (completed: planned → actual)"
    longest = max((max(w.planned_minutes, w.actual_minutes) for w in d.duration_trend), default=0)
    if not longest:
        return f"{title}\nNo completed sessions in these {per}s."
    lines = [
        f"`{_label(w, d.trend_unit)}` {bar(w.actual_minutes / longest)}"
        f" {w.planned_minutes:,} → {w.actual_minutes:,} min{' (part)' if w.partial else ''}"
        for w in d.duration_trend
    ]
    return "\n".join([title, *lines])


def _department(name: str) -> str:
    return f"*{escape(truncate(name, MAX_NAME)) or 'No department'}*"


def goals_text(g: GoalAttainment) -> str:
    title = f"*Goal attainment* — {goals_line(g)}"
    lines = [
        f"{_department(row.department)} · {row.achieved:,} of {row.set:,} · "
        + (progress_bar(row.achieved / row.set) if row.set else NONE)
        for row in g.by_department
    ]
    withheld = [
        f"{_department(name)} · too few to show (under {MIN_PEOPLE_SHOWN} mentees)"
        for name in g.withheld
    ]
    return "\n".join([title, *lines, *withheld])


def rates_text(d: Dashboard) -> str:
    return (
        "*Programme health*\n"
        f"No-show rate {_percent(d.no_show_rate)} · Late-cancel rate"
        f" {_percent(d.late_cancel_rate)}\n"
        f"Busiest 10% of mentors took {_percent(d.load_spread)} of due sessions\n"
        f"Sign-up to first completed session: {_days(d.median_days_to_first_session)} (median)\n"
        f"{_dashboard_introductions(d)}"
    )


def pair_text(pair: AtRiskPair) -> str:
    return (
        f"*{escape(truncate(pair.mentor_name, MAX_NAME))}* (mentor) and"
        f" *{escape(truncate(pair.mentee_name, MAX_NAME))}* (mentee) — {pair.words}"
    )


def at_risk_blocks(d: Dashboard) -> list[Block]:
    if not d.at_risk:
        return [
            section(
                "*Pairs at risk*\nNo pair at risk: every pair is meeting, and nobody rated low."
            )
        ]
    more = f" (and {d.more_at_risk:,} more)" if d.more_at_risk else ""
    blocks: list[Block] = [section(f"*Pairs at risk*{more}")]
    for pair in d.at_risk:
        value = PairRef(mentor_id=pair.mentor_id, mentee_id=pair.mentee_id).encode()
        blocks.append(section(pair_text(pair), accessory=button(NUDGE, Action.NUDGE_PAIR, value)))
    return blocks


def health_blocks(d: Dashboard) -> list[Block]:
    return [
        section(rates_text(d)),
        section(duration_text(d)),
        section(goals_text(d.goal_attainment)),
        *at_risk_blocks(d),
    ]
