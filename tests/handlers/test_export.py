"""The dashboard's per-mentor CSV: rendered safe for spreadsheets (formulas
defused, a byte order mark for Excel), and sent over HTTP — the click is
acknowledged, then the file is uploaded to the admin's DM through the three
steps of `files_upload_v2` on the fake Slack; when Slack refuses, the admin is
told why in plain words."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.errors import is_apology
from domain.analytics import MentorRow, MentorTable
from domain.metrics import MentorFigures
from handlers.exports import NEEDS_PERMISSIONS, NOT_UPLOADED
from handlers.ids import Action
from handlers.metadata import PeriodRef
from handlers.render.export import BOM, COLUMNS, export_filename, mentor_csv, safe_cell
from tests.handlers.conftest import IDLE_WAIT_S, NOW, Harness
from tests.storage.seed import add_session, add_user, set_actor

ATTACK = '=HYPERLINK("http://evil.example","click")'


def _table(*rows: MentorRow, period: int | None = 30) -> MentorTable:
    since = None if period is None else NOW - timedelta(days=period)
    return MentorTable(period, since, NOW, list(rows))


def _row(name: str, department: str = "Engineering", **figures: float | int | None) -> MentorRow:
    values = {
        "mentor_id": 1,
        "name": name,
        "completed": 3,
        "rating_count": 2,
        "average_rating": 4.5,
        "score": 4.123,
        "booked_hours": 3.5,
        "offered_hours": 29.0,
        "sessions": 6,
        **figures,
    }
    return MentorRow(MentorFigures(**values), "UMAYA", department)  # type: ignore[arg-type]


def _parsed(content: str) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.removeprefix(BOM))))


def test_the_csv_has_a_header_and_a_row_per_mentor_in_plain_numbers() -> None:
    content = mentor_csv(_table(_row("Maya Patel"), _row("Pia Lund", offered_hours=0.0)))

    assert content.endswith("\r\n")
    assert _parsed(content) == [
        list(COLUMNS),
        [
            "Maya Patel",
            "UMAYA",
            "Engineering",
            "6",
            "3",
            "2",
            "4.50",
            "4.12",
            "3.50",
            "29.00",
            "12.1",
        ],
        ["Pia Lund", "UMAYA", "Engineering", "6", "3", "2", "4.50", "4.12", "3.50", "0.00", ""],
    ]


def test_the_file_starts_with_a_byte_order_mark_so_excel_reads_it_as_utf_8() -> None:
    content = mentor_csv(_table(_row("José Núñez", department="Ventas & Öl")))

    data = content.encode("utf-8")  # as files_upload_v2 sends a str
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(codecs.BOM_UTF8) == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "mentor"
    assert rows[1][:3] == ["José Núñez", "UMAYA", "Ventas & Öl"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell('Maya, "the" mentor') == 'Maya, "the" mentor'  # quoting is csv's job

    rows = _parsed(mentor_csv(_table(_row(ATTACK, department="-Sales"))))

    assert rows[1][:3] == ["'" + ATTACK, "UMAYA", "'-Sales"]


def test_the_file_is_named_after_the_period_and_the_day() -> None:
    assert export_filename(_table()) == f"mentors-last-30-days-{NOW:%Y-%m-%d}.csv"
    assert export_filename(_table(period=None)) == f"mentors-all-time-{NOW:%Y-%m-%d}.csv"


def _programme(engine: Engine) -> None:
    """Maya (named like a formula) did a completed session rated 5 last week."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        maya = add_user(conn, "T1", "UMAYA", mentor=True, name=ATTACK, department="Data")
        ben = add_user(conn, "T1", "UBEN", mentee=True, name="Ben Okafor")
        session = add_session(
            conn,
            "T1",
            maya,
            ben,
            starts_at=NOW - timedelta(days=7),
            minutes=60,
            status="completed",
        )
        conn.execute(
            text(
                "INSERT INTO feedback (workspace_id, session_id, author_id, subject_id,"
                " subject_role, rating) VALUES ('T1', :s, :ben, :maya, 'mentor', 5)"
            ),
            {"s": session, "ben": ben, "maya": maya},
        )


