"""Engine and session factory, built once at start-up and passed down.

Every setting the application depends on is made per transaction, never per
connection, so the bot runs unchanged behind a pooler in transaction mode
(PgBouncer, managed poolers) that hands each transaction whichever server
connection is free:

- the role: each transaction on the application's engine begins with
  `set_config('role', 'mentorship_app', true)` (what `SET LOCAL ROLE` does), so
  no statement runs as the login role, and the role ends with the transaction;
- the actor and the timeouts, which the unit of work passes down as an execution
  option (`with_transaction_settings`): made in the same statement, so the role
  costs no round trip of its own;
- the time zone: `timezone=UTC` in the startup packet's `options` is refused by
  PgBouncer ("unsupported startup parameter"), so it is set per transaction too;
- no server-side prepared statements (`prepare_threshold=None`): psycopg would
  prepare a statement on one server connection and execute it on another.
  PgBouncer tracks prepared statements only from 1.21 on
  (`max_prepared_statements`), and not every managed pooler does.

Dead connections are found without a round trip of their own (no pre-ping; see
`_begin`): the first statement of a transaction is the settings statement, and a
transaction whose settings statement finds the connection dead has run nothing,
so it is begun once more on a fresh connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import TextClause

from storage.base import APP_ROLE

# The execution option that carries a transaction's own settings (name, value).
TRANSACTION_SETTINGS = "mentorbot_transaction_settings"

# What every transaction of the application's engine begins with.
_APP_ROLE_SETTINGS = (("role", APP_ROLE), ("timezone", "UTC"))

# Older than this, a pooled connection is closed at its next checkout instead
# of being used: it bounds how long a connection a pooler, a proxy or a
# firewall may have dropped silently stays in the pool.
POOL_RECYCLE_S = 1800

# A peer that vanished without closing the connection (a failed-over server, a
# dropped NAT entry) is noticed by the kernel within about a minute of
# idleness, and a statement sent into a dead connection fails after 10 s
# instead of waiting for TCP's retransmissions (15 min). The keepalives also
# keep idle connections open through load balancers that drop idle flows.
_TCP = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


def sqlalchemy_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://', 1)[0]}://…")


def make_engine(
    url: str,
    *,
    as_app_role: bool = True,
    pool_size: int = 5,
    connect_timeout_s: int = 5,
    pool_timeout_s: float = 2,
    **kwargs: Any,
) -> Engine:
    """An engine whose every transaction runs as the application role.

    With `as_app_role=False` (migrations, tests that set things up as the
    owner), the login role is kept and the connection is made as before: the
    time zone in the startup packet, prepared statements allowed. That engine
    connects to PostgreSQL directly, never through a pooler.
    """
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout_s, **_TCP}
    if as_app_role:
        connect_args["prepare_threshold"] = None
    else:
        # Timestamps come back in UTC whatever the server or database default is.
        connect_args["options"] = "-c timezone=UTC"
    engine = create_engine(
        sqlalchemy_url(url),
        # No pre-ping for the application: it costs a round trip at every
        # checkout, that is every transaction. A dead connection is found by the
        # transaction's first statement instead, and the transaction begun again
        # (see `_begin`). The owner's engine (migrations, tests) keeps it.
        pool_pre_ping=not as_app_role,
        pool_recycle=POOL_RECYCLE_S,
        # Bound values are what people typed (notes, comments): keep them out of
        # error messages and so out of the logs.
        hide_parameters=True,
        pool_size=pool_size,
        # Waiting longer for a pooled connection than Slack waits for an ack
        # (3 s) helps nobody: fail fast and let the error handler answer.
        pool_timeout=pool_timeout_s,
        connect_args=connect_args,
        **kwargs,
    )
    always = _APP_ROLE_SETTINGS if as_app_role else ()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        settings = always + conn.get_execution_options().get(TRANSACTION_SETTINGS, ())
        if not settings:
            return
        statement, params = _set_local(settings)
        try:
            conn.execute(statement, params)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The connection was found dead (the server restarted, a pooler or
            # an administrator closed it) by the transaction's first statement,
            # so nothing of the transaction has run: SQLAlchemy has invalidated
            # it (and every other connection the pool held before now), and the
            # Connection, in no transaction yet, takes a fresh one on next use.
            # Once: a second failure means the database is down, not a stale
            # connection.
            conn.execute(statement, params)

    return engine


def with_transaction_settings(
    engine: Engine, settings: Sequence[tuple[str, str]], **options: Any
) -> Engine:
    """The same engine (same pool) whose transactions also begin with these
    transaction-local settings, in the same statement as the role."""
    return engine.execution_options(**{TRANSACTION_SETTINGS: tuple(settings)}, **options)


def _set_local(settings: Sequence[tuple[str, str]]) -> tuple[TextClause, dict[str, str]]:
    """`SELECT set_config(name, value, true), …`: bound values, because psycopg
    binds server-side and `SET x = $1` is not valid SQL."""
    params: dict[str, str] = {}
    for i, (name, value) in enumerate(settings):
        params[f"n{i}"], params[f"v{i}"] = name, value
    return _set_local_statement(len(settings)), params


@cache
def _set_local_statement(count: int) -> TextClause:
    columns = ", ".join(f"set_config(:n{i}, :v{i}, true)" for i in range(count))
    return text(f"SELECT {columns}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
