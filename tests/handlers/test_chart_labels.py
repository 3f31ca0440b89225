"""What people type reaches the charts: a department's name is a label of
the goal-attainment chart. matplotlib reads text between two `$` as TeX, and
refuses TeX it cannot parse; a name is drawn as typed, and the `analytics`
job uploads each chart once whatever the names are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from bot import jobs
from domain.analytics import PERIODS
from domain.chart_ports import ChartKind
from domain.charts import ChartData
from handlers import charts
from tests.handlers.conftest import NOW, Harness
from tests.storage.seed import add_session, add_user, set_actor

UPLOAD_STEP = "files.getUploadURLExternal"
# What a person may type as their department, and matplotlib cannot draw as TeX.
NOT_TEX = "R&D $\\bad{$ costs"


def _programme(engine: Engine) -> None:
    """Ben (of the department above) set a goal yesterday and had a session
    with Maya last week; Cara (Sales) set one too."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name="Maya Patel")
        for slack_id, department in (("UBEN", NOT_TEX), ("UCARA", "Sales")):
            mentee = add_user(conn, "T1", slack_id, mentee=True, department=department)
            conn.execute(
                text(
                    "INSERT INTO goals (workspace_id, user_id, title, created_at, updated_at)"
                    " VALUES ('T1', :u, 'Speak up', :at, :at)"
                ),
                {"u": mentee, "at": NOW - timedelta(days=1)},
            )
        add_session(conn, "T1", maya, mentee, starts_at=NOW - timedelta(days=6), status="completed")


def _charts(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT period_days, kind FROM chart_files ORDER BY 1, 2"))
        return [(days, kind) for days, kind in rows]


def test_a_department_named_like_tex_is_drawn_and_each_chart_is_uploaded_once(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(owner_engine)

    jobs.analytics(h.bot)

    kinds = ("duration", "goals", "sessions")
    assert _charts(owner_engine) == [
        (days or 0, kind) for days in sorted(PERIODS, key=lambda d: d or 0) for kind in kinds
    ]
    uploads = len(h.calls(UPLOAD_STEP))
    assert uploads == len(PERIODS) * len(kinds)
    goals = [c for c in h.calls(UPLOAD_STEP) if str(c.params["filename"]).startswith("goals")]
    assert goals

    # The next tick, on the same figures, uploads nothing again.
    h.clock.set(NOW + timedelta(minutes=5))
    jobs.analytics(h.bot)
    assert len(h.calls(UPLOAD_STEP)) == uploads
    with owner_engine.connect() as conn:
        leased = conn.execute(
            text("SELECT count(*) FROM analytics_snapshots WHERE charts_leased_until IS NOT NULL")
        ).scalar_one()
    assert leased == 0


def test_a_chart_that_cannot_be_drawn_leaves_the_others_recorded_and_is_tried_again(
    h: Harness, owner_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever else matplotlib refuses to draw costs that chart, not the
    period's others: those are recorded, and uploaded once."""
    _programme(owner_engine)
    drawn = charts.draw

    def refusing(data: ChartData, kind: ChartKind) -> bytes:
        if kind is ChartKind.GOALS:
            raise ValueError("a text matplotlib cannot lay out")
        return drawn(data, kind)

    monkeypatch.setattr(charts, "draw", refusing)
    jobs.analytics(h.bot)
    assert {kind for _days, kind in _charts(owner_engine)} == {"duration", "sessions"}
    uploads = len(h.calls(UPLOAD_STEP))
    assert uploads == len(PERIODS) * 2

    monkeypatch.setattr(charts, "draw", drawn)
    h.clock.set(NOW + timedelta(minutes=5))
    jobs.analytics(h.bot)
    assert {kind for _days, kind in _charts(owner_engine)} == {"duration", "goals", "sessions"}
    assert len(h.calls(UPLOAD_STEP)) == uploads + len(PERIODS)  # the goals charts only
