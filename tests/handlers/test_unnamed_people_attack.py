"""Attacks on the `profiles` job (people first seen while Slack could not say
who they are, asked about again): odd `users.info` answers, a deleted mentor
told of twice at once, the same Slack id in two workspaces, people who left."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from bot import jobs
from tests.handlers.conftest import Harness, wait_for
from tests.handlers.people import profile_row
from tests.storage.seed import add_session, add_user, set_actor

ODD, NOOR = "UODD", "UNOOR"
Row = tuple[str, str, str, bool]  # name, zone, title, active


@pytest.fixture
def slack_users(h: Harness) -> Iterator[list[str]]:
    """Ids the test adds to the stand-in Slack: removed from it afterwards."""
    added: list[str] = []
    try:
        yield added
    finally:
        for slack_id in added:
            h.slack.users.pop(slack_id, None)


@contextmanager
def _seed(engine: Engine) -> Iterator[Connection]:
    """Workspaces T1 and T2, and whoever the block adds, as the system."""
    with engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1'), ('T2')"))
        yield conn


def _asked(h: Harness, mark: int) -> list[str]:
    return [str(c.params.get("user")) for c in h.since(mark) if c.method == "users.info"]


def _unnamed_pair(h: Harness, engine: Engine, slack_users: list[str]) -> None:
    """ODD and NOOR, both unnamed in T1; Slack now knows Noor."""
    with _seed(engine) as conn:
        for slack_id in (ODD, NOOR):
            add_user(conn, "T1", slack_id)
    h.slack.add_user(NOOR, "Noor Haddad", tz="Asia/Dubai")
    slack_users.append(NOOR)


def _said(**fields: Any) -> dict[str, Any]:
    return {"ok": True, "user": {"id": ODD, **fields}}


UNCHANGED: Row = (ODD, "UTC", "", True)
ODD_ANSWERS: dict[str, tuple[dict[str, Any], Row]] = {
    "profile null": (_said(profile=None), UNCHANGED),
    "profile null, handle": (_said(profile=None, name="odd"), ("odd", "UTC", "", True)),
    "tz a number": (_said(tz=3600, profile={"real_name": "Odd"}), ("Odd", "UTC", "", True)),
    "tz unknown": (_said(tz="Mars/Olympus", name="odd"), ("odd", "UTC", "", True)),
    "tz a path": (_said(tz="../../etc/passwd", name="odd"), ("odd", "UTC", "", True)),
    "tz not a place": (_said(tz="posixrules", name="odd"), ("odd", "UTC", "", True)),
    "huge name": (
        _said(profile={"display_name": "N" * 10_000, "title": "T" * 10_000}),
        ("N" * 80, "UTC", "T" * 100, True),
    ),
    "control characters": (
        _said(profile={"display_name": "\x00No\u202eor\x07 Had\ndad\x1b[31m"}),
        ("Noor Had dad[31m", "UTC", "", True),
    ),
    "only invisible": (_said(profile={"display_name": "\u200b\x00 \u2060"}), UNCHANGED),
    "deleted false": (_said(deleted=False, name="odd"), ("odd", "UTC", "", True)),
    "user missing": ({"ok": True}, UNCHANGED),
    "user null": ({"ok": True, "user": None}, UNCHANGED),
    "user empty": ({"ok": True, "user": {}}, UNCHANGED),
}


@pytest.mark.parametrize("case", list(ODD_ANSWERS))
def test_an_odd_answer_neither_crashes_the_job_nor_writes_garbage(
    h: Harness, owner_engine: Engine, slack_users: list[str], case: str
) -> None:
    answer, expected = ODD_ANSWERS[case]
    _unnamed_pair(h, owner_engine, slack_users)
    h.slack.fail("users.info", match={"user": ODD}, answer=answer)
    jobs.profiles(h.bot)
    assert profile_row(owner_engine, ODD) == expected
    assert profile_row(owner_engine, NOOR) == ("Noor Haddad", "Asia/Dubai", "", True)


FAULTS: dict[str, dict[str, Any]] = {
    "not visible": {"error": "user_not_visible"},
    "odd error": {"error": "\x00" * 3 + "💥"},
    "ok false, with a user": {"answer": {"ok": False, "user": {"id": ODD, "deleted": True}}},
    "500": {"status": 500, "times": 2},
    "closed connection": {"close_connection": True, "times": 2},
}


@pytest.mark.parametrize("case", list(FAULTS))
def test_a_failed_answer_changes_nothing_and_the_others_are_named(
    h: Harness, owner_engine: Engine, slack_users: list[str], case: str
) -> None:
    _unnamed_pair(h, owner_engine, slack_users)
    h.slack.fail("users.info", match={"user": ODD}, **FAULTS[case])
    assert jobs.profiles(h.bot) == 1
    assert profile_row(owner_engine, ODD) == UNCHANGED
    assert profile_row(owner_engine, NOOR) == ("Noor Haddad", "Asia/Dubai", "", True)


@pytest.mark.parametrize(
    ("fault", "used"),
    [({"status": 429, "retry_after": 0}, 2), ({"error": "token_revoked"}, 1)],
    ids=["429 (and the client's retry)", "token"],
)
def test_rate_limited_or_shut_out_the_run_stops_and_the_next_asks_everyone(
    h: Harness, owner_engine: Engine, slack_users: list[str], fault: dict[str, Any], used: int
) -> None:
    _unnamed_pair(h, owner_engine, slack_users)
    with owner_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        add_user(conn, "T1", "UTHIRD")
    h.slack.fail("users.info", times=6, **fault)
    assert jobs.profiles(h.bot) == 0
    # Whoever was asked first, and no one after: the rest of the faults are left.
    assert len(h.slack.faults["users.info"]) == 6 - used
    h.slack.faults.clear()
    assert jobs.profiles(h.bot) == 1  # Noor; the others are still unknown to Slack
    assert profile_row(owner_engine, NOOR) == ("Noor Haddad", "Asia/Dubai", "", True)


GONE = {"ok": True, "user": {"id": "UMAYA", "deleted": True, "profile": {}}}


def _gone_mentor(h: Harness, engine: Engine) -> int:
    """Maya, unnamed, mentors Ben (named) in three days: the session's id."""
    with _seed(engine) as conn:
        maya = add_user(conn, "T1", "UMAYA", mentor=True)
        ben = add_user(conn, "T1", "UBEN", mentee=True, name="Ben Okafor")
        starts = h.clock.now() + timedelta(days=3)
        return add_session(conn, "T1", maya, ben, starts_at=starts, status="scheduled")


