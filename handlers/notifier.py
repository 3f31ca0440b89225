"""Sends notices as Slack DMs, and keeps App Homes fresh. A calendar update
goes as an `.ics` file shared into the person's DM, its message with it.

No transaction is open while Slack is called. A notice a person's request
wrote was claimed (leased) as it was written, and comes with its use case's
outcome (`send`); the outbox's deliverer claims what is due in a transaction of
its own (`deliver`). Once a round of DMs has gone, one transaction records how
each went and reads the App Homes to publish (the people the round concerned).
Home publishes are coalesced: at most one per person every `home_every_s`,
the last one showing the state at its time. A failure leaves the notice in
the outbox with the reason and the time of the next try; a permanent refusal
(the person left Slack, say) is recorded and not retried (see domain.outbox for
the bound on tries). A refusal of the bot's own token pauses the workspace:
nothing more is sent there, and its notices wait, until it is heard from.

Each DM carries its notice's id in its message metadata. A notice claimed
again after a claim that recorded no answer (its deliverer was killed between
Slack taking the DM and the record, or lost the connection) is first looked
for in the person's DM: found, it is recorded as delivered, not sent again.
Only such a retry reads the DM; a first send makes one call, as before."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from enum import Enum
from uuid import UUID

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from domain.home import Home, Viewer, open_home, read_homes
from domain.installs import heard_from
from domain.matching import DEFAULT_MATCHING, MatchPolicy, SuggestionMemo
from domain.meeting import meeting_link
from domain.model import Actor, Delivery, NotificationKind, Profile
from domain.outbox import (
    LEASE,
    Failure,
    claim_deliveries,
    delivered,
    settle,
    workspace_unreachable,
)
from domain.ports import Clock, UnitOfWork
from handlers.render.home import HomeData, home_view
from handlers.render.notifications import CalendarDm, calendar_dm, dm_message
from handlers.render.profile import profile_summary
from handlers.render.series_calendar import series_calendar_dm
from handlers.render.stats import dashboard_blocks
from handlers.trace import where

log = logging.getLogger(__name__)

DEFAULT_PERIOD = 30  # days of the dashboard on the App Home
HOME_EVERY_S = 2.0  # at most one Home publish per person this often
# Ten DMs take seconds even when Slack is slow; the lease is minutes.
BATCH = 10
MAX_BATCHES = 20

# Slack's answers that no retry will change.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "channel_not_found",
        "user_disabled",
        "is_archived",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)


# Slack's answers that the bot's token no longer works in the workspace: the
# app was uninstalled or its token revoked. No fault of the notice.
TOKEN_ERRORS = frozenset({"account_inactive", "token_revoked", "invalid_auth", "not_authed"})
# How long a process trusts that a workspace it heard from is not paused.
HEARD_FROM_TTL_S = 60.0

# The message metadata that names the notice a DM delivers (`metadata` of
# chat.postMessage, read back by conversations.history with include_all_metadata).
NOTICE_EVENT = "mentorbot_notice"
# The person's latest messages in the DM looked through for a notice that may
# have gone: it is looked for within minutes of its first try (a lease, or a
# backoff of at most an hour), and the bot writes a person a few DMs an hour.
HISTORY = 100


def notice_metadata(notice_id: UUID) -> dict[str, object]:
    """The metadata of the DM that delivers a notice."""
    return {"event_type": NOTICE_EVENT, "event_payload": {"id": str(notice_id)}}


class Sent(Enum):
    OK = "ok"
    REFUSED = "refused"  # Slack answered no; recorded, retried later or never
    UNREACHABLE = "unreachable"  # no answer at all
    TOKEN_REFUSED = "token_refused"  # the workspace no longer takes the bot's token


class HomeCoalescer:
    """At most one Home publish per person every `every_s` seconds: the first
    goes at once; those asked for meanwhile become one publish when the time
    is up, which reads the Home then (the latest state wins)."""

    def __init__(
        self,
        every_s: float,
        later: Callable[[float, Callable[[], None]], None],
        publish: Callable[[Sequence[Viewer]], None],
    ) -> None:
        self._every_s = every_s
        self._later = later
        self._publish = publish
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], float] = {}  # person -> last publish (monotonic)
        self._waiting: dict[tuple[str, str], Viewer] = {}  # person -> the page to show

    def due(self, viewers: Iterable[Viewer]) -> list[Viewer]:
        """Those of `viewers` to publish now; the others are published later."""
        now = time.monotonic()
        due: dict[tuple[str, str], Viewer] = {}
        with self._lock:
            for key, last in list(self._last.items()):
                if now - last >= self._every_s and key not in self._waiting:
                    del self._last[key]
            for viewer in viewers:
                key = viewer.key
                if key in self._waiting:
                    self._waiting[key] = viewer
                elif key in due or key not in self._last:
                    due[key] = viewer
                    self._last[key] = now
                else:
                    self._waiting[key] = viewer
                    wait = self._last[key] + self._every_s - now
                    self._later(max(wait, 0.0), functools.partial(self._trail, key))
        return list(due.values())

    def opened(self, viewer: Viewer) -> Viewer:
        """The person opened their Home: it goes now, however lately it went
        (they are looking at it), and is the publish any change since was
        waiting for."""
        with self._lock:
            self._waiting.pop(viewer.key, None)
            self._last[viewer.key] = time.monotonic()
        return viewer

    def _trail(self, key: tuple[str, str]) -> None:
        with self._lock:
            viewer = self._waiting.pop(key, None)
            self._last[key] = time.monotonic()
        if viewer is not None:
            self._publish([viewer])


def _at_once(delay_s: float, work: Callable[[], None]) -> None:
    time.sleep(delay_s)
    work()


class SlackNotifier:
    def __init__(
        self,
        client: WebClient,
        unit_of_work: Callable[[Actor], UnitOfWork],
        clock: Clock,
        *,
        managers: Callable[[str, str], bool],
        later: Callable[[float, Callable[[], None]], None] = _at_once,
        home_every_s: float = HOME_EVERY_S,
        meeting_template: str | None = None,
        matching: MatchPolicy = DEFAULT_MATCHING,
    ) -> None:
        """`meeting_template`: the operator's meeting room per session, for
        mentors without a link of their own (`domain.meeting`)."""
        self._client = client
        self._matching = matching
        self._memo = SuggestionMemo()
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._managers = managers  # (workspace, Slack user) -> manages the programme there
        self._template = meeting_template
        self._dm_channels: dict[tuple[str, str], str] = {}  # (workspace, person) -> DM id
        self._heard: dict[str, float] = {}  # workspace -> when last resumed (monotonic)
        self._heard_lock = threading.Lock()
        self.homes = HomeCoalescer(home_every_s, later, self._read_and_publish)

    def heard_from(self, team_id: str) -> None:
        """A signed request came from `team_id`, so the app is installed there:
        resume sending if it was paused. Asks the database at most once a
        `HEARD_FROM_TTL_S` per workspace and process."""
        now = time.monotonic()
        with self._heard_lock:
            if now - self._heard.get(team_id, -HEARD_FROM_TTL_S) < HEARD_FROM_TTL_S:
                return
            self._heard[team_id] = now
        if heard_from(self._unit_of_work(Actor.system(team_id))):
            log.info("workspace %s is back: sending again", team_id)

    def forget_heard_from(self, team_id: str) -> None:
        """The workspace was just paused: the next request from it resumes it."""
        with self._heard_lock:
            self._heard.pop(team_id, None)

    def viewer(self, team_id: str, user_id: str) -> Viewer:
        """Someone's App Home as it first shows (the admins' with the dashboard)."""
        return Viewer(team_id, user_id, admin=self._managers(team_id, user_id))

    def deliver(self, ids: Sequence[UUID] | None) -> int:
        """Claim these notices (all that are due when None) and send them; returns
        how many went.

        Claims are small batches, each sent well within its lease: a notice
        whose lease ran out could be claimed and sent again by another process."""
        if ids is not None and not ids:
            return 0
        sent = 0
        for _ in range(MAX_BATCHES):
            batch = claim_deliveries(
                self._unit_of_work(Actor.system()), self._clock, ids=ids, limit=BATCH
            )
            went, reachable = self._round(batch, one_by_one=True)
            sent += went
            if not reachable or len(batch) < BATCH:
                break
        return sent

    def send(self, notices: Sequence[Delivery], homes: Sequence[Viewer] = ()) -> int:
        """Send notices a person's use case claimed as it wrote them; then publish
        `homes` and the Homes of those the notices went to."""
        return self._round(list(notices), homes)[0]

    def _round(
        self, batch: Sequence[Delivery], homes: Sequence[Viewer] = (), *, one_by_one: bool = False
    ) -> tuple[int, bool]:
        """Send `batch`, then record how it went and publish the Homes it
        concerns in one transaction. Returns how many went, and whether Slack
        could be reached.

        `one_by_one` (the outbox's batches): each DM but the last is marked
        delivered as soon as Slack took it, so a deliverer that dies sends at
        most one DM twice. A request's own notices (one or two, mostly) are all
        marked in the one transaction at the end."""
        started = time.monotonic()
        sent: list[Delivery] = []  # not marked delivered yet
        marked: list[Delivery] = []
        failures: list[Failure] = []
        # Workspaces whose token Slack refused in this round, with their notices.
        held: dict[str, tuple[str, list[UUID]]] = {}
        reachable = True
        for delivery in batch:
            if time.monotonic() - started > LEASE.total_seconds() / 2:
                break  # the rest is claimed again once its lease ends
            if one_by_one and sent:
                # The DM before this one is recorded before this one goes.
                previous = sent.pop()
                delivered(
                    self._unit_of_work(Actor.system()),
                    self._clock,
                    notification_id=previous.notification.id,
                )
                marked.append(previous)
            workspace_id = delivery.notification.workspace_id
            if workspace_id in held:
                held[workspace_id][1].append(delivery.notification.id)
                continue
            outcome, failure = self._send(delivery)
            if outcome is Sent.OK:
                sent.append(delivery)
            elif outcome is Sent.TOKEN_REFUSED:
                assert failure is not None
                held[workspace_id] = (failure.error, [delivery.notification.id])
            elif failure is not None:
                failures.append(failure)
            if outcome is Sent.UNREACHABLE:
                # Slack is down: the rest keep their lease and come back with it.
                reachable = False
                break
        self._hold(held)
        viewers = [*homes]
        viewers += [
            self.viewer(d.recipient.workspace_id, d.recipient.slack_user_id)
            for d in sorted([*marked, *sent], key=lambda d: d.recipient.slack_user_id)
        ]
        due = self.homes.due(viewers)
        if not sent and not failures and not due:
            return len(marked), reachable
        gave_up, read = settle(
            self._unit_of_work(Actor.system()),
            self._clock,
            sent=[d.notification.id for d in sent],
            failures=failures,
            homes=due,
            matching=self._matching,
            memo=self._memo,
        )
        for failure in gave_up:
            log.warning("DM %s given up after %d tries", failure.notice.id, failure.notice.attempts)
        self._publish(read)
        return len(marked) + len(sent), reachable

    def _hold(self, held: dict[str, tuple[str, list[UUID]]]) -> None:
        for workspace_id, (error, notices) in held.items():
            log.warning("workspace %s refuses the bot's token (%s): paused", workspace_id, error)
            workspace_unreachable(
                self._unit_of_work(Actor.system()),
                self._clock,
                workspace_id=workspace_id,
                error=error,
                held=notices,
            )
            self.forget_heard_from(workspace_id)

    def _send(self, delivery: Delivery) -> tuple[Sent, Failure | None]:
        """How the notice went, and what to record when it did not."""
        notice, recipient, session = delivery.notification, delivery.recipient, delivery.session
        link = meeting_link(session, delivery.meeting_link, self._template) if session else None
        zone = recipient.time_zone
        if notice.kind is NotificationKind.CALENDAR_UPDATE:
            invite = self._calendar(delivery, link)
            if invite is None:
                # The domain writes everything an event needs: only a bug gets
                # here, and no retry would mend it.
                log.error("calendar notice %s describes no event", notice.id)
                return Sent.REFUSED, Failure(notice, "no_calendar_event", permanent=True)
            return self._call_slack(delivery, lambda: self._upload(recipient, invite))
        if notice.maybe_sent:
            went = self._went_before(delivery)
            if went is not None:
                return went
        text, blocks = dm_message(
            notice,
            recipient=recipient,
            session=session,
            meeting_link=link,
            zone=zone,
            goals=delivery.goals,
        )
        return self._call_slack(
            delivery,
            lambda: self._client.chat_postMessage(
                channel=recipient.slack_user_id,
                text=text,
                blocks=blocks,
                metadata=notice_metadata(notice.id),
            ),
        )

    def _went_before(self, delivery: Delivery) -> tuple[Sent, Failure | None] | None:
        """For a notice whose last claim may have sent it: OK when its DM is in
        the person's DM already; a failure when Slack cannot be reached to
        tell; None when it is to be sent. A refusal to show the history (an
        install without `im:history`, say) sends it, at worst twice, as before."""
        notice = delivery.notification
        try:
            history = self._client.conversations_history(
                channel=self._dm_channel(delivery.recipient),
                limit=HISTORY,
                include_all_metadata=True,
            )
        except SlackApiError as error:
            log.warning("DM %s: history not read (%s), sent again", notice.id, error)
            return None
        except OSError as error:
            return Sent.UNREACHABLE, Failure(
                notice, f"connection: {type(error).__name__}", permanent=False, maybe_sent=True
            )
        wanted = notice_metadata(notice.id)
        if any(message.get("metadata") == wanted for message in history.get("messages") or []):
            log.info("DM %s had gone before its deliverer stopped: recorded", notice.id)
            return Sent.OK, None
        return None

    def _calendar(self, delivery: Delivery, link: str | None) -> CalendarDm | None:
        """A calendar update's file: one session's, or one for a series."""
        notice, zone = delivery.notification, delivery.recipient.time_zone
        if delivery.series:
            return series_calendar_dm(
                notice,
                delivery.series,
                link=lambda s: meeting_link(s, delivery.meeting_link, self._template),
                zone=zone,
                names=delivery.names,
            )
        return calendar_dm(
            notice, session=delivery.session, meeting_link=link, zone=zone, names=delivery.names
        )

    def _upload(self, recipient: Profile, invite: CalendarDm) -> None:
        """The file and its message in one share: Slack shows the blocks with the
        file (it would drop them beside an `initial_comment`), so a person gets
        both or neither; a share that failed part-way shows nothing, and the
        retry uploads the file again."""
        self._client.files_upload_v2(
            channel=self._dm_channel(recipient),
            filename=invite.filename,
            title=invite.title,
            content=invite.content,
            # files_upload_v2 hands what it does not know on to
            # files.completeUploadExternal untouched (unlike chat_postMessage,
            # it does not serialise blocks): the JSON string that method takes.
            blocks=json.dumps([block.to_dict() for block in invite.blocks]),
        )

    def _dm_channel(self, recipient: Profile) -> str:
        """The id of the bot's DM with the person (a file is shared into a
        channel id, not a user id). A DM's id never changes: each process asks
        Slack once per person; two threads asking at once get the same answer."""
        key = (recipient.workspace_id, recipient.slack_user_id)
        channel = self._dm_channels.get(key)
        if channel is None:
            opened = self._client.conversations_open(users=recipient.slack_user_id)
            channel = str(opened["channel"]["id"])
            self._dm_channels[key] = channel
        return channel

    def _call_slack(
        self, delivery: Delivery, call: Callable[[], object]
    ) -> tuple[Sent, Failure | None]:
        """Make the call(s) that deliver a notice; how it went, and what to
        record when it did not."""
        notice, user_id = delivery.notification, delivery.recipient.slack_user_id
        try:
            call()
        except SlackApiError as error:
            code = str(error.response.get("error") or "unknown_error")
            if code in TOKEN_ERRORS:
                return Sent.TOKEN_REFUSED, Failure(notice, code, permanent=False)
            retry_after = error.response.headers.get("Retry-After") if error.response else None
            log.warning("DM %s to %s failed: %s", notice.id, user_id, code)
            return Sent.REFUSED, Failure(
                notice,
                code,
                permanent=code in PERMANENT_ERRORS,
                retry_after=timedelta(seconds=int(retry_after)) if retry_after else None,
            )
        # The upload URL answered the file's bytes with a status other than 200
        # (an HTTP error status raises OSError: counted as unreachable below).
        except SlackRequestError as error:
            log.warning("DM %s to %s failed: %s", notice.id, user_id, error)
            return Sent.REFUSED, Failure(notice, "upload_refused", permanent=False)
        except OSError as error:  # connection refused, timeouts: Slack unreachable
            log.warning("DM %s to %s failed: %s", notice.id, user_id, error)
            return Sent.UNREACHABLE, Failure(
                notice, f"connection: {type(error).__name__}", permanent=False, maybe_sent=True
            )
        return Sent.OK, None

    def refresh_home(self, viewer: Viewer) -> None:
        """Publish the person's App Home as it is now (or, when it was published
        within the last `home_every_s`, once that time is up). Never raises: it
        follows a change that has committed (someone's feedback, a booking), and
        a Home that could not be built or sent must not report that change as
        failed; the next change or visit publishes it again."""
        due = self.homes.due([viewer])
        if due:
            self._read_and_publish(due)

    def home_opened(self, viewer: Viewer, event_id: str) -> None:
        """Someone opened their App Home: publish it, once per event (Slack
        retries events); the event is recorded in the transaction that reads it."""
        first, home = open_home(
            self._unit_of_work(Actor.system(viewer.workspace_id)),
            self._clock,
            event_id=event_id,
            viewer=self.homes.opened(viewer),
            matching=self._matching,
            memo=self._memo,
        )
        if first and home is not None:
            self._publish({viewer: home})

    def _read_and_publish(self, viewers: Sequence[Viewer]) -> None:
        try:
            homes = read_homes(
                self._unit_of_work(Actor.system()),
                self._clock,
                viewers,
                matching=self._matching,
                memo=self._memo,
            )
        # Whatever went wrong reading them is logged with its traceback.
        except Exception as error:
            log.error("homes not read\n%s", where(error))
            return
        self._publish(homes)

    def _publish(self, homes: dict[Viewer, Home]) -> None:
        for viewer, home in homes.items():
            user_id = viewer.slack_user_id
            try:
                try:
                    self._client.views_publish(user_id=user_id, view=home_view(self._data(home)))
                except SlackApiError as error:
                    if not home.charts:
                        raise
                    # A picture Slack will not show (a file deleted in Slack,
                    # say) must not cost the Home: its text figures go alone.
                    log.warning("home of %s refused with charts: %s", user_id, error)
                    bare = replace(home, charts=())
                    self._client.views_publish(user_id=user_id, view=home_view(self._data(bare)))
            except (SlackApiError, OSError) as error:
                log.warning("home of %s not published: %s", user_id, error)
            # Whatever else went wrong (a refusal, a lost connection, a bug) is
            # logged with its traceback, for this Home only.
            except Exception as error:
                log.error("home of %s not built\n%s", user_id, where(error))

    def _data(self, home: Home) -> HomeData:
        snapshot = home.snapshot
        overview = snapshot.overview
        board = None
        if home.dashboard is not None and snapshot.profile is not None:
            board = dashboard_blocks(home.dashboard, snapshot.profile.time_zone, charts=home.charts)
        return HomeData(
            profile=snapshot.profile,
            rating=snapshot.rating,
            upcoming=overview.upcoming,
            pending=overview.pending,
            past=overview.past,
            earlier=overview.earlier,
            later=overview.later,
            people=overview.people,
            feedback=overview.feedback,
            meeting_links=overview.meeting_links(self._template),
            notifications=snapshot.notifications,
            unread=snapshot.unread,
            now=self._clock.now(),
            dashboard=board,
            profile_blocks=(
                profile_summary(snapshot.profile, snapshot.rating) if snapshot.profile else []
            ),
            has_left=snapshot.has_left,
            undelivered=snapshot.undelivered,
            goals=snapshot.goals,
            suggestions=snapshot.suggestions,
        )
