"""The dashboard's charts as pictures, through the bot: the `analytics` job
draws and uploads them (files_upload_v2 without a channel) once per snapshot
whose figures changed; the admin's App Home and the weekly digest show them as
image blocks naming the uploaded file (`slack_file.id`), beside the text
figures; opening the Home never uploads anything; a chart that is missing (an
upload that failed, a file Slack no longer shows) leaves the text figures."""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot import jobs
from bot.standin.payloads import text_input
from domain.analytics import PERIODS
from domain.availability import add_weekly_slots, clear_weekly
from domain.sessions import accept, complete, request_session
from handlers import charts
from handlers.ids import Action, Field
from handlers.metadata import PeriodRef
from tests.handlers.booked import user_id
from tests.handlers.conftest import NOW, Harness
from tests.handlers.people import mentor_and_mentee

PNG = b"\x89PNG\r\n\x1a\n"
UPLOAD_STEP = "files.getUploadURLExternal"
# The sessions trend, the planned and actual minutes and the utilization
# spread: nobody has set a goal, so the goals chart draws nothing.
CHARTS_PER_PERIOD = 3
# Tuesday of the first week, 10:00 UTC: in Maya's hours (09:00-12:00 in
# London) whether London is on GMT or BST.
TUESDAY = NOW + timedelta(days=1, hours=2)
A_WEEK_LATER = NOW + timedelta(days=7, hours=1, minutes=1)  # Monday 09:01 UTC


def _programme(h: Harness, engine: Engine) -> int:
    """Maya mentors, Ben had one completed session with her last week; Olga,
    the programme manager, is in the programme (her Home has the dashboard).
    Maya's id."""
    mentor_and_mentee(h)
    h.command("UOLGA", "signup mentee")
    h.submit(
        "UOLGA",
        h.opened_view(),
        {Field.DEPARTMENT: text_input("People"), Field.LEARNING_GOALS: text_input("coaching")},
    )
    deps, clock = h.bot.deps, h.clock
    maya = user_id(engine, "UMAYA")
    session = request_session(deps.uow("T1", "UBEN"), clock, mentor_id=maya, starts_at=TUESDAY)
    accept(deps.uow("T1", "UMAYA"), clock, session_id=session.id)
    h.clock.set(TUESDAY + timedelta(minutes=1))
    jobs.lifecycle(h.bot)  # under way
    h.clock.set(TUESDAY + timedelta(hours=1))
    complete(deps.uow("T1", "UMAYA"), clock, session_id=session.id, notes="Good", actual_minutes=30)
    h.settle()
    h.clock.set(A_WEEK_LATER)
    h.slack.clear()
    return maya


def _images(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == "image"]


def _file_ids(h: Harness) -> set[str]:
    return set(h.slack.file_names)


def _home(h: Harness, user: str) -> list[dict[str, Any]]:
    mark = h.mark()
    h.open_home(user)
    h.settle()
    publishes = [c for c in h.since(mark) if c.method == "views.publish"]
    assert publishes, "no Home published"
    return publishes[-1].blocks()


def _chart_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT period_days, kind, file_id, alt_text FROM chart_files"
                    " ORDER BY period_days, kind"
                )
            )
        ]