def test_an_admin_gets_the_csv_in_a_dm_after_the_click_is_acknowledged(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(owner_engine)

    reply = h.click("UOLGA", Action.STATS_EXPORT, PeriodRef(days=30).encode())

    assert reply.status == 200
    completed = h.next_call("files.completeUploadExternal")
    assert completed.params["channel_id"] == "DUOLGA"  # the DM opened with the admin
    assert h.calls("conversations.open", users="UOLGA")
    (asked,) = h.calls("files.getUploadURLExternal")
    assert asked.params["filename"] == f"mentors-last-30-days-{NOW:%Y-%m-%d}.csv"
    assert "Per-mentor figures, last 30 days (1 mentor)" in completed.params["initial_comment"]
    [shared] = json.loads(completed.params["files"])
    content = h.slack.uploaded(shared["id"])
    assert content is not None
    assert _parsed(content) == [
        list(COLUMNS),
        # One rating: too few for a manager to see its average (or score).
        ["'" + ATTACK, "UMAYA", "Data", "1", "1", "1", "", "", "1.00", "0.00", ""],
    ]


def test_a_member_clicking_a_forged_export_is_refused_and_gets_no_file(h: Harness) -> None:
    h.click("UBEN", Action.STATS_EXPORT, PeriodRef(days=30).encode())

    assert "Only programme managers" in h.next_call("response_url").text()
    assert not h.calls("files.getUploadURLExternal")


def test_a_tampered_period_is_a_polite_refusal(h: Harness) -> None:
    reply = h.click("UOLGA", Action.STATS_EXPORT, '{"days": 99999}')

    assert reply.status == 200
    assert "no longer works" in h.next_call("response_url").text()
    assert not h.calls("files.getUploadURLExternal")


def _dms(h: Harness, user_id: str) -> list[str]:
    assert h.bot.listeners.wait_idle(IDLE_WAIT_S)
    return [call.text() for call in h.calls("chat.postMessage", channel=user_id)]


def test_an_app_without_the_file_permissions_tells_the_admin_to_reinstall_it(
    h: Harness, owner_engine: Engine
) -> None:
    _programme(owner_engine)
    h.slack.fail("conversations.open", error="missing_scope")  # no im:write

    reply = h.click("UOLGA", Action.STATS_EXPORT, PeriodRef(days=30).encode())

    assert reply.status == 200
    assert _dms(h, "UOLGA") == [NEEDS_PERMISSIONS]
    assert "files:write and im:write" in NEEDS_PERMISSIONS
    assert "manifest.yml" in NEEDS_PERMISSIONS
    assert not h.calls("files.getUploadURLExternal")


def test_a_missing_files_write_scope_says_the_same(h: Harness, owner_engine: Engine) -> None:
    _programme(owner_engine)
    h.slack.fail("files.getUploadURLExternal", error="missing_scope")

    h.click("UOLGA", Action.STATS_EXPORT, PeriodRef(days=30).encode())

    assert _dms(h, "UOLGA") == [NEEDS_PERMISSIONS]


@pytest.mark.parametrize(
    ("method", "fault"),
    [
        # Slack's 500 twice: the client's one retry meets the second.
        ("files.completeUploadExternal", {"status": 500, "times": 2}),
        ("files.getUploadURLExternal", {"error": "internal_error"}),
        ("file_upload", {"status": 500}),  # the file's bytes refused by the upload URL
        ("conversations.open", {"close_connection": True, "times": 2}),  # unreachable
    ],
)
def test_an_upload_slack_refuses_asks_the_admin_to_try_again(
    h: Harness, owner_engine: Engine, method: str, fault: dict[str, Any]
) -> None:
    _programme(owner_engine)
    h.slack.fail(method, **fault)

    reply = h.click("UOLGA", Action.STATS_EXPORT, PeriodRef(days=30).encode())

    assert reply.status == 200
    (told,) = _dms(h, "UOLGA")
    assert told == NOT_UPLOADED
    assert not is_apology(told)
    assert not h.calls("files.completeUploadExternal")
