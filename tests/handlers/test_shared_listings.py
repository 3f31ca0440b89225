"""`/mentor find` through Bolt over HTTP: the first page's listing (who
matches, and their weekly hours) is read once and shared by the searches of a
workspace for `handlers.listings.TTL_S`, while the sessions of those mentors
and of the searcher are read fresh on every search, so anyone's booking or
cancellation shows at once. A later page is each searcher's own, never kept.

The bot's `Deps` is built by `create_app` and is frozen, with no way to hand
it a clock for its listings; the one middleware gives that very object to
every listener, so each test swaps its `listings` for a `RecentListings` of
its own, on a monotonic clock the test moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.standin.payloads import select, text_input
from domain.policy import DEFAULT_POLICY
from handlers.ids import Action, Field
from handlers.listings import TTL_S, RecentListings
from handlers.metadata import MentorRef
from tests.handlers.booked import at, book, cancel, last_session, slot_values, user_id
from tests.handlers.conftest import NOW, Harness, wait_for
from tests.handlers.people import mentor_and_mentee
from tests.statements import directory_searches
from tests.storage.seed import add_user, set_actor

SLOT = timedelta(minutes=30)
# Maya (Europe/London, weekdays 09:00-12:00, 30-minute sessions) as nobody
# has booked her: the first half hour far enough ahead of the harness's
# Monday 08:00 UTC, 10:00 UTC on that Monday, summer time or not.
MAYAS_FIRST = NOW + DEFAULT_POLICY.minimum_notice
NOORS_HOURS = "mon-fri 10:00-12:00"  # in UTC: her first half hour is Maya's
NEXT_FREE = re.compile(r"Next free: <!date\^(\d+)\^")


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@pytest.fixture
def ticks(h: Harness) -> Iterator[Ticks]:
    clock = Ticks()
    deps = h.bot.deps
    before = deps.listings
    object.__setattr__(deps, "listings", RecentListings(monotonic=clock))
    yield clock
    object.__setattr__(deps, "listings", before)


@dataclass(frozen=True)
class Found:
    """What a search showed its searcher: each card's name and next free time
    (None: none in the booking window), in order; and how often the mentor
    directory was searched meanwhile. `next_page`: the Next button's value."""

    cards: dict[str, datetime | None]
    directory_searches: int
    next_page: str | None = field(default=None, compare=False)


def _shown(h: Harness, user: str, mark: int, searched: int) -> Found:
    replies = [call for call in h.since(mark) if call.method == "response_url"]
    assert len(replies) == 1, replies
    whose = h.reply_to(replies[0])
    assert whose is not None
    assert whose[0] == user
    cards: dict[str, datetime | None] = {}
    next_page = None
    for block in replies[0].blocks():
        for button in block.get("elements", []):
            if button.get("action_id") == Action.SEARCH_PAGE and button["text"]["text"] == "Next":
                next_page = button["value"]
        if block.get("type") != "section":
            continue
        card = block["text"]["text"]
        name = re.match(r"\*([^*]+)\*", card)
        if name is None:
            continue
        assert name.group(1) not in cards, f"{name.group(1)} shown twice"
        free = NEXT_FREE.search(card)
        cards[name.group(1)] = (
            datetime.fromtimestamp(int(free.group(1)), UTC) if free is not None else None
        )
    return Found(cards, searched, next_page)


def find(h: Harness, user: str, query: str = "python") -> Found:
    """`user` types `/mentor find <query>`; read from the message posted to
    that person's response URL, once the bot has finished."""
    h.settle()
    mark = h.mark()
    with directory_searches(h.bot.engine) as searched:
        assert h.command(user, f"find {query}").status == 200
        h.settle()
    return _shown(h, user, mark, len(searched))


def next_page(h: Harness, user: str, shown: Found) -> Found:
    """`user` clicks Next under what `shown` showed them."""
    assert shown.next_page is not None, "no Next button"
    h.settle()
    mark = h.mark()
    with directory_searches(h.bot.engine) as searched:
        assert h.click(user, Action.SEARCH_PAGE, shown.next_page).status == 200
        h.settle()
    return _shown(h, user, mark, len(searched))


def signup_mentee(h: Harness, user: str) -> None:
    mark = h.mark()
    h.command(user, "signup mentee")
    view = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "views.update"], what="the form"
    )[-1].view()
    h.submit(
        user,
        view,
        {Field.DEPARTMENT: text_input("Design"), Field.LEARNING_GOALS: text_input("python")},
    )
    h.settle()