def test_the_job_uploads_each_chart_once_and_the_admin_home_shows_them(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(h, owner_engine)
    jobs.analytics(h.bot)

    # Every period's two charts, uploaded as the app's own files: no channel.
    steps = h.calls(UPLOAD_STEP)
    assert len(steps) == len(PERIODS) * CHARTS_PER_PERIOD
    assert all(str(call.params["filename"]).endswith(".png") for call in steps)
    for call in h.calls("files.completeUploadExternal"):
        assert not call.params.get("channel_id")
        assert not call.params.get("channels")
    for file_id in _file_ids(h):
        png = h.slack.uploaded_bytes(file_id)
        assert png is not None
        assert png.startswith(PNG)
        assert struct.unpack(">II", png[16:24]) == (800, 320)
    rows = _chart_rows(owner_engine)
    assert len(rows) == len(PERIODS) * CHARTS_PER_PERIOD
    assert {row[2] for row in rows} == _file_ids(h)

    blocks = _home(h, "UOLGA")
    images = _images(blocks)
    thirty = {kind: file_id for days, kind, file_id, _alt in rows if days == 30}
    assert [(b["block_id"], b["slack_file"]) for b in images] == [
        ("chart_sessions", {"id": thirty["sessions"]}),
        ("chart_duration", {"id": thirty["duration"]}),
        ("chart_utilization", {"id": thirty["utilization"]}),
    ]
    assert all("image_url" not in b for b in images)
    # The alt text carries the numbers: one session, completed, last week.
    last_week = (TUESDAY - timedelta(days=1)).date()
    assert f"{last_week.day} {last_week:%b}: 1 (1 completed)" in images[0]["alt_text"]
    assert "1 mentor." in images[2]["alt_text"]
    # The text figures stay beside them.
    text_of_home = "\n".join(str(b) for b in blocks)
    assert "Completion rate" in text_of_home
    assert "Top mentors by rating" in text_of_home

    # A second Home open, and a job run on an unchanged programme (a new
    # snapshot of the same figures), upload nothing new.
    h.slack.clear()
    second = _home(h, "UOLGA")
    assert _images(second) == images
    h.clock.set(A_WEEK_LATER + timedelta(minutes=5))  # past the refresh interval
    jobs.analytics(h.bot)
    assert h.calls(UPLOAD_STEP) == []
    with owner_engine.connect() as conn:
        computed = conn.execute(
            text("SELECT computed_at FROM analytics_snapshots WHERE period_days = 30")
        ).scalar_one()
    assert computed == A_WEEK_LATER + timedelta(minutes=5)  # the snapshot was rewritten
    assert _chart_rows(owner_engine) == rows

    # Members see no dashboard, so no charts.
    assert _images(_home(h, "UBEN")) == []


def test_changed_figures_upload_only_the_charts_that_changed(
    h: Harness, owner_engine: Engine
) -> None:
    maya = _programme(h, owner_engine)
    jobs.analytics(h.bot)
    before = {(days, kind): file_id for days, kind, file_id, _alt in _chart_rows(owner_engine)}
    h.slack.clear()

    # A new request for next week changes no chart (it starts in the future);
    # Maya offering one hour a week instead of fifteen changes every period's
    # utilization (offered hours) and nothing else.
    deps = h.bot.deps
    request_session(
        deps.uow("T1", "UBEN"),
        h.clock,
        mentor_id=maya,
        starts_at=TUESDAY + timedelta(days=7),
    )
    h.clock.set(A_WEEK_LATER + timedelta(minutes=5))
    jobs.analytics(h.bot)
    assert h.calls(UPLOAD_STEP) == []
    clear_weekly(deps.uow("T1", "UMAYA"))
    add_weekly_slots(deps.uow("T1", "UMAYA"), weekdays=[1], start=time(10), end=time(11))
    h.clock.set(A_WEEK_LATER + timedelta(minutes=10))
    jobs.analytics(h.bot)
    after = {(days, kind): file_id for days, kind, file_id, _alt in _chart_rows(owner_engine)}
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {(days or 0, "utilization") for days in PERIODS}
    assert len(h.calls(UPLOAD_STEP)) == len(PERIODS)


def test_mentor_stats_shows_a_manager_the_homes_charts_and_uploads_nothing(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(h, owner_engine)
    jobs.analytics(h.bot)
    home = _images(_home(h, "UOLGA"))
    assert len(home) == CHARTS_PER_PERIOD
    h.slack.clear()

    h.command("UOLGA", "stats")
    reply = h.next_call("response_url")

    assert _images(reply.blocks()) == home
    assert "Completion rate" in str(reply.blocks())  # the text figures stay beside them
    assert len(reply.blocks()) <= 50  # Slack's limit for a message
    assert h.calls(UPLOAD_STEP) == []
    # Another period, picked in the message: that period's pictures.
    h.click("UOLGA", Action.STATS_PERIOD, PeriodRef(days=7).encode(), selected=True)
    seven = {kind: file_id for days, kind, file_id, _alt in _chart_rows(owner_engine) if days == 7}
    redrawn = h.next_call("response_url", after=1)
    assert [b["slack_file"]["id"] for b in _images(redrawn.blocks())] == [
        seven["sessions"],
        seven["duration"],
        seven["utilization"],
    ]
    assert h.calls(UPLOAD_STEP) == []


def test_the_digest_carries_the_charts_as_image_blocks(h: Harness, owner_engine: Engine) -> None:
    _programme(h, owner_engine)
    jobs.analytics(h.bot)
    ninety = {
        kind: file_id for days, kind, file_id, _alt in _chart_rows(owner_engine) if days == 90
    }
    h.slack.clear()

    settings = h.bot.settings.model_copy(update={"mentorship_digest_channel": "C0DIGEST"})
    assert jobs.digest(replace(h.bot, settings=settings)) == 1

    (post,) = h.calls("chat.postMessage", channel="C0DIGEST")
    images = _images(post.blocks())
    assert [b["slack_file"]["id"] for b in images] == [
        ninety["sessions"],
        ninety["duration"],
        ninety["utilization"],
    ]
    assert all(b["alt_text"] and b["title"]["text"] for b in images)
    assert "The last 90 days" in post.text()
    assert "week in review" in post.text()  # the text figures stay
    assert h.calls(UPLOAD_STEP) == []  # the digest uploads nothing itself


def test_a_failed_upload_leaves_the_text_figures_and_is_tried_again(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(h, owner_engine)
    # Before any chart: the Home has its figures and no picture.
    first = _home(h, "UOLGA")
    assert _images(first) == []
    assert "Top mentors by rating" in "\n".join(str(b) for b in first)

    # Refused outright (no retry by the client): every upload of this tick.
    h.slack.fail(UPLOAD_STEP, times=len(PERIODS) * CHARTS_PER_PERIOD, error="internal_error")
    jobs.analytics(h.bot)
    assert _chart_rows(owner_engine) == []
    assert _images(_home(h, "UOLGA")) == []

    h.clock.set(A_WEEK_LATER + timedelta(minutes=1))  # the next tick
    jobs.analytics(h.bot)
    assert len(_chart_rows(owner_engine)) == len(PERIODS) * CHARTS_PER_PERIOD
    assert len(_images(_home(h, "UOLGA"))) == CHARTS_PER_PERIOD


def test_a_file_slack_no_longer_shows_costs_the_picture_not_the_home(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(h, owner_engine)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chart_files (workspace_id, period_days, kind, file_id, figures_key,"
                " title, alt_text, computed_at, uploaded_at) VALUES ('T1', 30, 'sessions',"
                " 'FGONE', 'k', 'Sessions per week', 'a picture deleted in Slack', :at, :at)"
            ),
            {"at": A_WEEK_LATER},
        )
    mark = h.mark()
    h.open_home("UOLGA")
    h.settle()
    publishes = [c for c in h.since(mark) if c.method == "views.publish"]
    # Slack refused the view naming the unknown file; the Home went again without it.
    assert len(publishes) == 2
    assert [b["slack_file"]["id"] for b in _images(publishes[0].blocks())] == ["FGONE"]
    assert _images(publishes[1].blocks()) == []
    assert "Top mentors by rating" in publishes[1].text()


def test_a_period_another_scheduler_is_drawing_is_left_to_it(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(h, owner_engine)
    jobs.analytics(h.bot)  # the snapshots, and their charts
    h.slack.clear()
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM chart_files"))
        # Another bot instance's job is drawing the 30-day charts until then.
        conn.execute(
            text(
                "UPDATE analytics_snapshots SET charts_leased_until = :until WHERE period_days = 30"
            ),
            {"until": A_WEEK_LATER + timedelta(minutes=2)},
        )

    h.clock.set(A_WEEK_LATER + timedelta(minutes=1))
    jobs.analytics(h.bot)
    assert {row[0] for row in _chart_rows(owner_engine)} == {0, 7, 90}
    assert len(h.calls(UPLOAD_STEP)) == (len(PERIODS) - 1) * CHARTS_PER_PERIOD

    # Its lease ran out (it died): the next tick draws them.
    h.clock.set(A_WEEK_LATER + timedelta(minutes=3))
    jobs.analytics(h.bot)
    assert {row[0] for row in _chart_rows(owner_engine)} == {0, 7, 30, 90}
    with owner_engine.connect() as conn:
        held = conn.execute(
            text("SELECT count(*) FROM analytics_snapshots WHERE charts_leased_until IS NOT NULL")
        ).scalar_one()
    assert held == 0  # every lease ended with its period's record


def test_without_matplotlib_the_job_uploads_nothing_and_the_home_keeps_its_text(
    h: Harness, owner_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """matplotlib is the optional `charts` extra: a bot installed without it
    runs the analytics job and shows the figures as text, no picture."""
    _programme(h, owner_engine)
    monkeypatch.setattr(charts, "can_draw", lambda: False)
    jobs.analytics(h.bot)

    assert h.calls(UPLOAD_STEP) == []
    assert _chart_rows(owner_engine) == []
    blocks = _home(h, "UOLGA")
    assert _images(blocks) == []
    assert "Completion rate" in "\n".join(str(b) for b in blocks)
