"""Introductions on PostgreSQL as the application role: the database holds
that a pair is introduced once, that a sent introduction names its sender and
time, and that a mentee is in one pair of a preview; the dashboard's figure
(introductions → first session booked) reads it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.analytics import dashboard
from domain.metrics import IntroductionFigures
from domain.model import Actor, Role
from storage.uow import SqlUnitOfWork
from tests.fakes.uow import FakeClock
from tests.storage.seed import BASE_TIME, Org, add_session, make_org, set_actor

pytestmark = pytest.mark.usefixtures("clean_tables")

NOW = BASE_TIME + timedelta(days=30)
ADMIN = Actor("T1", "UADMIN", Role.ADMIN)


def _intro(
    conn: Connection,
    org: Org,
    *,
    preview: UUID,
    status: str = "sent",
    sent_by: str | None = "UADMIN",
    sent_days_ago: float = 10,
    mentee: int | None = None,
) -> None:
    at = NOW - timedelta(days=sent_days_ago)
    conn.execute(
        text(
            "INSERT INTO introductions (workspace_id, preview_id, mentee_id, mentor_id, score,"
            " status, proposed_by, proposed_at, sent_by, sent_at)"
            " VALUES ('T1', :p, :e, :r, 0.5, :s, 'UADMIN', :at, :by, :sent)"
        ),
        {
            "p": preview,
            "e": mentee or org.mentee,
            "r": org.mentor,
            "s": status,
            "at": at,
            "by": sent_by,
            "sent": at if sent_by else None,
        },
    )


@pytest.fixture
def org(app_engine: Engine) -> Org:
    return make_org(app_engine)


@pytest.fixture
def as_system(app_engine: Engine) -> Callable[[], Connection]:
    def begin() -> Connection:
        conn = app_engine.connect()
        conn.begin()
        set_actor(conn, None, None, "system")
        return conn

    return begin


def test_a_pair_is_introduced_once_whatever_the_preview(
    org: Org, as_system: Callable[[], Connection]
) -> None:
    conn = as_system()
    _intro(conn, org, preview=uuid4())
    _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None)  # proposing again is fine
    with pytest.raises(IntegrityError, match="uq_introductions_sent_pair"):
        _intro(conn, org, preview=uuid4())
    conn.close()


def test_a_sent_introduction_names_its_sender_and_time(
    org: Org, as_system: Callable[[], Connection]
) -> None:
    conn = as_system()
    with pytest.raises(IntegrityError, match="sent_has_sender_and_time"):
        _intro(conn, org, preview=uuid4(), sent_by=None)
    conn.close()


def test_a_mentee_is_in_one_pair_of_a_preview(
    org: Org, as_system: Callable[[], Connection]
) -> None:
    preview = uuid4()
    conn = as_system()
    _intro(conn, org, preview=preview, status="proposed", sent_by=None)
    with pytest.raises(IntegrityError, match="uq_introductions_preview_id_mentee_id"):
        _intro(conn, org, preview=preview, status="proposed", sent_by=None)
    conn.close()


def test_the_dashboard_counts_introductions_and_days_to_the_first_session(
    org: Org,
    app_engine: Engine,
    session_factory: sessionmaker[OrmSession],
) -> None:
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        _intro(conn, org, preview=uuid4(), sent_days_ago=10)
        _intro(conn, org, preview=uuid4(), sent_days_ago=20, mentee=org.bystander)
        _intro(conn, org, preview=uuid4(), sent_days_ago=60, mentee=org.admin)
        _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None, mentee=org.admin)
        # Slack refused the DM of this one: nobody was introduced.
        _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None, mentee=org.bystander)
        conn.execute(
            text(
                "UPDATE introductions SET status = 'failed', failure = 'user_not_found',"
                " failed_at = :at WHERE mentee_id = :e AND status = 'proposed'"
            ),
            {"at": NOW - timedelta(days=5), "e": org.bystander},
        )
        # The mentee booked 4 days after their introduction; a session from
        # before it does not count.
        add_session(
            conn,
            "T1",
            org.mentor,
            org.mentee,
            starts_at=NOW + timedelta(days=2),
            created_at=NOW - timedelta(days=6),
        )
        add_session(
            conn,
            "T1",
            org.mentor,
            org.bystander,
            starts_at=NOW - timedelta(days=29),
            status="completed",
            created_at=NOW - timedelta(days=35),
        )
    clock = FakeClock(NOW)

    def figures(actor: Actor, period: int | None) -> IntroductionFigures:
        with SqlUnitOfWork(session_factory, actor) as uow:
            since = None if period is None else NOW - timedelta(days=period)
            return uow.analytics.introductions(actor.workspace_id, since, clock.now())

    assert figures(ADMIN, 30) == IntroductionFigures(sent=2, booked=1, median_days=4.0)
    assert figures(ADMIN, None) == IntroductionFigures(sent=3, booked=1, median_days=4.0)
    served = dashboard(SqlUnitOfWork(session_factory, ADMIN), clock, period_days=30)
    assert served.introductions == IntroductionFigures(2, 1, 4.0)
    # Another workspace's manager, and a member (row-level security), read none.
    assert figures(Actor("T2", "UOTHER", Role.ADMIN), None) == IntroductionFigures()
    assert figures(Actor.member("T1", "UMENTEE"), None) == IntroductionFigures()


@pytest.fixture
def as_manager(app_engine: Engine) -> Iterator[Callable[[], Connection]]:
    """A transaction as T1's programme manager UADMIN (the app role); each
    is closed after the test, whatever it asserted (an open one would keep
    the tables from being emptied)."""
    opened: list[Connection] = []

    def begin() -> Connection:
        conn = app_engine.connect()
        opened.append(conn)
        conn.begin()
        set_actor(conn, "T1", "UADMIN", "admin")
        return conn

    yield begin
    for conn in opened:
        conn.close()


def test_a_pair_is_two_people_of_the_introductions_workspace_whoever_writes_it(
    org: Org, as_manager: Callable[[], Connection]
) -> None:
    """T1's manager, past the domain, cannot pair someone of T2: neither in
    a new proposal nor by moving a proposal's mentee."""
    conn = as_manager()
    with pytest.raises(IntegrityError, match="fk_introductions_workspace_id_mentee_id_users"):
        _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None, mentee=org.foreigner)
    conn.close()

    conn = as_manager()
    _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None)
    with pytest.raises(DBAPIError, match="permission denied"):  # a pair is never moved
        conn.execute(text("UPDATE introductions SET mentee_id = :e"), {"e": org.foreigner})
    conn.close()


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        # Un-sending, to send the pair again.
        (
            "status = 'proposed', sent_by = NULL, sent_at = NULL, channel_id = NULL",
            "introductions_status_moves",
        ),
        ("preview_id = gen_random_uuid()", "permission denied"),
        ("score = 1", "permission denied"),
        ("proposed_by = 'UOTHER'", "permission denied"),
    ],
)
def test_a_sent_introduction_stays_sent_and_keeps_what_was_proposed(
    org: Org, as_manager: Callable[[], Connection], change: str, refused: str
) -> None:
    conn = as_manager()
    _intro(conn, org, preview=uuid4())
    with pytest.raises(DBAPIError, match=refused):
        conn.execute(text(f"UPDATE introductions SET {change}"))
    conn.close()


