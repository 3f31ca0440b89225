"""The private calendar feed end to end: `/mentor calendar` and its Reset link
button through signed requests, and `GET /calendar/<token>.ics` from the same
WSGI app as the Slack endpoint, read back with icalendar."""

from __future__ import annotations

import hashlib
import http.client
import logging
import re
import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, event, text

from bot.logs import JsonFormatter, QuietLibraries, TextFormatter, fields
from bot.standin.clock import FakeClock
from bot.standin.seen import Kind
from bot.standin.slack_api import FakeSlackServer
from bot.standin.workspace import running_workspace
from domain.availability import add_weekly_slots
from domain.calendar_feed import well_formed
from domain.model import Actor, Repeat
from domain.ports import UnitOfWork
from domain.profiles import MenteeSignup, MentorSignup, identify, register_mentee, register_mentor
from domain.series import accept_series
from domain.sessions import accept, book, cancel, request_session
from handlers import feed as feed_module
from handlers.feed import BodyCache, CalendarFeeds
from handlers.ids import Action
from storage.repos.calendar_feeds import SqlCalendarFeedRepository
from tests.handlers.conftest import NOW, Harness, bot_settings

PUBLIC_URL = "https://mentoring.example.com"
TEMPLATE = "https://meet.example.com/mentoring-{session_token}"
TUESDAY_9 = NOW + timedelta(days=1, hours=1)  # 09:00 UTC, inside Maya's hours
_LINK = re.compile(re.escape(PUBLIC_URL) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture(scope="module")
def harness(app_database_url: str, slack_server: FakeSlackServer) -> Iterator[Harness]:
    settings = bot_settings(
        app_database_url,
        mentorship_public_url=PUBLIC_URL,
        mentorship_meeting_url_template=TEMPLATE,
    )
    with running_workspace(settings, app_database_url, slack_server, FakeClock(NOW)) as workspace:
        yield workspace


@pytest.fixture
def maya(h: Harness) -> int:
    """Maya mentors weekday mornings (UTC); Ben and Cara are mentees. Maya's id."""
    deps, clock = h.bot.deps, h.clock
    identify(deps.uow("T1", "UMAYA"), clock, display_name="Maya Patel", time_zone="UTC")
    mentor = register_mentor(
        deps.uow("T1", "UMAYA"), clock, signup=MentorSignup(department="Eng", expertise="python")
    ).profile
    add_weekly_slots(deps.uow("T1", "UMAYA"), weekdays=range(5), start=time(9), end=time(12))
    for slack_id, name in (("UBEN", "Ben Okafor"), ("UCARA", "Cara Singh")):
        identify(deps.uow("T1", slack_id), clock, display_name=name)
        register_mentee(
            deps.uow("T1", slack_id),
            clock,
            signup=MenteeSignup(department="Sales", learning_goals="python"),
        )
    return mentor.id


def _scheduled(h: Harness, mentee: str, mentor_id: int, starts_at: datetime) -> int:
    deps = h.bot.deps
    session = request_session(
        deps.uow("T1", mentee), h.clock, mentor_id=mentor_id, starts_at=starts_at, topic="Python"
    )
    accept(deps.uow("T1", "UMAYA"), h.clock, session_id=session.id)
    return session.id


def _calendar(h: Harness, user: str) -> tuple[str, list[dict[str, Any]]]:
    before = len(h.slack.calls_to("response_url"))
    assert h.command(user, "calendar").status == 200
    call = h.next_call("response_url", after=before)
    return call.text(), call.blocks()


def _token(said: str) -> str:
    found = _LINK.search(said)
    assert found is not None, said
    return found[1]


def _feed_token(h: Harness, user: str = "UBEN") -> str:
    said, _ = _calendar(h, user)
    return _token(said)


def _http(
    h: Harness, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    where = urlsplit(h.sender.url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _feed(h: Harness, token: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    return _http(h, f"/calendar/{token}.ics", **kwargs)


def _buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def _stored_hashes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT token_hash FROM calendar_feeds")).scalars())


# --- /mentor calendar -----------------------------------------------------------


def test_calendar_shows_a_new_private_link_how_to_subscribe_and_a_reset_button(
    h: Harness, owner_engine: Engine
) -> None:
    said, blocks = _calendar(h, "UBEN")
    token = _token(said)
    shown = str(blocks)
    assert well_formed(token)
    for app, how in (
        ("Google Calendar", "From URL"),
        ("Outlook", "Subscribe from web"),
        ("Apple Calendar", "New Calendar Subscription"),
    ):
        assert app in shown
        assert how in shown
    assert "private" in shown
    assert f"{PUBLIC_URL}/calendar/{token}.ics" in shown
    assert _buttons(blocks) == [Action.RESET_CALENDAR]
    assert _stored_hashes(owner_engine) == [hashlib.sha256(token.encode()).hexdigest()]


def test_calendar_again_says_since_when_and_that_the_link_cannot_be_shown_again(
    h: Harness, owner_engine: Engine
) -> None:
    first = _feed_token(h)
    h.clock.advance(days=2)
    said, blocks = _calendar(h, "UBEN")

    assert _LINK.search(str(blocks)) is None
    assert "can't be shown again" in said
    assert f"<!date^{int(NOW.timestamp())}^" in str(blocks)
    assert _buttons(blocks) == [Action.RESET_CALENDAR]
    assert _stored_hashes(owner_engine) == [hashlib.sha256(first.encode()).hexdigest()]


def test_calendar_reset_link_replaces_the_message_and_the_old_link_stops_working(
    h: Harness, maya: int
) -> None:
    old = _feed_token(h)
    mark = h.mark()
    _calendar(h, "UBEN")  # the feed's message, with its Reset link button
    (message,) = [s for s in h.sights(mark) if s.audience == "UBEN"]
    assert _feed(h, old)[0] == 200

    mark = h.mark()
    h.click("UBEN", Action.RESET_CALENDAR, "", on=message)
    h.settle()
    (replaced,) = [s for s in h.sights(mark) if s.audience == "UBEN"]
    new = _token(str(replaced.params.get("text")))

    assert replaced.kind is Kind.REPLACED
    assert new != old
    assert _feed(h, old)[0] == 404
    assert _feed(h, new)[0] == 200


def test_help_lists_the_calendar_command(h: Harness) -> None:
    before = len(h.slack.calls_to("response_url"))
    h.command("UBEN", "help")
    assert "/mentor calendar" in h.next_call("response_url", after=before).text()


# --- GET /calendar/<token>.ics --------------------------------------------------------


def test_calendar_feed_answers_the_person_s_sessions_as_icalendar(h: Harness, maya: int) -> None:
    bens = _scheduled(h, "UBEN", maya, TUESDAY_9)
    _scheduled(h, "UCARA", maya, TUESDAY_9 + timedelta(hours=1))
    token = _feed_token(h)

    status, headers, body = _feed(h, token)

    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["cache-control"] == "private, max-age=300"
    assert headers["content-disposition"] == 'inline; filename="mentoring.ics"'
    assert re.fullmatch(rf'"{feed_module.RENDERING}-[0-9a-f]{{40}}"', headers["etag"])
    assert _feed(h, token)[1]["etag"] == headers["etag"]
    calendar = Calendar.from_ical(body)
    assert calendar["X-WR-CALNAME"] == "Mentoring"
    assert "METHOD" not in calendar
    (only,) = calendar.walk("VEVENT")
    assert str(only["UID"]).startswith(f"session-{bens}.")
    assert str(only["SUMMARY"]) == "Mentoring: Ben Okafor ↔ Maya Patel"
    assert str(only["STATUS"]) == "CONFIRMED"
    assert only.decoded("DTSTART") == TUESDAY_9
    assert only.decoded("DTEND") == TUESDAY_9 + timedelta(minutes=30)
    assert str(only["LOCATION"]).startswith("https://meet.example.com/mentoring-")
    assert "Python" in str(only["DESCRIPTION"])


def test_calendar_feed_answers_304_while_its_etag_holds_and_200_once_changed(
    h: Harness, maya: int
) -> None:
    session = _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    _, headers, _ = _feed(h, token)
    etag = headers["etag"]

    for asked in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        status, again, body = _feed(h, token, headers={"If-None-Match": asked})
        assert (status, body) == (304, b""), asked
        assert again["etag"] == etag
        assert again["cache-control"] == "private, max-age=300"
    assert _feed(h, token, headers={"If-None-Match": '"other"'})[0] == 200

    cancel(h.bot.deps.uow("T1", "UBEN"), h.clock, session_id=session, reason="Ill")
    status, changed, body = _feed(h, token, headers={"If-None-Match": etag})
    assert status == 200
    assert changed["etag"] != etag
    (cancelled,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] == 1


def test_calendar_feed_head_has_the_headers_and_no_body(h: Harness, maya: int) -> None:
    _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    _, got, body = _feed(h, token)

    status, headers, nothing = _feed(h, token, method="HEAD")

    assert (status, nothing) == (200, b"")
    assert headers["etag"] == got["etag"]
    assert headers["content-length"] == str(len(body))
    assert headers["content-type"] == "text/calendar; charset=utf-8"


def test_calendar_feed_ignores_a_huge_if_none_match(h: Harness, maya: int) -> None:
    token = _feed_token(h)
    _, headers, _ = _feed(h, token)
    huge = ", ".join(['"' + "f" * 64 + '"'] * 40 + [headers["etag"]])

    status, _, body = _feed(h, token, headers={"If-None-Match": huge})

    assert len(huge) > 1024
    assert status == 200
    assert body.startswith(b"BEGIN:VCALENDAR")


def test_calendar_feed_gives_one_and_the_same_404_for_every_token_that_opens_nothing(
    h: Harness,
) -> None:
    old = _feed_token(h)
    h.click("UBEN", Action.RESET_CALENDAR, "")
    h.settle()
    paths = [
        f"/calendar/{old}.ics",  # reset since
        f"/calendar/{'A' * 43}.ics",  # never made
        "/calendar/short.ics",
        f"/calendar/{'A' * 5000}.ics",
        f"/calendar/{old[:-1]}%00.ics",
        f"/calendar/{old}",
        f"/calendar/{old}.ics/more",
        "/calendar/../healthz.ics",
        "/calendar/",
    ]

    answers = {path: _http(h, path) for path in paths}

    assert {(s, hd["content-type"], b) for s, hd, b in answers.values()} == {
        (404, "text/plain", b"Not found\n")
    }


def test_calendar_feed_refuses_other_methods_and_says_which_it_allows(h: Harness) -> None:
    token = _feed_token(h)
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        status, headers, _ = _feed(h, token, method=method)
        assert (status, headers["allow"]) == (405, "GET, HEAD"), method


def test_calendar_feed_is_empty_once_its_person_left(h: Harness, maya: int) -> None:
    _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    assert Calendar.from_ical(_feed(h, token)[2]).walk("VEVENT")

    h.click("UBEN", Action.LEAVE_PROGRAMME, "")
    h.settle()
    status, _, body = _feed(h, token)

    assert status == 200
    assert Calendar.from_ical(body).walk("VEVENT") == []


def test_calendar_feed_runs_two_transactions(h: Harness, maya: int) -> None:
    _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    h.settle()
    begun = []
    lock = threading.Lock()

    def count(*_: object) -> None:
        with lock:
            begun.append(1)

    event.listen(h.bot.engine, "begin", count)
    try:
        assert _feed(h, token)[0] == 200
    finally:
        event.remove(h.bot.engine, "begin", count)
    assert len(begun) == 2


def test_calendar_feed_that_fails_answers_500_with_a_reference_and_no_traceback() -> None:
    def broken(actor: Actor) -> UnitOfWork:
        raise RuntimeError("connection to 10.0.0.7 refused")

    answered: list[str] = []
    feeds = CalendarFeeds(broken, FakeClock(NOW), None)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/calendar/{'A' * 43}.ics"}
    body = b"".join(feeds(environ, lambda status, headers: answered.append(status)))

    assert answered == ["500 Internal Server Error"]
    assert b"ref " in body
    assert b"Traceback" not in body
    assert b"10.0.0.7" not in body


# --- what it costs, what it logs, what it takes ----------------------------------


def test_calendar_feed_answers_a_matching_if_none_match_without_reading_or_making_events(
    h: Harness, maya: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 304 reads one version row, not the sessions; a 200 or HEAD for an
    unchanged feed is served from the bytes made before."""
    _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    made: list[int] = []
    read: list[int] = []
    making, reading = feed_module.published_calendar, SqlCalendarFeedRepository.sessions

    def counted_making(*args: Any, **kwargs: Any) -> bytes:
        made.append(1)
        return making(*args, **kwargs)

    def counted_reading(*args: Any, **kwargs: Any) -> Any:
        read.append(1)
        return reading(*args, **kwargs)

    monkeypatch.setattr(feed_module, "published_calendar", counted_making)
    monkeypatch.setattr(SqlCalendarFeedRepository, "sessions", counted_reading)
    status, headers, body = _feed(h, token)
    assert (status, len(made), len(read)) == (200, 1, 1)

    assert _feed(h, token, headers={"If-None-Match": headers["etag"]})[0] == 304
    assert _feed(h, token)[2] == body
    assert _feed(h, token, method="HEAD")[1]["content-length"] == str(len(body))
    assert (len(made), len(read)) == (1, 1)


def test_the_feed_s_body_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = BodyCache(entries=3, size=100)
    for n in range(5):
        cache.put(f'"{n}"', b"x" * 10)
    assert len(cache) == 3
    assert cache.get('"0"') is None
    assert cache.get('"4"') == b"x" * 10
    cache.put('"big"', b"y" * 90)  # 120 bytes: the least recently used go first
    assert len(cache) == 2
    assert cache.get('"3"') is None
    cache.put('"too big"', b"z" * 101)
    assert cache.get('"too big"') is None
    assert cache.get('"big"') == b"y" * 90


def test_calendar_feed_of_someone_who_left_is_an_empty_calendar_not_a_404(
    h: Harness, maya: int
) -> None:
    _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    h.click("UBEN", Action.LEAVE_PROGRAMME, "")
    h.settle()

    status, headers, body = _feed(h, token)

    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(body)
    assert calendar.name == "VCALENDAR"
    assert (str(calendar["VERSION"]), str(calendar["X-WR-CALNAME"])) == ("2.0", "Mentoring")
    assert calendar.walk("VEVENT") == []
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert _feed(h, token, headers={"If-None-Match": headers["etag"]})[0] == 304
    assert _feed(h, token, method="HEAD")[0] == 200


@pytest.mark.parametrize(
    "asked",
    [
        ", ".join(['"' + "f" * 64 + '"'] * 110),  # some 7.4 KB: under the server's header limit
        ",,,,",
        "W/",
        "not-quoted",
        '"unterminated',
        "\t*\t",
    ],
    ids=["7KB", "commas", "bare W/", "unquoted", "unterminated", "star with tabs"],
)
def test_calendar_feed_takes_any_if_none_match_without_failing(
    h: Harness, maya: int, asked: str
) -> None:
    token = _feed_token(h)
    status, _, body = _feed(h, token, headers={"If-None-Match": asked})
    if asked.strip() == "*":
        assert (status, body) == (304, b"")
    else:
        assert status == 200
        assert body.startswith(b"BEGIN:VCALENDAR")


def test_calendar_feed_head_of_a_malformed_or_unknown_token_is_a_bare_404(h: Harness) -> None:
    for path in ("/calendar/short.ics", f"/calendar/{'A' * 43}.ics", "/calendar/%ff%00.ics"):
        status, headers, body = _http(h, path, method="HEAD")
        assert (status, body, headers["content-length"]) == (404, b"", "10"), path


def test_calendar_feed_refuses_a_post_with_a_body_as_405(h: Harness) -> None:
    token = _feed_token(h)
    status, headers, _ = _feed(
        h, token, method="POST", headers={"Content-Type": "text/calendar", "Content-Length": "0"}
    )
    assert (status, headers["allow"]) == (405, "GET, HEAD")


def _logged(records: list[logging.LogRecord]) -> list[str]:
    """The lines an operator would read, in both formats, as the bot's own log
    handler passes and writes them."""
    quiet = QuietLibraries()
    kept = [record for record in records if quiet.filter(record)]
    return [
        *(TextFormatter().format(record) for record in kept),
        *(JsonFormatter().format(record) for record in kept),
    ]


def test_the_feed_token_is_in_no_log_line_whatever_the_request(
    h: Harness, maya: int, caplog: pytest.LogCaptureFixture
) -> None:
    _scheduled(h, "UBEN", maya, TUESDAY_9)
    token = _feed_token(h)
    h.settle()
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    _, headers, _ = _feed(h, token)
    _feed(h, token, headers={"If-None-Match": headers["etag"]})
    _feed(h, token, method="HEAD")
    _feed(h, token, method="DELETE")
    _http(h, f"/calendar/{token}x.ics")
    _http(h, f"/calendar/{token}.ics/more")
    # Paths that never reach the feeds: Bolt answers them, and the refusal is logged.
    for path in (f"/x/calendar/{token}.ics", f"/{token}"):
        assert _http(h, path)[0] == 404, path
    _http(h, f"//calendar/{token}.ics")  # the server may take it for the feed's path
    assert _http(h, f"/slack/events?{token}", method="POST")[0] == 401
    failing = CalendarFeeds(_broken, FakeClock(NOW), None)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/calendar/{token}.ics"}
    assert b"".join(failing(environ, lambda status, headers: None)).startswith(b"Something")
    h.settle()

    lines = _logged(caplog.records)
    assert any("request rejected" in line for line in lines)
    assert any("calendar feed failed" in line for line in lines)
    leaks = [line for line in lines if token in line]
    assert leaks == []
    # Scrubbed at the source too, for any other handler an operator adds.
    for record in caplog.records:
        if record.name.startswith("mentorbot"):
            assert token not in record.getMessage()
            assert token not in str(fields(record))


def _broken(actor: Actor) -> UnitOfWork:
    raise RuntimeError("connection to 10.0.0.7 refused")


def test_a_feed_names_each_session_of_a_series_by_its_place(h: Harness, maya: int) -> None:
    deps = h.bot.deps
    booked = book(
        deps.uow("T1", "UBEN"),
        h.clock,
        mentor_id=maya,
        starts_at=TUESDAY_9,
        repeat=Repeat(every_weeks=1, times=3),
    )
    accept_series(
        deps.uow("T1", "UMAYA"),
        h.clock,
        series_id=booked.session.series_id or 0,
        seen=[s.starts_at for s in booked.series],
    )

    status, _, body = _feed(h, _feed_token(h))

    assert status == 200
    events = Calendar.from_ical(body).walk("VEVENT")
    assert sorted(str(e["SUMMARY"])[-8:] for e in events) == ["(1 of 3)", "(2 of 3)", "(3 of 3)"]
