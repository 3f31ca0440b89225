"""The notices and the dashboard, shown in a slash command's message or on the
Home tab: marking notices read, paging them, choosing the dashboard's period,
exporting its per-mentor figures."""

from __future__ import annotations

from domain.analytics import dashboard
from domain.notifications import mark_all_read, mark_read, notifications_page, unread_count
from handlers.click import Click, Handler, listener
from handlers.context import ensure_known
from handlers.exports import send_mentor_csv
from handlers.ids import Action
from handlers.metadata import NotificationRef, PageRef, PeriodRef
from handlers.render.notifications import notifications_blocks
from handlers.render.stats import dashboard_blocks, dashboard_text


def _mark_read(click: Click) -> None:
    ref = click.carried(NotificationRef)
    mark_read(click.uow(), click.deps.clock, notification_id=ref.notification_id)
    _show_notifications(click, page=1)


def _mark_all_read(click: Click) -> None:
    mark_all_read(click.uow(), click.deps.clock)
    _show_notifications(click, page=1)


def _notifications_page(click: Click) -> None:
    _show_notifications(click, page=click.carried(PageRef).page)


def _show_notifications(click: Click, *, page: int) -> None:
    if click.in_message:
        me = ensure_known(click.deps, click.client, click.person)
        notices = notifications_page(click.uow(), page=page)
        unread = unread_count(click.uow())
        click.respond(
            text=f"You have {unread} unread notifications.",
            blocks=notifications_blocks(notices, unread, me.time_zone),
            replace_original=True,
        )
        page = 1  # the Home tab starts again from the newest notices
    click.deps.notifier.refresh_home(
        click.person.team_id, click.person.user_id, notifications_page=page
    )


def _stats_period(click: Click) -> None:
    ref = click.carried(PeriodRef)
    me = ensure_known(click.deps, click.client, click.person)
    figures = dashboard(click.uow(), click.deps.clock, period_days=ref.days)
    if click.in_message:
        click.respond(
            text=dashboard_text(figures),
            blocks=dashboard_blocks(figures, me.time_zone),
            replace_original=True,
        )
    else:
        click.deps.notifier.refresh_home(
            click.person.team_id, click.person.user_id, period_days=ref.days
        )


def _stats_export(click: Click) -> None:
    ref = click.carried(PeriodRef)
    send_mentor_csv(click.client, click.deps, click.person, period_days=ref.days)


LISTENERS: dict[Action, Handler] = {
    Action.MARK_READ: listener(_mark_read),
    Action.MARK_ALL_READ: listener(_mark_all_read),
    Action.NOTIFICATIONS_PAGE: listener(_notifications_page),
    Action.STATS_PERIOD: listener(_stats_period),
    Action.STATS_EXPORT: listener(_stats_export),
}
