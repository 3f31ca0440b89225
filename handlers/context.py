"""Who is acting in a Slack request, and the dependencies listeners use.

`Deps` is built by `bot` and handed to every listener by one middleware as
`context["deps"]`; the handlers see it only through the `HandlerDeps` protocol.
Another middleware (`resolve_person`) puts the acting person in the context as
`context["person"]`: resolved once per request (first sight included), when
first asked for, so the ack never waits for it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.errors import Unknown
from domain.home import Viewer
from domain.lookups import find_me
from domain.matching import MatchPolicy
from domain.model import Actor, Delivery, Profile, Role
from domain.policy import BookingPolicy
from domain.ports import Clock, Listings, UnitOfWork
from domain.profiles import identify
from handlers.slack_users import slack_user
from handlers.workspaces import Workspaces

T = TypeVar("T")


class Notifier(Protocol):
    def deliver(self, ids: Sequence[UUID] | None) -> int:
        """Claim these notices (all that are due when None) and send them as
        DMs now; returns how many went. What fails stays in the outbox."""
        ...

    def send(self, notices: Sequence[Delivery], homes: Sequence[Viewer] = ()) -> int:
        """Send notices a use case claimed as it wrote them, then publish the
        Homes of `homes` and of the people the notices went to."""
        ...

    def refresh_home(self, viewer: Viewer) -> None:
        """Publish the person's App Home (coalesced: at most one publish per
        person every few seconds, showing the latest state)."""
        ...

    def home_opened(self, viewer: Viewer, event_id: str) -> None:
        """Publish the Home its person opened, once per event."""
        ...

    def heard_from(self, team_id: str) -> None:
        """A signed request came from the workspace: resume sending there."""
        ...

    def forget_heard_from(self, team_id: str) -> None: ...


class Slot(Protocol):
    """Room for one request's work after the ack (see bot.work)."""

    granted: bool

    def acked(self) -> None: ...

    def run(self, work: Callable[[], None]) -> None: ...

    def finish(self) -> None: ...

    def fail(self, error: Exception) -> None: ...


class Work(Protocol):
    def reserve(self, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> Slot: ...


class HandlerDeps(Protocol):
    # Read-only: the listeners never replace them (`Deps` is frozen).
    @property
    def clock(self) -> Clock: ...

    @property
    def workspaces(self) -> Workspaces: ...

    @property
    def meeting_template(self) -> str | None:
        """A meeting room per session for mentors without a link (`domain.meeting`)."""
        ...

    @property
    def matching(self) -> MatchPolicy: ...

    @property
    def notifier(self) -> Notifier: ...

    @property
    def listings(self) -> Listings:
        """Recent search listings, shared by this process's searches."""
        ...

    @property
    def work(self) -> Work: ...

    @property
    def public_url(self) -> str | None:
        """The bot's public base URL, where calendar feeds are served; None: unset."""
        ...

    def uow(self, team_id: str, user_id: str) -> UnitOfWork: ...

    def unit_of_work(self, actor: Actor) -> UnitOfWork: ...

    def system_uow(self) -> UnitOfWork: ...

    def actor(self, team_id: str, user_id: str) -> Actor: ...


@dataclass(frozen=True)
class Who:
    team_id: str
    user_id: str


def who(body: dict[str, Any]) -> Who:
    """The acting person of a command, interaction or event payload."""
    user = body.get("user")
    if isinstance(user, dict):
        team = body.get("team") or {}
        team_id = team.get("id") if isinstance(team, dict) else None
        return Who(str(team_id or user.get("team_id") or ""), str(user.get("id") or ""))
    event = body.get("event") or {}
    # In `user_change` the user is the person the event is about (a dict), not
    # someone acting: such an event has no acting person.
    acting = event.get("user") if isinstance(event.get("user"), str) else None
    return Who(str(body.get("team_id") or ""), str(body.get("user_id") or acting or ""))


@dataclass(frozen=True)
class Person:
    """The acting person, as resolved once for their request."""

    team_id: str
    user_id: str
    admin: bool
    profile: Profile

    @property
    def zone(self) -> str:
        return self.profile.time_zone

    @property
    def name(self) -> str:
        return self.profile.display_name

    def viewer(self, *, period_days: int | None = 30, notifications_page: int = 1) -> Viewer:
        """This person's App Home."""
        return Viewer(
            self.team_id,
            self.user_id,
            admin=self.admin,
            period_days=period_days,
            notifications_page=notifications_page,
        )


class Acting:
    """The acting person of one request: looked up at most once (one
    transaction), and on first sight made known from their Slack profile
    (`users.info`, with no transaction open, then one to record them)."""

    def __init__(self, deps: HandlerDeps, client: WebClient, person: Who) -> None:
        self._deps, self._client, self.who = deps, client, person
        self._lock = threading.Lock()
        self._person: Person | None = None

    @property
    def team_id(self) -> str:
        return self.who.team_id

    @property
    def user_id(self) -> str:
        return self.who.user_id

    @property
    def actor(self) -> Actor:
        return self._deps.actor(self.who.team_id, self.who.user_id)

    def viewer(self, *, period_days: int | None = 30, notifications_page: int = 1) -> Viewer:
        """This person's App Home (no lookup needed)."""
        return Viewer(
            self.who.team_id,
            self.who.user_id,
            admin=self.actor.role is Role.ADMIN,
            period_days=period_days,
            notifications_page=notifications_page,
        )

    @property
    def policy(self) -> BookingPolicy:
        """The booking rules of this person's workspace."""
        return self._deps.workspaces.policy(self.who.team_id)

    def uow(self) -> UnitOfWork:
        """A unit of work acting as this person."""
        return self._deps.unit_of_work(self.actor)

    def known(self, use: Callable[[], T]) -> T:
        """`use`: a use case that reads the acting person in its own unit of
        work, so that someone seen before costs one transaction, not a lookup
        and then the use case. Someone never seen is refused by it before it
        writes anything (`Unknown`), made known, and asked again."""
        try:
            return use()
        except Unknown:
            with self._lock:
                if self._person is not None:
                    raise
                self._person = self._as_person(self._first_sight())
            return use()

    def get(self) -> Person:
        with self._lock:
            if self._person is None:
                self._person = self._resolve()
            return self._person

    def _resolve(self) -> Person:
        return self._as_person(find_me(self.uow()) or self._first_sight())

    def _as_person(self, profile: Profile) -> Person:
        return Person(self.who.team_id, self.who.user_id, self.actor.role is Role.ADMIN, profile)

    def _first_sight(self) -> Profile:
        name, zone, title = self.who.user_id, "UTC", ""
        try:
            said = slack_user(self._client.users_info(user=self.who.user_id).get("user"))
            name, zone, title = said.display_name or name, said.time_zone or zone, said.title
        # An unknown Slack profile, or a Slack that cannot be reached (a lost
        # connection, a timeout), still gets a usable one: the user id as name,
        # until the `profiles` job asks Slack again (handlers.events).
        except (SlackApiError, OSError):
            pass
        return identify(
            self._deps.unit_of_work(self.actor),
            self._deps.clock,
            display_name=name,
            time_zone=zone,
            title=title,
        )


def resolve_person(
    body: dict[str, Any], client: WebClient, context: dict[str, Any], next: Callable[[], None]
) -> None:
    """Middleware: the acting person of the request, as `context["person"]`
    (None for an event no person acts in)."""
    person = who(body)
    context["person"] = (
        Acting(context["deps"], client, person) if person.team_id and person.user_id else None
    )
    next()


Respond = Callable[..., Any]
