"""The measured screens, in order: the baseline, the dashboard, search, free
slots, booking and the App Home."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import analytics
from bench.cast import WORKSPACE, Cast
from bench.harness import BenchFailure, BotUnderTest, Timed
from bench.timing import Bench, Section
from bot.standin.clock import FakeClock
from bot.standin.payloads import select
from domain.lookups import booking_options
from domain.model import Actor
from handlers import screens
from handlers.ids import Action, Field
from handlers.metadata import MentorRef, PeriodRef
from storage.engine import make_session_factory
from storage.uow import SqlUnitOfWork


def _first_line(timed: Timed) -> str:
    if timed.call is None:
        return ""
    text = str(timed.call.params.get("text") or "").splitlines()
    return (text[0] if text else "")[:60]


def _find_afresh(bot: BotUnderTest, user_id: str, query: str) -> Timed:
    """A search nobody made in the last few seconds: its page is read and
    built again (see handlers.listings)."""
    bot.bot.deps.listings.clear()
    screens.search_message.cache_clear()
    return bot.command(user_id, f"find {query}")


def _slot_options(view: dict[str, Any]) -> list[str]:
    for block in view.get("blocks", []):
        if block.get("block_id") == Field.SLOT:
            element = block.get("element") or {}
            return [
                option["value"]
                for group in element.get("option_groups") or []
                for option in group.get("options") or []
            ]
    return []


def run_sections(bot: BotUnderTest, who: Cast, bench: Bench, clock: FakeClock) -> Section:
    """Every measured screen; returns the baseline."""
    admin, mentee, busy = who.admin, who.mentee, who.busy_mentor

    def timed_call(run: Callable[[], Any], describe: Callable[[Any], str]) -> Timed:
        began = time.perf_counter()
        result = run()
        took = time.perf_counter() - began
        return Timed(began, None, took, detail=describe(result))

    baseline = bench.measure(
        "baseline: /mentor help", lambda _: bot.command(mentee.slack_id, "help"), note=_first_line
    )
    bench.measure(
        "/mentor stats (30 days)", lambda _: bot.command(admin.slack_id, "stats"), note=_first_line
    )
    for label, days in (("7 days", 7), ("30 days", 30), ("90 days", 90), ("all time", None)):
        value = PeriodRef(days=days).encode()
        bench.measure(
            f"stats period select: {label}",
            lambda _, value=value: bot.select_period(admin.slack_id, value, Action.STATS_PERIOD),
            note=_first_line,
        )
    bench.measure(
        "export per-mentor CSV, all time → file in DM",
        lambda _: analytics.export_csv(bot, admin.slack_id, None),
        note=lambda timed: str(timed.call.params.get("initial_comment") if timed.call else "")[:60],
    )
    for label, query in who.searches:
        bench.measure(
            f"/mentor find {query!r} ({label})",
            lambda _, query=query: _find_afresh(bot, mentee.slack_id, query),
            note=_first_line,
        )
    label, query = who.searches[0]
    bench.measure(
        f"/mentor find {query!r} ({label}), the page a search seconds ago read",
        lambda _: bot.command(mentee.slack_id, f"find {query}"),
        note=_first_line,
    )
    sessions = make_session_factory(bot.bot.engine)
    bench.measure(
        f"free slots 14 d, busy mentor (domain, {who.busy_mentor_active} booked)",
        lambda _: timed_call(
            lambda: booking_options(
                SqlUnitOfWork(sessions, Actor.member(WORKSPACE, mentee.slack_id)),
                clock,
                mentor_id=busy.id,
            ),
            lambda result: f"{len(result[1])} free slots",
        ),
        note=lambda timed: timed.detail,
    )
    bench.measure(
        "Book button → views.update (busy mentor)",
        lambda _: bot.open_modal(
            mentee.slack_id, Action.BOOK, MentorRef(mentor_id=busy.id).encode()
        ),
        note=lambda timed: (
            f"{len(_slot_options(timed.call.view() if timed.call else {}))} times offered"
        ),
    )
    confirmations: list[float] = []

    def book(run: int) -> Timed | None:
        if run >= min(len(who.booking_mentors), len(who.booking_mentees)):
            return None
        mentor, booker = who.booking_mentors[run], who.booking_mentees[run]
        opened = bot.open_modal(
            booker.slack_id, Action.BOOK, MentorRef(mentor_id=mentor.id).encode()
        )
        view = opened.call.view() if opened.call else {}
        options = _slot_options(view)
        if not options:
            raise BenchFailure(f"{mentor.name} has no free time for {booker.name}")
        timed, confirmed = bot.submit(
            booker.slack_id, view, {Field.SLOT: select(options[0])}, done_text="Request sent"
        )
        if run:
            confirmations.append(confirmed)
        return timed

    bench.measure(
        "booking: submit the slot → ack", book, note=lambda _: "modal closes with the ack"
    )
    if confirmations:
        bench.sections.append(
            Section(
                "booking: … → confirmation DM",
                seen=confirmations,
                note="before the notices and Home refreshes",
            )
        )
    bench.measure(
        "App Home: busy mentor → views.publish",
        lambda _: bot.home_opened(busy.slack_id),
        note=lambda _: busy.name,
    )
    bench.measure(
        "App Home: admin → views.publish",
        lambda _: bot.home_opened(admin.slack_id),
        note=lambda _: f"{admin.name} (admin)",
    )
    return baseline
