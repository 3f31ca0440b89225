"""Uploads the dashboard's charts to Slack, once per snapshot whose figures
changed (the `analytics` job's second step; see `domain.charts`).

Slack's supported way to show an uploaded picture in Block Kit: upload it with
`files_upload_v2` (files.getUploadURLExternal, the bytes, then
files.completeUploadExternal) *without* a channel, so the file is the app's own
and posted nowhere, then name it in an image block as `slack_file: {"id": ...}`
(`handlers.render.stats.chart_blocks`). Slack's one condition is that whoever
posts the blocks can access the file: the app uploaded it, so it can. No
public URL is ever made. (Checked against Slack's documentation and the
stand-in, not yet against a real workspace's Home tab.)

Replaced files are not deleted: a digest posted earlier still names its
picture, and a Home published a minute ago its own.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from domain.chart_ports import ChartFile, ChartKind
from domain.charts import ChartSource, chart_sources, keep_charts
from domain.ports import Clock, UnitOfWork
from handlers.render.charts import ChartPlan, can_draw, draw, plan_charts

log = logging.getLogger(__name__)


def publish_charts(
    client: WebClient,
    system_uow: Callable[[], UnitOfWork],
    clock: Clock,
    workspace_id: str,
) -> int:
    """Draw and upload the workspace's charts whose figures changed since their
    picture was uploaded; forget the pictures of charts that have nothing to
    show any more, or whose new picture could not be uploaded (a picture of
    older figures beside the current text would mislead; the next tick tries
    again). Returns how many pictures were uploaded: none, and nothing read,
    without the `charts` extra."""
    if not can_draw():
        _say_charts_are_off()
        return 0
    uploads = 0
    for source in chart_sources(system_uow, clock, workspace_id):
        plans = plan_charts(source.data)
        uploaded: list[ChartFile] = []
        failed: list[ChartKind] = []
        for plan in plans:
            known = source.files.get(plan.kind)
            if known is not None and known.key == plan.key:
                continue  # the same figures: the picture uploaded before shows them
            file_id = _upload(client, workspace_id, source, plan)
            if file_id is None:
                failed.append(plan.kind)
                continue
            uploaded.append(
                ChartFile(
                    plan.kind, file_id, plan.key, plan.title, plan.alt_text, source.computed_at
                )
            )
        planned = {plan.kind for plan in plans}
        emptied = [kind for kind in source.files if kind not in planned or kind in failed]
        # Always: it also ends this scheduler's lease of the period.
        keep_charts(
            system_uow, clock, workspace_id, source.period_days, uploaded=uploaded, emptied=emptied
        )
        uploads += len(uploaded)
    return uploads


def _upload(
    client: WebClient, workspace_id: str, source: ChartSource, plan: ChartPlan
) -> str | None:
    """The uploaded file's id, or None when the chart could not be drawn, or
    Slack refused it or could not be reached."""
    period = "all" if source.period_days is None else f"{source.period_days}d"
    try:
        png = draw(source.data, plan.kind)
    # matplotlib refuses a text it cannot lay out with a ValueError: that
    # chart is left out (as a failed upload is), not the period's others.
    except ValueError as error:
        log.error("chart %s (%s) for %s not drawn: %s", plan.kind, period, workspace_id, error)
        return None
    try:
        reply = client.files_upload_v2(
            content=png,
            filename=f"{plan.kind}-{period}.png",
            title=plan.title,
            alt_txt=plan.alt_text,
        )
    except (SlackApiError, SlackRequestError, OSError) as error:
        log.warning("chart %s (%s) for %s not uploaded: %s", plan.kind, period, workspace_id, error)
        return None
    file = reply.get("file")
    file_id = file.get("id") if isinstance(file, dict) else None
    if not isinstance(file_id, str) or not file_id:
        log.warning("chart %s (%s) for %s: Slack named no file", plan.kind, period, workspace_id)
        return None
    return file_id


@functools.cache
def _say_charts_are_off() -> None:
    # Once per process: the job runs every few minutes.
    log.info("matplotlib is not installed (the charts extra): the dashboard shows text only")
