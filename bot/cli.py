"""The `mentorbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings, require
from bot.database import database_url
from bot.logs import configure_logging
from storage import migrate as migrations

log = logging.getLogger("mentorbot")


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    started = time.monotonic()
    migrations.upgrade(database_url(settings))
    print(f"database is at the latest schema ({time.monotonic() - started:.1f} s)")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import serve

    require(settings, "slack_bot_token", "slack_signing_secret")
    serve(settings, database_url(settings), host=args.host, port=args.port, workers=args.workers)
    return 0


def _socket(settings: Settings, _args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import build_bot, settle_heap

    require(settings, "slack_bot_token", "slack_signing_secret", "slack_app_token")
    assert settings.slack_app_token is not None
    bot = build_bot(settings, database_url(settings))
    settle_heap()
    handler = SocketModeHandler(bot.app, settings.slack_app_token.get_secret_value())
    handler.start()  # type: ignore[no-untyped-call]  # slack_bolt's start() is unannotated
    return 0


def _scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.runtime import build_bot
    from bot.scheduler import run_forever

    require(settings, "slack_bot_token")
    run_forever(build_bot(settings, database_url(settings)))
    return 0


def _jobs(settings: Settings, args: argparse.Namespace) -> int:
    from bot.jobs import JOBS, run_job
    from bot.runtime import build_bot

    require(settings, "slack_bot_token")
    bot = build_bot(settings, database_url(settings))
    try:
        done = run_job(JOBS[args.name], bot)
    finally:
        bot.close()
    print(f"{args.name}: {done} done")
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from storage.seed import seed

    url = database_url(settings)
    migrations.upgrade(url)
    report = seed(
        url,
        users=args.users,
        mentors=args.mentors,
        sessions=args.sessions,
        seed=args.seed,
        workspace_id=args.workspace,
        now=datetime.now(UTC),
    )
    rows = ", ".join(f"{count} {table}" for table, count in report.counts.items())
    print(f"seeded workspace {report.workspace_id} in {report.seconds:.1f} s: {rows}")
    return 0


def _quiet_unless_verbose(args: argparse.Namespace) -> None:
    # The transcript is the output; the bot's own log lines would interleave with it.
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo.main import run_demo

    _quiet_unless_verbose(args)
    return run_demo(args.data_dir or settings.mentorship_data_dir)


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo.main import run_console

    _quiet_unless_verbose(args)
    return run_console(args.data_dir or settings.mentorship_data_dir, args.as_name)


COMMANDS: dict[str, tuple[str, Callable[[Settings, argparse.Namespace], int]]] = {
    "migrate": ("create or upgrade the database schema (alembic upgrade head)", _migrate),
    "serve": ("run the bot over HTTP: POST /slack/events, GET /healthz", _serve),
    "socket": ("run the bot in Socket Mode (needs SLACK_APP_TOKEN)", _socket),
    "scheduler": ("run the background jobs alone, in the foreground", _scheduler),
    "jobs": ("run one background job once: mentorbot jobs run NAME", _jobs),
    "seed": ("fill a workspace with a deterministic synthetic organisation", _seed),
    "demo": ("play the whole story through the bot, with a stand-in for Slack", _demo),
    "console": (
        "try the bot in the terminal as a demo person: mentorbot console --as ben",
        _console,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot", description="A mentorship platform that lives inside Slack."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, _run) in COMMANDS.items():
        command = subcommands.add_parser(name, help=help_text, description=help_text)
        if name == "serve":
            command.add_argument("--host", default="127.0.0.1")
            command.add_argument("--port", type=int, default=3000)
            command.add_argument("--workers", type=int, default=2)
        if name == "seed":
            command.add_argument("--users", type=int, default=1000)
            command.add_argument("--mentors", type=int, default=100)
            command.add_argument("--sessions", type=int, default=10000)
            command.add_argument("--seed", type=int, default=1)
            command.add_argument("--workspace", default="T1")
        if name in ("demo", "console"):
            command.add_argument(
                "--data-dir",
                type=Path,
                help="where the embedded PostgreSQL lives (default: MENTORSHIP_DATA_DIR);"
                " DATABASE_URL is never used",
            )
        if name == "console":
            command.add_argument(
                "--as",
                dest="as_name",
                metavar="NAME",
                default="ben",
                help="maya, ben, cara or olga (default: ben)",
            )
        if name == "jobs":
            from bot.jobs import JOBS

            runs = command.add_subparsers(dest="action", required=True, metavar="run")
            runs.add_parser("run", help="run a job once").add_argument("name", choices=sorted(JOBS))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        level = "DEBUG" if args.verbose else settings.mentorship_log_level
        configure_logging(settings.mentorship_log_format, level)
        _help, run = COMMANDS[args.command]
        return run(settings, args)
    except SettingsError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
