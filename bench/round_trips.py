"""Round trips to PostgreSQL per Slack request, post-ack work included: the
short story of tests/roundtrips.py, on a fresh database, with the fake Slack.

    .venv/bin/python -m bench.round_trips

Each row: round trips in all, then by kind (BEGIN, the transaction's settings
statement, the requests' own statements, COMMIT/ROLLBACK, pre-pings, a role
switch of its own). Connecting is not counted (the pool keeps connections)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from storage.migrate import upgrade
from tests import pg
from tests.roundtrips import RoundTrips, a_bot_on, a_morning_of_requests

KINDS = ("begin", "settings", "statement", "commit", "rollback", "ping", "role")


def main() -> None:
    server = pg.server_url(Path(tempfile.mkdtemp(prefix="round-trips-")))
    name = pg.fresh_name("mentorbot_round_trips")
    url = pg.create_database(server, name)
    try:
        upgrade(url)
        with a_bot_on(url) as workspace:
            measured = a_morning_of_requests(workspace, RoundTrips(workspace.bot.engine))
    finally:
        pg.drop_database(server, name)
    print(f"{'request':<28} {'total':>5}  " + " ".join(f"{kind:>9}" for kind in KINDS))
    total = 0
    for request, trips in measured.items():
        total += trips.total
        counts = " ".join(f"{trips.kinds[kind]:>9}" for kind in KINDS)
        print(f"{request:<28} {trips.total:>5}  {counts}")
    print(f"{'all ' + str(len(measured)) + ' requests':<28} {total:>5}")


if __name__ == "__main__":
    main()