def test_a_dropped_pair_is_not_proposed_again(
    org: Org, as_manager: Callable[[], Connection]
) -> None:
    conn = as_manager()
    _intro(conn, org, preview=uuid4(), status="dropped", sent_by=None)
    with pytest.raises(DBAPIError, match="introductions_status_moves"):
        conn.execute(text("UPDATE introductions SET status = 'proposed'"))
    conn.close()


# What each status needs beside it, to move a pair there as the application does.
_TO = {
    "sent": "status = 'sent', sent_by = 'UADMIN', sent_at = :at, failure = NULL, failed_at = NULL",
    "failed": "status = 'failed', failure = 'couldn''t open a DM: user_not_found', failed_at = :at",
    "dropped": "status = 'dropped', failure = NULL, failed_at = NULL",
    "proposed": "status = 'proposed', sent_by = NULL, sent_at = NULL, channel_id = NULL,"
    " failure = NULL, failed_at = NULL",
}


def _move(conn: Connection, to: str) -> None:
    conn.execute(text(f"UPDATE introductions SET {_TO[to]}"), {"at": NOW})


@pytest.mark.parametrize(
    "moves",
    [
        ("sent",),
        ("failed",),
        ("failed", "sent"),
        ("dropped",),
        ("failed", "dropped"),
        ("failed", "failed"),  # failed again on a retry, with what Slack said then
    ],
)
def test_a_proposed_pair_is_sent_fails_is_retried_or_dropped(
    org: Org, as_manager: Callable[[], Connection], moves: tuple[str, ...]
) -> None:
    conn = as_manager()
    _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None)
    for to in moves:
        _move(conn, to)
    assert conn.execute(text("SELECT status FROM introductions")).scalar_one() == moves[-1]
    conn.close()


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (("sent",), "failed"),
        (("failed",), "proposed"),
        (("dropped",), "failed"),
        (("dropped",), "sent"),
        (("failed", "dropped"), "sent"),
        (("failed", "sent"), "failed"),
    ],
)
def test_no_other_move_is_allowed(
    org: Org, as_manager: Callable[[], Connection], start: tuple[str, ...], to: str
) -> None:
    conn = as_manager()
    _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None)
    for step in start:
        _move(conn, step)
    with pytest.raises(DBAPIError, match="introductions_status_moves"):
        _move(conn, to)
    conn.close()


def test_a_failed_pair_keeps_why_and_only_a_failed_one_has_a_failure(
    org: Org, as_manager: Callable[[], Connection]
) -> None:
    conn = as_manager()
    _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None)
    with pytest.raises(IntegrityError, match="failed_has_failure"):
        conn.execute(
            text("UPDATE introductions SET status = 'failed', failed_at = :at"), {"at": NOW}
        )
    conn.close()

    conn = as_manager()
    _intro(conn, org, preview=uuid4(), status="proposed", sent_by=None)
    with pytest.raises(IntegrityError, match="failed_has_failure"):
        conn.execute(text("UPDATE introductions SET failure = 'x', failed_at = :at"), {"at": NOW})
    conn.close()


def test_a_pair_claimed_by_one_sending_cannot_be_claimed_or_sent_by_another(
    org: Org, as_manager: Callable[[], Connection]
) -> None:
    """Two previews of one pair: while the first's DM is under way, the
    second can neither claim the pair nor record it sent."""
    conn = as_manager()
    first, second = uuid4(), uuid4()
    _intro(conn, org, preview=first, status="proposed", sent_by=None)
    _intro(conn, org, preview=second, status="proposed", sent_by=None)
    claim = "UPDATE introductions SET sending_since = :at WHERE preview_id = :p"
    conn.execute(text(claim), {"at": NOW, "p": first})
    with pytest.raises(IntegrityError, match="uq_introductions_sent_pair"):
        conn.execute(text(claim), {"at": NOW, "p": second})
    conn.close()

    conn = as_manager()
    _intro(conn, org, preview=first, status="sent")
    with pytest.raises(IntegrityError, match="claimed_unsent"):
        conn.execute(text("UPDATE introductions SET sending_since = :at"), {"at": NOW})
    conn.close()
