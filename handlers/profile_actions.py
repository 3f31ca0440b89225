"""A person's own place in the programme: signing up, editing the profile,
weekly availability and its exceptions, stepping down or leaving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.availability import my_schedule, remove_extra_slot, remove_time_off, remove_weekly_slot
from domain.membership import leave_programme, step_down_as_mentor
from handlers.click import Click, Handler, Listener, listener
from handlers.context import after_change, ensure_known
from handlers.ids import Action
from handlers.metadata import SlotRef
from handlers.render.availability import availability_modal
from handlers.render.profile_forms import (
    edit_profile_modal,
    mentee_signup_modal,
    mentor_signup_modal,
)
from handlers.zones import zone_options


def _signup_mentor(click: Click) -> None:
    _profile_form(click, mentor_signup_modal)


def _signup_mentee(click: Click) -> None:
    _profile_form(click, mentee_signup_modal)


def _edit_profile(click: Click) -> None:
    _profile_form(click, edit_profile_modal)


def _profile_form(click: Click, render: Callable[..., Any]) -> None:
    def build() -> Any:
        me = ensure_known(click.deps, click.client, click.person)
        return render(me, zone_options=zone_options(me.time_zone))

    click.open(build)


def _open_availability(click: Click) -> None:
    def build() -> Any:
        me = ensure_known(click.deps, click.client, click.person)
        return availability_modal(my_schedule(click.uow()), me.time_zone, me.session_minutes)

    click.open(build)


def _remover(remove: Callable[..., Any], key: str) -> Listener:
    def run(click: Click) -> None:
        ref = click.carried(SlotRef)
        me = ensure_known(click.deps, click.client, click.person)
        schedule = remove(click.uow(), **{key: ref.row_id})
        view_id = (click.body.get("view") or {}).get("id")
        click.client.views_update(
            view_id=view_id, view=availability_modal(schedule, me.time_zone, me.session_minutes)
        )

    run.__name__ = remove.__name__
    return run


def _leaving(click: Click, leave: Callable[..., list[Any]], done: str) -> None:
    uow = click.uow()
    cancelled = leave(uow, click.deps.clock)
    if cancelled:
        done += f" {len(cancelled)} upcoming sessions were cancelled and the other side told."
    click.tell(done)
    after_change(click.deps, uow, click.person)


def _step_down(click: Click) -> None:
    _leaving(click, step_down_as_mentor, "You are no longer a mentor.")


def _leave_programme(click: Click) -> None:
    _leaving(
        click,
        leave_programme,
        "You have left the mentorship programme. `/mentor signup` brings you back.",
    )


LISTENERS: dict[Action, Handler] = {
    Action.SIGNUP_MENTOR: listener(_signup_mentor, opens_modal=True),
    Action.SIGNUP_MENTEE: listener(_signup_mentee, opens_modal=True),
    Action.EDIT_PROFILE: listener(_edit_profile, opens_modal=True),
    Action.OPEN_AVAILABILITY: listener(_open_availability, opens_modal=True),
    Action.STEP_DOWN: listener(_step_down),
    Action.LEAVE_PROGRAMME: listener(_leave_programme),
    Action.REMOVE_WEEKLY: listener(_remover(remove_weekly_slot, "slot_id")),
    Action.REMOVE_TIME_OFF: listener(_remover(remove_time_off, "time_off_id")),
    Action.REMOVE_EXTRA: listener(_remover(remove_extra_slot, "extra_id")),
}
