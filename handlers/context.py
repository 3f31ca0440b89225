"""Who is acting in a Slack request, and the dependencies listeners use.

`Deps` is built by `bot` and handed to every listener by one middleware as
`context["deps"]`; the handlers see it only through the `HandlerDeps` protocol."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.lookups import find_me
from domain.model import Actor, Profile
from domain.policy import BookingPolicy
from domain.ports import Clock, UnitOfWork
from domain.profiles import identify


class Notifier(Protocol):
    def deliver(self, ids: Sequence[UUID] | None) -> int:
        """Send these notices as DMs now (all that are due when None); returns
        how many went. What fails stays in the outbox."""
        ...

    def refresh_home(
        self,
        team_id: str,
        user_id: str,
        *,
        period_days: int | None = 30,
        notifications_page: int = 1,
    ) -> None: ...

    def heard_from(self, team_id: str) -> None:
        """A signed request came from the workspace: resume sending there."""
        ...

    def forget_heard_from(self, team_id: str) -> None: ...


class HandlerDeps(Protocol):
    # Read-only: the listeners never replace them (`Deps` is frozen).
    @property
    def clock(self) -> Clock: ...

    @property
    def policy(self) -> BookingPolicy: ...

    @property
    def notifier(self) -> Notifier: ...

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


def ensure_known(deps: HandlerDeps, client: WebClient, person: Who) -> Profile:
    """The person's profile, created from their Slack profile the first time."""
    known = find_me(deps.uow(person.team_id, person.user_id))
    if known is not None:
        return known
    name, zone, title = person.user_id, "UTC", ""
    try:
        user = client.users_info(user=person.user_id).get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name") or name
        zone = user.get("tz") or zone
        title = profile.get("title") or ""
    except SlackApiError:
        pass  # an unknown Slack profile still gets a usable one: the user id as name
    return identify(
        deps.uow(person.team_id, person.user_id),
        deps.clock,
        display_name=name,
        time_zone=zone,
        title=title,
    )


def after_change(deps: HandlerDeps, uow: UnitOfWork, person: Who) -> None:
    """Once a change committed: send its notices and refresh the actor's home."""
    deps.notifier.deliver(list(uow.new_notifications))
    deps.notifier.refresh_home(person.team_id, person.user_id)


Respond = Callable[..., Any]
