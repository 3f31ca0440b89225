"""Builds a running bot from settings: engine, units of work, app, HTTP face."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.app import create_app
from bot.config import Settings
from bot.deps import Deps
from bot.work import AfterAck
from bot.wsgi import BotWsgi
from domain.model import Actor
from domain.ports import Clock, UnitOfWork
from domain.skills.vocabulary import vocabulary
from handlers.feed import CalendarFeeds
from storage.engine import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class Bot:
    settings: Settings
    app: App
    deps: Deps
    engine: Engine
    wsgi: BotWsgi

    @property
    def listeners(self) -> AfterAck:
        """The work after acks (`wait_idle`: the bot has finished answering)."""
        return self.deps.work

    def close(self) -> None:
        """Let running work finish, then release the database."""
        self.listeners.shutdown(wait=True)
        self.engine.dispose()


def build_bot(settings: Settings, database_url: str, *, clock: Clock | None = None) -> Bot:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)

    def unit_of_work(actor: Actor) -> UnitOfWork:
        return SqlUnitOfWork(sessions, actor)

    app, deps = create_app(settings, unit_of_work, clock=clock)

    def healthy() -> bool:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    feeds = CalendarFeeds(unit_of_work, deps.clock, settings.mentorship_meeting_url_template)
    secret = settings.slack_signing_secret
    assert secret is not None  # create_app refuses settings without one
    wsgi = BotWsgi(app, healthy, secret.get_secret_value(), deps.work, feeds=feeds)
    return Bot(settings, app, deps, engine, wsgi)


def settle_heap() -> None:
    """For a process that serves until it is stopped, once its bot is built:
    load what every request reads (the skills vocabulary), then leave all that
    lives now out of the garbage collector's full passes (`gc.freeze`). Those
    passes walked the ~280,000 objects built at start and held every thread
    for 120–165 ms, a `/mentor match` at 1M sessions taking 200 ms instead of
    70 (bench/match_speed.py); frozen, they take 13–42 ms. What is frozen is
    still freed when nothing refers to it; only cycles among it would stay."""
    vocabulary()
    gc.collect()
    gc.freeze()
