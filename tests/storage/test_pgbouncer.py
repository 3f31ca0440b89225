"""The bot behind PgBouncer in transaction pooling mode, with two server
connections for many clients: whoever's transaction a server connection ran
last, the next one runs as its own actor, role and timeouts; a server
connection that dies, or PgBouncer restarting, fails no request; and the
storage and handler flows work unchanged through it.

PgBouncer is started here on a free loopback port (tests/pgbouncer.py); the
module is skipped, saying why, where the binary is missing (`scripts/test`
installs it on Debian). `--through-pgbouncer` runs the whole suite this way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import Engine, text

from domain.model import Actor
from storage.base import APP_ROLE
from storage.engine import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork
from tests import pg, pgbouncer
from tests.roundtrips import RoundTrips, a_bot_on, a_morning_of_requests
from tests.storage.seed import BASE_TIME, add_session, add_user, set_actor

if reason := pgbouncer.unavailable():
    pytest.skip(f"PgBouncer: {reason}", allow_module_level=True)

SERVER_CONNECTIONS = 2
PEOPLE = 8  # mentor-mentee pairs, each with a session only they may see
THREADS = 16  # a member and a system actor per pair
ROUNDS = 25  # transactions per thread


@pytest.fixture(scope="module")
def bouncer(server_url: str) -> Iterator[pgbouncer.PgBouncer]:
    with pgbouncer.running(server_url, pool_size=SERVER_CONNECTIONS) as running:
        yield running


@pytest.fixture(scope="module")
def through(bouncer: pgbouncer.PgBouncer, database_url: str) -> Iterator[Engine]:
    """The application's engine, through PgBouncer: more client connections
    than PgBouncer has server connections."""
    engine = make_engine(bouncer.url(database_url), pool_size=THREADS, max_overflow=0)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Pair:
    mentee: str
    session_id: int


@pytest.fixture(scope="module")
def pairs(through: Engine) -> list[Pair]:
    with through.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))
        made = []
        for i in range(PEOPLE):
            mentor = add_user(conn, "T1", f"UMENTOR{i}", mentor=True)
            mentee = add_user(conn, "T1", f"UMENTEE{i}", mentee=True)
            session = add_session(conn, "T1", mentor, mentee, starts_at=BASE_TIME)
            made.append(Pair(f"UMENTEE{i}", session))
    return made


_WHO_AM_I = text(
    "SELECT current_user, current_setting('app.slack_user_id'), current_setting('app.role'),"
    " current_setting('statement_timeout'), current_setting('lock_timeout'),"
    " pg_backend_pid(), (SELECT array_agg(id ORDER BY id) FROM sessions)"
)


def test_no_transaction_sees_what_another_set_on_the_same_server_connection(
    through: Engine, owner_engine: Engine, pairs: list[Pair]
) -> None:
    """Sixteen threads share two server connections, so a server connection
    runs one person's transaction, then another's, then a job's. Each sees its
    own actor, role and timeouts, and a member only the session of their own.

    The server connections are replaced once every client connection is open,
    as PgBouncer replaces them after `server_lifetime` (an hour by default), a
    server restart or a failover. Were the role set once per client connection
    (`SET ROLE` on connect, as the bot once did), it would have run on the
    server connections of that moment only: every later transaction would run
    on a new server connection as the login role (a superuser here, which
    row-level security does not hold), and member A would see B's session. The
    next test shows PgBouncer keeping a session-level SET ROLE on the server
    connection rather than with the client."""
    opened = [through.connect() for _ in range(THREADS)]  # all the pool's client connections
    for conn in opened:
        conn.execute(text("SELECT 1"))
        conn.commit()  # two server connections: one transaction at a time here
    for conn in opened:
        conn.close()
    _terminate_servers(owner_engine)
    factory = make_session_factory(through)
    every_session = sorted(pair.session_id for pair in pairs)
    seen_backends: set[int] = set()
    wrong: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run(actor: Actor, expected: dict[str, object]) -> None:
        start.wait()
        for _ in range(ROUNDS):
            with SqlUnitOfWork(factory, actor) as uow:
                uow.session.execute(text("SELECT pg_sleep(0.002)"))  # overlap the threads
                row = uow.session.execute(_WHO_AM_I).one()
            (role, user, actor_role, statement_timeout, lock_timeout, backend, visible) = row
            got = {
                "role": role,
                "user": user,
                "actor_role": actor_role,
                "timeouts": (statement_timeout, lock_timeout),
                "visible": visible,
            }
            with lock:
                seen_backends.add(backend)
                if got != expected:
                    wrong.append(f"{actor}: {got} != {expected}")

    threads = []
    for pair in pairs:
        member = Actor.member("T1", pair.mentee)
        threads.append(
            threading.Thread(
                target=run,
                args=(
                    member,
                    {
                        "role": APP_ROLE,
                        "user": pair.mentee,
                        "actor_role": "member",
                        "timeouts": ("2s", "1500ms"),
                        "visible": [pair.session_id],
                    },
                ),
            )
        )
        threads.append(
            threading.Thread(
                target=run,
                args=(
                    Actor.system("T1"),
                    {
                        "role": APP_ROLE,
                        "user": "",
                        "actor_role": "system",
                        "timeouts": ("1min", "10s"),
                        "visible": every_session,
                    },
                ),
            )
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert len(seen_backends) <= SERVER_CONNECTIONS  # many clients, two servers


def test_pgbouncer_hands_a_session_level_role_to_other_clients(
    server_url: str, database_url: str
) -> None:
    """Why nothing may be set per connection: in transaction pooling mode a
    `SET ROLE` outside a transaction stays on the server connection it ran on,
    and the next client to get that server connection runs as that role."""
    with pgbouncer.running(server_url, pool_size=2) as own:
        url = own.url(database_url)
        with (
            psycopg.connect(url, autocommit=True, prepare_threshold=None) as setter,
            psycopg.connect(url, prepare_threshold=None) as first,
            psycopg.connect(url, prepare_threshold=None) as second,
        ):
            login = setter.execute("SELECT current_user").fetchone()
            setter.execute(f"SET ROLE {APP_ROLE}")
            # Both server connections held at once, by two other clients:
            roles = sorted(
                str((client.execute("SELECT current_user").fetchone() or ("",))[0])
                for client in (first, second)
            )
            for client in (first, second):
                client.execute("RESET ROLE")
                client.commit()
    assert login is not None
    assert roles == sorted([APP_ROLE, str(login[0])])


def _terminate_servers(owner_engine: Engine) -> int:
    with owner_engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        conn.commit()
    return int(killed)


def _mentee_sees(factory_engine: Engine, pair: Pair) -> list[int]:
    factory = make_session_factory(factory_engine)
    with SqlUnitOfWork(factory, Actor.member("T1", pair.mentee)) as uow:
        return list(uow.session.execute(text("SELECT id FROM sessions")).scalars())


def test_killed_server_connections_fail_no_request(
    through: Engine, owner_engine: Engine, pairs: list[Pair]
) -> None:
    assert _mentee_sees(through, pairs[0]) == [pairs[0].session_id]
    assert _terminate_servers(owner_engine) >= 1
    assert _mentee_sees(through, pairs[0]) == [pairs[0].session_id]


def test_a_restarted_pgbouncer_fails_no_request(
    server_url: str, database_url: str, pairs: list[Pair]
) -> None:
    """Its restart closes every client connection the pool holds: the next
    transaction finds its connection dead at its first statement, and is begun
    again on a new one."""
    with pgbouncer.running(server_url, pool_size=2) as first:
        engine = make_engine(first.url(database_url), pool_size=2)
        try:
            assert _mentee_sees(engine, pairs[1]) == [pairs[1].session_id]
            port = first.port
        except BaseException:
            engine.dispose()
            raise
    try:
        with pgbouncer.running(server_url, pool_size=2, port=port):
            assert _mentee_sees(engine, pairs[1]) == [pairs[1].session_id]
    finally:
        engine.dispose()


@pytest.fixture
def story_database(server_url: str, template_database: str) -> Iterator[str]:
    name = pg.fresh_name("mentorbot_pgbouncer_story")
    yield pg.create_database(server_url, name, template=template_database)
    pg.drop_database(server_url, name)


def test_the_requests_of_a_mentorship_run_through_pgbouncer(
    bouncer: pgbouncer.PgBouncer, story_database: str
) -> None:
    """Sign-ups, availability, search, booking, accepting, lists and the Home
    tab, the bot's listener threads and post-ack work included, with each
    transaction costing BEGIN, one settings statement, its own statements and
    the end."""
    url = bouncer.url(story_database)
    with a_bot_on(url) as workspace:
        measured = a_morning_of_requests(workspace, RoundTrips(workspace.bot.engine))
        engine = workspace.bot.engine
        with engine.begin() as conn:
            set_actor(conn, None, None, "system")
            status = conn.execute(text("SELECT status FROM sessions")).scalar_one()
    assert status == "scheduled"  # booked, then accepted
    for name, trips in measured.items():
        assert trips.kinds["ping"] == trips.kinds["role"] == 0, name
        assert trips.kinds["settings"] == trips.kinds["begin"], name
