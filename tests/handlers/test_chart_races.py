"""The charts under concurrency, with real threads released together: Home
opens at once upload nothing and show the same pictures (the manager's only:
a member opening at the same moment gets neither dashboard nor chart), and
two schedulers running the `analytics` job at once upload each chart once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from bot import jobs
from domain.analytics import PERIODS
from tests.handlers.conftest import NOW, Harness
from tests.storage.seed import add_session, add_user, set_actor
from tests.threads import at_once

UPLOAD_STEP = "files.getUploadURLExternal"
KINDS = ("duration", "sessions")  # no goals, no weekly hours: these two only


def _programme(engine: Engine) -> None:
    """Maya mentored Ben last week; Olga (the manager) and Ben are in the programme."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name="Maya Patel")
        ben = add_user(conn, "T1", "UBEN", mentee=True, name="Ben Okafor")
        add_user(conn, "T1", "UOLGA", name="Olga Ivanova")
        add_session(conn, "T1", maya, ben, starts_at=NOW - timedelta(days=6), status="completed")


def _images(blocks: list[dict[str, Any]]) -> list[Any]:
    return [b["slack_file"] for b in blocks if b["type"] == "image"]


def test_two_schedulers_at_once_upload_each_chart_once(h: Harness, owner_engine: Engine) -> None:
    _programme(owner_engine)

    at_once(lambda: jobs.analytics(h.bot), lambda: jobs.analytics(h.bot))

    assert len(h.calls(UPLOAD_STEP)) == len(PERIODS) * len(KINDS)
    with owner_engine.connect() as conn:
        files = conn.execute(text("SELECT count(DISTINCT file_id) FROM chart_files")).scalar_one()
    assert files == len(PERIODS) * len(KINDS) == len(h.slack.file_names)


def test_home_opens_at_once_upload_nothing_and_only_the_manager_sees_charts(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(owner_engine)
    jobs.analytics(h.bot)
    h.slack.clear()

    opens = [lambda: h.open_home("UOLGA") for _ in range(4)] + [lambda: h.open_home("UBEN")] * 2
    at_once(*opens)
    h.settle()

    assert h.calls(UPLOAD_STEP) == []
    olga = [c.blocks() for c in h.calls("views.publish", user_id="UOLGA")]
    ben = [c.blocks() for c in h.calls("views.publish", user_id="UBEN")]
    assert len(olga) == 4
    assert len(ben) == 2
    assert "Programme dashboard" in str(olga[0])
    charts = _images(olga[0])
    assert len(charts) == len(KINDS)
    assert all(_images(blocks) == charts for blocks in olga)
    for blocks in ben:
        assert _images(blocks) == []
        assert "Programme dashboard" not in str(blocks)
