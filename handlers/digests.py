"""Posts the weekly digests the domain says are due; a failure is recorded and
retried at a later tick, and a digest is never posted twice in the normal path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.digest import DigestSchedule, claim_digest, mark_digest_posted, record_digest_failure
from domain.ports import Clock, UnitOfWork
from handlers.notifier import PERMANENT_ERRORS
from handlers.render.digest import digest_message

log = logging.getLogger(__name__)


def post_digests(
    client: WebClient,
    system_uow: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    schedule: DigestSchedule,
    default_channel: str | None,
) -> int:
    posted = 0
    claimed = claim_digest(system_uow(), clock, schedule=schedule, default_channel=default_channel)
    for digest in claimed:
        text, blocks = digest_message(digest)
        workspace_id, week = digest.workspace_id, digest.week_start
        try:
            reply = client.chat_postMessage(channel=digest.channel, text=text, blocks=blocks)
        except SlackApiError as error:
            code = str(error.response.get("error") or "unknown_error")
            retry_after = error.response.headers.get("Retry-After")
            log.warning("digest for %s not posted: %s", digest.workspace_id, code)
            record_digest_failure(
                system_uow(),
                clock,
                error=code,
                permanent=code in PERMANENT_ERRORS,
                retry_after=timedelta(seconds=int(retry_after)) if retry_after else None,
                workspace_id=workspace_id,
                week=week,
            )
            continue
        except OSError as error:
            log.warning("digest for %s not posted: %s", digest.workspace_id, error)
            record_digest_failure(
                system_uow(),
                clock,
                error=type(error).__name__,
                workspace_id=workspace_id,
                week=week,
            )
            continue
        mark_digest_posted(
            system_uow(),
            clock,
            ts=str(reply.get("ts") or ""),
            workspace_id=workspace_id,
            week=week,
        )
        posted += 1
    return posted