def _start(*work: Callable[[], object]) -> list[tuple[threading.Thread, list[BaseException]]]:
    """Each of `work` on a thread of its own; what each raised is kept."""
    started = []
    for job in work:
        failed: list[BaseException] = []

        def run(job: Callable[[], object] = job, failed: list[BaseException] = failed) -> None:
            try:
                job()
            except BaseException as error:  # reported by _join
                failed.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        started.append((thread, failed))
    return started


def _join(started: list[tuple[threading.Thread, list[BaseException]]]) -> list[BaseException]:
    for thread, _ in started:
        thread.join(30)
        assert not thread.is_alive()
    return [error for _, failed in started for error in failed]


def _ben_told(h: Harness, engine: Engine, session: int) -> tuple[int, int, str]:
    """Ben's notices about the session, the messages he got, the session's status."""
    h.settle()
    with engine.connect() as conn:
        notices = conn.execute(
            text(
                "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id"
                " WHERE u.slack_user_id = 'UBEN' AND n.session_id = :s"
            ),
            {"s": session},
        ).scalar_one()
        status = conn.execute(
            text("SELECT status FROM sessions WHERE id = :s"), {"s": session}
        ).scalar_one()
    dms = [c for c in h.since(0) if c.params.get("channel") in ("UBEN", "DUBEN")]
    return notices, len(dms), status


@contextmanager
def _maya_held(engine: Engine, waiters: int) -> Iterator[None]:
    """Maya's row locked while the block runs, then released once `waiters`
    others wait for it: whoever comes first, they all come at once."""
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT 1 FROM users WHERE slack_user_id = 'UMAYA' FOR UPDATE"))
        yield
        waiting = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )

        def waiting_now() -> int:
            # A transaction of its own each time: pg_stat_activity is read once
            # per transaction, and a probe kept open would never see them come.
            with engine.connect() as probe:
                return int(probe.execute(text(waiting)).scalar_one())

        wait_for(lambda: waiting_now() >= waiters, what="both")


def _user_change(**user: Any) -> dict[str, Any]:
    return {"type": "user_change", "user": {"id": "UMAYA", "team_id": "T1", **user}}


@pytest.mark.parametrize("rival", ["a second job", "a user_change event"])
def test_a_gone_mentor_told_of_twice_at_once_cancels_once_and_ben_is_told_once(
    h: Harness, owner_engine: Engine, rival: str
) -> None:
    session = _gone_mentor(h, owner_engine)
    h.slack.fail("users.info", match={"user": "UMAYA"}, answer=GONE, times=2)
    gone = _user_change(deleted=True, profile={})
    second = (lambda: jobs.profiles(h.bot)) if rival == "a second job" else lambda: h.event(gone)
    with _maya_held(owner_engine, waiters=2):
        threads = _start(lambda: jobs.profiles(h.bot), second)
    assert _join(threads) == []
    assert _ben_told(h, owner_engine, session) == (1, 1, "cancelled")
    assert profile_row(owner_engine, "UMAYA")[3] is False
    assert jobs.profiles(h.bot) == 0  # gone: never asked about again