def signup_mentor(
    h: Harness,
    owner_engine: Engine,
    user: str,
    name: str,
    *,
    expertise: str,
    hours: str,
    weekly_cap: str = "",
) -> int:
    """A mentor in UTC with `hours` free every week; their id."""
    h.slack.add_user(user, name, "UTC", "Data Engineer")
    mark = h.mark()
    h.command(user, "signup mentor")
    view = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "views.update"], what="the form"
    )[-1].view()
    form: dict[str, Any] = {
        Field.DEPARTMENT: text_input("Engineering"),
        Field.EXPERTISE: text_input(expertise),
        Field.TIME_ZONE: select("UTC"),
        Field.SESSION_MINUTES: select("30"),
    }
    if weekly_cap:
        form[Field.WEEKLY_CAP] = text_input(weekly_cap)
    reply = h.submit(user, view, form)
    assert "errors" not in reply.body, reply.body
    h.settle()
    mark = h.mark()
    h.command(user, f"availability add {hours}")
    h.settle()
    assert any(c.method == "response_url" for c in h.since(mark))
    return user_id(owner_engine, user)


def noor_of_python(h: Harness, owner_engine: Engine) -> int:
    """Noor, a mentor of python free weekday afternoons (14:00–16:00 UTC)."""
    return signup_mentor(
        h, owner_engine, "UNOOR", "Noor Haddad", expertise="python", hours="mon-fri 14:00-16:00"
    )


def sessions_of(engine: Engine, mentor: int) -> list[tuple[str, datetime, str]]:
    """The mentor's sessions in the database: mentee, start, status."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.slack_user_id, s.starts_at, s.status FROM sessions s"
                " JOIN users u ON u.id = s.mentee_id WHERE s.mentor_id = :m ORDER BY s.starts_at"
            ),
            {"m": mentor},
        ).all()
    return [(row.slack_user_id, row.starts_at, row.status) for row in rows]


def session_of(engine: Engine, mentor: int) -> int:
    """The id of the mentor's one session."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT id FROM sessions WHERE mentor_id = :m"), {"m": mentor}
            ).scalar_one()
        )


