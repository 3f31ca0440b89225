"""Introductions → first session, through the bot: Olga (the programme
manager) reads it in `/mentor stats` and on her App Home, and the weekly
digest says the week's. Every time is taken from the harness's clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine, text

from bot import jobs
from tests.handlers.conftest import Harness
from tests.handlers.people import mentor_and_mentee
from tests.storage.seed import set_actor

# Olga introduced Ben to Maya ten days ago; he booked her 2.5 days later.
LINE = "Introductions: 1 sent, 1 led to a first session, median 2.5 days"
PAIR = "FROM users m, users b WHERE m.slack_user_id = 'UMAYA' AND b.slack_user_id = 'UBEN'"


def _introduced_and_booked(h: Harness, engine: Engine) -> None:
    mentor_and_mentee(h)
    sent = h.clock.now() - timedelta(days=10)
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text(
                "INSERT INTO introductions (workspace_id, preview_id, mentee_id, mentor_id,"
                " score, status, proposed_by, proposed_at, sent_by, sent_at)"
                " SELECT 'T1', gen_random_uuid(), b.id, m.id, 0.8, 'sent', 'UOLGA', :at,"
                f" 'UOLGA', :at {PAIR}"
            ),
            {"at": sent},
        )
        conn.execute(
            text(
                "INSERT INTO sessions (workspace_id, mentor_id, mentee_id, starts_at, ends_at,"
                " status, created_at, updated_at) SELECT 'T1', m.id, b.id, :s,"
                f" :s + interval '30 minutes', 'completed', :c, :c {PAIR}"
            ),
            {"s": sent + timedelta(days=5), "c": sent + timedelta(days=2, hours=12)},
        )


def test_stats_and_the_managers_home_show_introductions_and_first_sessions(
    h: Harness, owner_engine: Engine
) -> None:
    _introduced_and_booked(h, owner_engine)

    h.command("UOLGA", "stats")
    assert LINE in h.next_call("response_url").text()
    h.open_home("UOLGA")
    assert LINE in str(h.next_call("views.publish", user_id="UOLGA").view())


def test_the_weekly_digest_says_the_weeks_introductions(h: Harness, owner_engine: Engine) -> None:
    # The digest due now covers the week up to last Monday 09:00 UTC (the
    # harness's clock is a Monday, 08:00): the introduction and the booking.
    _introduced_and_booked(h, owner_engine)
    settings = h.bot.settings.model_copy(update={"mentorship_digest_channel": "C0DIGEST"})

    assert jobs.digest(replace(h.bot, settings=settings)) == 1

    (post,) = h.calls("chat.postMessage", channel="C0DIGEST")
    assert LINE in str(post.blocks())


def test_an_empty_programme_has_no_introductions_yet(h: Harness) -> None:
    h.command("UOLGA", "stats")
    assert "Introductions: no introductions yet in this period" in (
        h.next_call("response_url").text()
    )
