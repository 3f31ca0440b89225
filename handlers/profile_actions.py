"""A person's own place in the programme: signing up, editing the profile,
weekly availability and its exceptions, stepping down or leaving."""

from __future__ import annotations

from collections.abc import Callable

from domain.availability import remove_extra_slot, remove_time_off, remove_weekly_slot
from domain.membership import Departure, leave_programme, step_down_as_mentor
from domain.model import Schedule
from domain.ports import Clock, UnitOfWork
from handlers import screens
from handlers.click import Click, action
from handlers.ids import Action
from handlers.metadata import SlotRef
from handlers.render.profile_forms import (
    edit_profile_modal,
    mentee_signup_modal,
    mentor_signup_modal,
)


@action(Action.SIGNUP_MENTOR, opens_modal=True)
def handle_action_signup_mentor(click: Click) -> None:
    click.open(lambda: screens.profile_form(click.acting, mentor_signup_modal))


@action(Action.SIGNUP_MENTEE, opens_modal=True)
def handle_action_signup_mentee(click: Click) -> None:
    click.open(lambda: screens.profile_form(click.acting, mentee_signup_modal))


@action(Action.EDIT_PROFILE, opens_modal=True)
def handle_action_edit_profile(click: Click) -> None:
    click.open(lambda: screens.profile_form(click.acting, edit_profile_modal))


@action(Action.OPEN_AVAILABILITY, opens_modal=True)
def handle_action_open_availability(click: Click) -> None:
    click.open(lambda: screens.availability(click.acting))


def _show_availability(click: Click, schedule: Schedule) -> None:
    view_id = (click.body.get("view") or {}).get("id")
    click.client.views_update(view_id=view_id, view=screens.availability(click.acting, schedule))


@action(Action.REMOVE_WEEKLY)
def handle_action_remove_weekly(click: Click) -> None:
    ref = click.carried(SlotRef)
    _show_availability(click, remove_weekly_slot(click.uow(), slot_id=ref.row_id))


@action(Action.REMOVE_TIME_OFF)
def handle_action_remove_time_off(click: Click) -> None:
    ref = click.carried(SlotRef)
    _show_availability(click, remove_time_off(click.uow(), time_off_id=ref.row_id))


@action(Action.REMOVE_EXTRA)
def handle_action_remove_extra(click: Click) -> None:
    ref = click.carried(SlotRef)
    _show_availability(click, remove_extra_slot(click.uow(), extra_id=ref.row_id))


def _leaving(click: Click, leave: Callable[[UnitOfWork, Clock], Departure], done: str) -> None:
    departure = leave(click.uow(), click.deps.clock)
    if departure.cancelled:
        done += (
            f" {len(departure.cancelled)} upcoming sessions were cancelled and the other side told."
        )
    click.tell(done)
    click.changed(departure.notices)


@action(Action.STEP_DOWN)
def handle_action_step_down(click: Click) -> None:
    _leaving(click, step_down_as_mentor, "You are no longer a mentor.")


@action(Action.LEAVE_PROGRAMME)
def handle_action_leave_programme(click: Click) -> None:
    _leaving(
        click,
        leave_programme,
        "You have left the mentorship programme. `/mentor signup` brings you back.",
    )
