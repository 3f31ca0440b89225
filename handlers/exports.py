"""The dashboard's "Export per-mentor CSV": computed after the click was
acknowledged (a big programme takes seconds), then uploaded as a file to the
admin's DM with the bot. When Slack refuses the upload, or cannot be reached,
the admin is told in that DM, where the file was to arrive, what happened and
what to do (posting to a person's id needs no im:write)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from domain.analytics import mentor_table
from handlers.context import HandlerDeps, Who
from handlers.render.export import export_comment, export_filename, mentor_csv
from handlers.render.stats import period_label

log = logging.getLogger("mentorbot.exports")

NEEDS_PERMISSIONS = (
    "The CSV was not sent. The app needs the files:write and im:write permissions:"
    " reinstall it from manifest.yml."
)
NOT_UPLOADED = "The CSV could not be uploaded to Slack just now; please try again."


def send_mentor_csv(
    client: WebClient, deps: HandlerDeps, person: Who, *, period_days: int | None
) -> None:
    table = mentor_table(
        deps.uow(person.team_id, person.user_id), deps.clock, period_days=period_days
    )
    label = period_label(period_days)
    try:
        # files.completeUploadExternal shares into a channel id, so the DM is opened first.
        opened = client.conversations_open(users=person.user_id)
        client.files_upload_v2(
            channel=opened["channel"]["id"],
            filename=export_filename(table),
            title=f"Mentors — {label}",
            content=mentor_csv(table),
            initial_comment=export_comment(table, label),
        )
    except SlackApiError as error:
        code = str(error.response.get("error") or "unknown_error")
        log.warning("CSV export for %s not uploaded: %s", person.user_id, code)
        _tell(client, person, NEEDS_PERMISSIONS if code == "missing_scope" else NOT_UPLOADED)
    # The file's bytes refused by the upload URL (SlackRequestError), or Slack
    # unreachable (OSError: refused connections, timeouts).
    except (SlackRequestError, OSError) as error:
        log.warning("CSV export for %s not uploaded: %s", person.user_id, type(error).__name__)
        _tell(client, person, NOT_UPLOADED)


def _tell(client: WebClient, person: Who, text: str) -> None:
    client.chat_postMessage(channel=person.user_id, text=text)
