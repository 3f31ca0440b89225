"""The dashboard's "Export per-mentor CSV": computed after the click was
acknowledged (a big programme takes seconds), then uploaded as a file to the
admin's DM with the bot. Slack refusing the upload reaches the app's error
handler, which tells the admin something went wrong."""

from __future__ import annotations

from slack_sdk import WebClient

from domain.analytics import mentor_table
from handlers.context import HandlerDeps, Who
from handlers.render.export import export_comment, export_filename, mentor_csv
from handlers.render.stats import period_label


def send_mentor_csv(
    client: WebClient, deps: HandlerDeps, person: Who, *, period_days: int | None
) -> None:
    table = mentor_table(
        deps.uow(person.team_id, person.user_id), deps.clock, period_days=period_days
    )
    label = period_label(period_days)
    # files.completeUploadExternal shares into a channel id, so the DM is opened first.
    opened = client.conversations_open(users=person.user_id)
    client.files_upload_v2(
        channel=opened["channel"]["id"],
        filename=export_filename(table),
        title=f"Mentors — {label}",
        content=mentor_csv(table),
        initial_comment=export_comment(table, label),
    )