@pytest.mark.parametrize("said", [GONE, {"ok": True, "user": {"id": "UMAYA", "name": "maya2"}}])
def test_the_job_changes_the_person_only_in_the_workspace_it_found_them_in(
    h: Harness, owner_engine: Engine, said: dict[str, Any]
) -> None:
    """UMAYA is Maya Patel in T1, mentoring Ben there; in T2 she is unnamed."""
    session = _gone_mentor(h, owner_engine)
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE users SET display_name = 'Maya Patel' WHERE workspace_id = 'T1'"))
        set_actor(conn, None, None, "system")
        add_user(conn, "T2", "UMAYA")
    h.slack.fail("users.info", match={"user": "UMAYA"}, answer=said)
    mark = h.mark()
    assert jobs.profiles(h.bot) == 1
    assert _asked(h, mark) == ["UMAYA"]
    assert profile_row(owner_engine, "UMAYA") == ("Maya Patel", "UTC", "", True)
    assert _ben_told(h, owner_engine, session) == (0, 0, "scheduled")
    gone = said is GONE
    assert profile_row(owner_engine, "UMAYA", "T2") == (
        "UMAYA" if gone else "maya2",
        "UTC",
        "",
        not gone,
    )


def test_someone_who_left_while_unnamed_is_not_asked_about(
    h: Harness, owner_engine: Engine, slack_users: list[str]
) -> None:
    _unnamed_pair(h, owner_engine, slack_users)
    with owner_engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET is_active = false WHERE slack_user_id = :u"), {"u": ODD}
        )
    h.slack.add_user(ODD, "Odd Person")
    slack_users.append(ODD)
    mark = h.mark()
    assert jobs.profiles(h.bot) == 1
    assert _asked(h, mark) == [NOOR]
    assert profile_row(owner_engine, ODD) == (ODD, "UTC", "", False)


@pytest.mark.parametrize("told", [{"name": "odd", "tz": "Europe/Paris"}, {"deleted": True}])
def test_after_a_user_change_event_the_job_no_longer_asks_about_them(
    h: Harness, owner_engine: Engine, slack_users: list[str], told: dict[str, Any]
) -> None:
    _unnamed_pair(h, owner_engine, slack_users)
    h.event({"type": "user_change", "user": {"id": ODD, "team_id": "T1", "profile": {}, **told}})
    h.event({"type": "user_change", "user": {"id": NOOR, "team_id": "T1", "name": "noor"}})
    h.settle()
    mark = h.mark()
    assert jobs.profiles(h.bot) == 0
    assert _asked(h, mark) == []
    expected = (ODD, "UTC", "", False) if "deleted" in told else ("odd", "Europe/Paris", "", True)
    assert profile_row(owner_engine, ODD) == expected


def test_deleted_given_as_the_string_false_is_not_a_deleted_account(
    h: Harness, owner_engine: Engine, slack_users: list[str]
) -> None:
    _unnamed_pair(h, owner_engine, slack_users)
    h.slack.fail("users.info", match={"user": ODD}, answer=_said(deleted="false", name="odd"))
    jobs.profiles(h.bot)
    assert profile_row(owner_engine, ODD)[3] is True


@pytest.mark.parametrize(
    "answer", [{"ok": True, "user": ODD}, _said(profile="Odd"), _said(profile=["Odd"])]
)
def test_a_user_or_profile_that_is_not_an_object_does_not_stop_the_run(
    h: Harness, owner_engine: Engine, slack_users: list[str], answer: dict[str, Any]
) -> None:
    _unnamed_pair(h, owner_engine, slack_users)
    h.slack.fail("users.info", match={"user": ODD}, answer=answer)
    jobs.profiles(h.bot)
    assert profile_row(owner_engine, NOOR) == ("Noor Haddad", "Asia/Dubai", "", True)


def test_a_gone_mentor_is_named_to_ben_as_slack_names_them(
    h: Harness, owner_engine: Engine
) -> None:
    _gone_mentor(h, owner_engine)
    gone = {"id": "UMAYA", "deleted": True, "profile": {"real_name": "Maya Patel"}}
    h.slack.fail("users.info", match={"user": "UMAYA"}, answer={"ok": True, "user": gone})
    jobs.profiles(h.bot)
    h.settle()
    told = " ".join(c.text() for c in h.calls("chat.postMessage", channel="UBEN"))
    assert "Maya Patel is no longer in this Slack workspace" in told, told
