"""`mentorbot serve`: the HTTP bot under gunicorn (a production WSGI server)."""

from __future__ import annotations

from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from bot.config import Settings
from bot.runtime import build_bot, settle_heap
from bot.scheduler import start_background


class RootLogger(glogging.Logger):
    """Gunicorn's own lines (workers starting, timeouts) go through the bot's
    log handler, so they follow MENTORSHIP_LOG_FORMAT and are scrubbed too."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, database_url: str, options: dict[str, Any]) -> None:
        self._settings = settings
        self._database_url = database_url
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Each worker builds its own engine (connections must not cross a fork)
        # and, unless turned off, ticks the jobs: the database shares the work.
        bot = build_bot(self._settings, self._database_url)
        if self._settings.mentorship_scheduler:
            start_background(bot)
        settle_heap()
        return bot.wsgi


def serve(settings: Settings, database_url: str, *, host: str, port: int, workers: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Bolt answers within Slack's 3 s and runs the rest in its own threads.
        "worker_class": "gthread",
        "threads": 8,
        "timeout": 30,
        # The bot logs one line per Slack request itself (handler, user, outcome);
        # gunicorn's access line would repeat it with less in it.
        "accesslog": None,
        "logger_class": RootLogger,
    }
    _Gunicorn(settings, database_url, options).run()
