"""What a request costs in round trips to PostgreSQL (libpq's trace, counted
in tests/roundtrips.py): each transaction is BEGIN, one statement that sets the
role, the actor and the timeouts, its own statements, and COMMIT or ROLLBACK.
No pre-ping at checkout and no `SET ROLE` of its own: `python -m
bench.round_trips` prints the table."""

from __future__ import annotations

from tests.handlers.conftest import Harness
from tests.roundtrips import RoundTrips, a_morning_of_requests


def test_a_request_spends_no_round_trip_on_pinging_or_on_the_role(h: Harness) -> None:
    measured = a_morning_of_requests(h, RoundTrips(h.bot.engine))
    for name, trips in measured.items():
        kinds = trips.kinds
        assert kinds["ping"] == 0, name
        assert kinds["role"] == 0, name
        assert kinds["settings"] == kinds["begin"], name  # one per transaction
        assert kinds["commit"] + kinds["rollback"] == kinds["begin"], name