def test_two_people_searching_the_same_words_share_one_directory_search(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    noor = noor_of_python(h, owner_engine)
    noors_first = NOW.replace(hour=14)  # the same Monday, 14:00 UTC
    ben = find(h, "UBEN")
    # A mentor on her own search's first page: it is read for her alone,
    # with her left out.
    noor_finds = find(h, "UNOOR")
    assert ben == Found({"Maya Patel": MAYAS_FIRST, "Noor Haddad": noors_first}, 1)
    assert noor_finds == Found({"Maya Patel": MAYAS_FIRST}, 1)
    # Other words are a listing of their own, read once too; Noor is on it,
    # so her page is then read for her alone.
    assert find(h, "UNOOR", "engineering") == Found({"Maya Patel": MAYAS_FIRST}, 2)
    assert find(h, "UBEN", "engineering") == Found(ben.cards, 0)
    assert sessions_of(owner_engine, noor) == []


def test_a_mentor_searching_sees_every_other_mentor_once_over_the_pages(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    noor = noor_of_python(h, owner_engine)
    # Ten more mentors of python, with no weekly time: after Maya and Noor.
    others = [f"Mentor {n:02}" for n in range(1, 11)]
    with h.bot.engine.begin() as conn:
        set_actor(conn, None, None, "system")
        for n, name in enumerate(others, start=1):
            add_user(conn, "T1", f"UMENTOR{n:02}", mentor=True, name=name)
    everyone: dict[str, datetime | None] = {
        "Maya Patel": MAYAS_FIRST,
        "Noor Haddad": NOW.replace(hour=14),
    }
    everyone |= dict.fromkeys(others)

    without_noor = {name: free for name, free in everyone.items() if name != "Noor Haddad"}

    ben_first = find(h, "UBEN")
    noor_first = find(h, "UNOOR")
    # Ten a page, best first; the first page's listing is shared, but Noor,
    # on it, has hers read for her alone, without her.
    assert ben_first == Found(dict(list(everyone.items())[:10]), 1)
    assert noor_first == Found(dict(list(without_noor.items())[:10]), 1)
    assert list(ben_first.cards) == list(everyone)[:10]
    assert list(noor_first.cards) == list(without_noor)[:10]
    # A later page leaves the searcher out as it is read, and is never kept:
    # each click on Next searches the directory, even the same person's again.
    ben_second = next_page(h, "UBEN", ben_first)
    noor_second = next_page(h, "UNOOR", noor_first)
    assert ben_second == Found(dict(list(everyone.items())[10:]), 1)
    assert noor_second == Found(dict(list(without_noor.items())[10:]), 1)
    assert (ben_second.next_page, noor_second.next_page) == (None, None)
    assert {**ben_first.cards, **ben_second.cards} == everyone
    assert {**noor_first.cards, **noor_second.cards} == without_noor
    assert next_page(h, "UBEN", ben_first) == ben_second
    assert next_page(h, "UNOOR", noor_first) == noor_second
    # While the first page is still the shared one.
    assert find(h, "UBEN") == Found(ben_first.cards, 0)
    assert sessions_of(owner_engine, noor) == []


def test_a_searchers_own_session_moves_a_card_of_a_listing_someone_else_read(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    signup_mentee(h, "UCARA")
    noor = signup_mentor(
        h, owner_engine, "UNOOR", "Noor Haddad", expertise="design", hours=NOORS_HOURS
    )
    assert find(h, "UCARA") == Found({"Maya Patel": MAYAS_FIRST}, 1)
    # Ben books Noor (no mentor of python) at Maya's first free time.
    booked = book(h, "UBEN", noor, slot=int(MAYAS_FIRST.timestamp()))
    assert datetime.fromtimestamp(int(booked), UTC) == MAYAS_FIRST
    assert sessions_of(owner_engine, noor) == [("UBEN", MAYAS_FIRST, "requested")]
    # Cara's listing, read before the booking, is Ben's too; his own sessions
    # are read with him, so Maya's card shows him the half hour after his own.
    assert find(h, "UBEN") == Found({"Maya Patel": MAYAS_FIRST + SLOT}, 0)
    assert find(h, "UCARA") == Found({"Maya Patel": MAYAS_FIRST}, 0)


def test_someone_elses_booking_and_cancellation_show_on_a_shared_listing_at_once(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    signup_mentee(h, "UCARA")
    maya = user_id(owner_engine, "UMAYA")
    noor = signup_mentor(
        h,
        owner_engine,
        "UNOOR",
        "Noor Haddad",
        expertise="python",
        hours=NOORS_HOURS,
        weekly_cap="1",
    )
    free = {"Maya Patel": MAYAS_FIRST, "Noor Haddad": MAYAS_FIRST}
    assert find(h, "UBEN") == Found(free, 1)
    # Cara books Maya's first free time; the listing Ben read is still the
    # one shared (the clock of listings has not moved), yet the sessions on
    # it are read with every search: he sees the time taken at once.
    book(h, "UCARA", maya, slot=int(MAYAS_FIRST.timestamp()))
    assert sessions_of(owner_engine, maya) == [("UCARA", MAYAS_FIRST, "requested")]
    taken = free | {"Maya Patel": MAYAS_FIRST + SLOT}
    assert find(h, "UBEN") == Found(taken, 0)
    # Cara herself is busy then: for her, Noor is free only after it.
    assert find(h, "UCARA") == Found(dict.fromkeys(free, MAYAS_FIRST + SLOT), 0)
    # Noor takes one session a week: Cara's booking of her fills her week.
    book(h, "UCARA", noor, slot=int((MAYAS_FIRST + SLOT).timestamp()))
    full = taken | {"Noor Haddad": MAYAS_FIRST + timedelta(days=7)}
    assert find(h, "UBEN") == Found(full, 0)
    # Cara cancels each: its time is free again on Ben's next search.
    cancel(h, "UCARA", session_of(owner_engine, noor), "Something came up")
    assert sessions_of(owner_engine, noor) == [("UCARA", MAYAS_FIRST + SLOT, "cancelled")]
    assert find(h, "UBEN") == Found(taken, 0)
    cancel(h, "UCARA", session_of(owner_engine, maya), "Something came up")
    assert sessions_of(owner_engine, maya) == [("UCARA", MAYAS_FIRST, "cancelled")]
    assert find(h, "UBEN") == Found(free, 0)
    assert find(h, "UCARA") == Found(free, 0)


def test_a_new_mentor_shows_on_a_shared_listing_once_it_is_older_than_its_lifetime(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    signup_mentee(h, "UCARA")
    assert find(h, "UBEN") == Found({"Maya Patel": MAYAS_FIRST}, 1)
    # Noor signs up with the skill searched for: who matches is shared until
    # the listing is TTL_S old.
    noor_of_python(h, owner_engine)
    ticks.advance(TTL_S - 0.25)
    assert find(h, "UBEN") == Found({"Maya Patel": MAYAS_FIRST}, 0)
    assert find(h, "UCARA") == Found({"Maya Patel": MAYAS_FIRST}, 0)
    ticks.advance(0.25)
    both = {"Maya Patel": MAYAS_FIRST, "Noor Haddad": NOW.replace(hour=14)}
    assert find(h, "UCARA") == Found(both, 1)
    # The new listing is kept in turn.
    ticks.advance(TTL_S - 0.25)
    assert find(h, "UBEN") == Found(both, 0)


def test_changed_weekly_hours_show_on_a_shared_listing_once_it_is_older_than_its_lifetime(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    noor = noor_of_python(h, owner_engine)
    before = {"Maya Patel": MAYAS_FIRST, "Noor Haddad": NOW.replace(hour=14)}
    assert find(h, "UBEN") == Found(before, 1)
    # Noor adds Monday noon to her weekly hours; no session changes.
    mark = h.mark()
    h.command("UNOOR", "availability add mon 12:00-13:00")
    h.settle()
    assert any(c.method == "response_url" for c in h.since(mark))
    ticks.advance(TTL_S - 0.25)
    assert find(h, "UBEN") == Found(before, 0)
    ticks.advance(0.25)
    after = before | {"Noor Haddad": NOW.replace(hour=12)}
    assert find(h, "UBEN") == Found(after, 1)
    assert find(h, "UNOOR") == Found({"Maya Patel": MAYAS_FIRST}, 1)
    assert sessions_of(owner_engine, noor) == []


def test_a_searchers_own_booking_fills_the_mentors_week_on_their_card_at_once(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    signup_mentee(h, "UCARA")
    noor = signup_mentor(
        h,
        owner_engine,
        "UNOOR",
        "Noor Haddad",
        expertise="python",
        hours=NOORS_HOURS,
        weekly_cap="1",
    )
    next_week = MAYAS_FIRST + timedelta(days=7)  # Noor's first time a week on
    assert find(h, "UBEN") == Found({"Maya Patel": MAYAS_FIRST, "Noor Haddad": MAYAS_FIRST}, 1)
    book(h, "UCARA", noor, slot=int(MAYAS_FIRST.timestamp()))
    assert sessions_of(owner_engine, noor) == [("UCARA", MAYAS_FIRST, "requested")]
    # The booking screen, read afresh, offers Cara nothing more that week.
    mark = h.mark()
    h.click("UCARA", Action.BOOK, MentorRef(mentor_id=noor).encode())
    offered = wait_for(
        lambda: [c for c in h.since(mark) if c.method == "views.update"], what="the form"
    )[-1].view()
    assert at(slot_values(offered)[0]) == next_week
    # Her card, from the listing Ben read, says so too (and Maya's, that she
    # is busy at Maya's first free time).
    assert find(h, "UCARA") == Found(
        {"Maya Patel": MAYAS_FIRST + SLOT, "Noor Haddad": next_week}, 0
    )


def test_a_searchers_own_cancellation_frees_the_time_on_their_card_at_once(
    h: Harness, ticks: Ticks, owner_engine: Engine
) -> None:
    mentor_and_mentee(h)
    signup_mentee(h, "UCARA")
    maya = user_id(owner_engine, "UMAYA")
    book(h, "UBEN", maya, slot=int(MAYAS_FIRST.timestamp()))
    assert find(h, "UCARA") == Found({"Maya Patel": MAYAS_FIRST + SLOT}, 1)
    assert find(h, "UBEN") == Found({"Maya Patel": MAYAS_FIRST + SLOT}, 0)
    session = last_session(owner_engine)
    assert session.starts_at == MAYAS_FIRST
    cancel(h, "UBEN", session.id, "Something came up")
    assert sessions_of(owner_engine, maya) == [("UBEN", MAYAS_FIRST, "cancelled")]
    assert find(h, "UBEN") == Found({"Maya Patel": MAYAS_FIRST}, 0)
