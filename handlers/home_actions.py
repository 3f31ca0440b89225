"""The notices and the dashboard, shown in a slash command's message or on the
Home tab: marking notices read, paging them, choosing the dashboard's period,
exporting its per-mentor figures, nudging an at-risk pair."""

from __future__ import annotations

from uuid import UUID

from domain.analytics import NOT_ALLOWED
from domain.errors import NotAllowed
from domain.health import nudge_pair
from domain.notifications import read_notices
from handlers import screens
from handlers.click import Click, action
from handlers.exports import send_mentor_csv
from handlers.ids import Action
from handlers.metadata import NotificationRef, PageRef, PairRef, PeriodRef


@action(Action.MARK_READ)
def handle_action_mark_read(click: Click) -> None:
    _read(click, click.carried(NotificationRef).notification_id)


@action(Action.MARK_ALL_READ)
def handle_action_mark_all_read(click: Click) -> None:
    _read(click, None)


def _read(click: Click, notification_id: UUID | None) -> None:
    shown = read_notices(click.uow(), click.deps.clock, notification_id=notification_id)
    if click.in_message:
        text, blocks = screens.notifications(click.acting, read=shown)
        click.respond(text=text, blocks=blocks, replace_original=True)
    # The Home tab starts again from the newest notices.
    click.homes.append(click.acting.viewer())


@action(Action.NOTIFICATIONS_PAGE)
def handle_action_notifications_page(click: Click) -> None:
    page = click.carried(PageRef).page
    if click.in_message:
        text, blocks = screens.notifications(click.acting, page=page)
        click.respond(text=text, blocks=blocks, replace_original=True)
        page = 1  # the Home tab starts again from the newest notices
    click.homes.append(click.acting.viewer(notifications_page=page))


@action(Action.STATS_PERIOD)
def handle_action_stats_period(click: Click) -> None:
    ref = click.carried(PeriodRef)
    if click.in_message:
        text, blocks = screens.stats(click.acting, click.deps, period_days=ref.days)
        click.respond(text=text, blocks=blocks, replace_original=True)
    elif click.me.admin:
        click.homes.append(click.acting.viewer(period_days=ref.days))
    else:
        raise NotAllowed(NOT_ALLOWED)


@action(Action.STATS_EXPORT)
def handle_action_stats_export(click: Click) -> None:
    ref = click.carried(PeriodRef)
    send_mentor_csv(click.client, click.deps, click.acting.who, period_days=ref.days)


@action(Action.NUDGE_PAIR)
def handle_action_nudge_pair(click: Click) -> None:
    # Permission is the domain's (a manager of the pair's workspace): the
    # button's ids alone prove nothing.
    pair = click.carried(PairRef)
    outcome = nudge_pair(
        click.uow(), click.deps.clock, mentor_id=pair.mentor_id, mentee_id=pair.mentee_id
    )
    click.notices.extend(outcome.notices)
    names = " and ".join(sorted(d.recipient.display_name for d in outcome.notices))
    click.tell(f"Nudged {names}: each got a gentle prompt to meet again.")
