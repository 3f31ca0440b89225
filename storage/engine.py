"""Engine and session factory, built once at start-up and passed down."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage.base import APP_ROLE


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
    """An engine whose every connection runs as the application role.

    The role is switched once per physical connection (`SET ROLE` is session
    state that survives the pool's rollback-on-return); the actor, by contrast,
    is set per transaction by the unit of work.
    """
    engine = create_engine(
        sqlalchemy_url(url),
        pool_pre_ping=True,
        # Bound values are what people typed (notes, comments): keep them out of
        # error messages and so out of the logs.
        hide_parameters=True,
        pool_size=pool_size,
        # Waiting longer for a pooled connection than Slack waits for an ack
        # (3 s) helps nobody: fail fast and let the error handler answer.
        pool_timeout=pool_timeout_s,
        # Timestamps come back in UTC whatever the server or database default is.
        connect_args={"connect_timeout": connect_timeout_s, "options": "-c timezone=UTC"},
        **kwargs,
    )
    if as_app_role:

        @event.listens_for(engine, "connect")
        def _set_role(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {APP_ROLE}")
            # SET ROLE opened a transaction in psycopg's non-autocommit mode.
            dbapi_connection.commit()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
