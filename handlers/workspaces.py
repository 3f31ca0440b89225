"""What this process knows of each workspace's settings: who manages its
programme and its booking policy, asked for by every request (the acting
person's role, the booking rules) and so kept in memory rather than read in
each request's transactions.

A workspace's settings are read at most once every `ttl_s` (30 s) per
process, with one system transaction, by the first request that needs them
then: that request runs one transaction more than the others (as the first
one after `SlackNotifier.heard_from`'s minute does). A change made through
this process replaces them at once; one made through another process is seen
here within `ttl_s` at most: a manager added or removed elsewhere, or a new
booking policy, takes up to 30 s to reach the requests this process answers.
The weekly digest does not use this copy: it reads each workspace's schedule
in the transaction that claims its digest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from domain.model import Actor
from domain.policy import BookingPolicy
from domain.ports import UnitOfWork
from domain.settings import Defaults, read_settings
from domain.workspace import WorkspaceSettings

TTL_S = 30.0


class Workspaces:
    def __init__(
        self,
        unit_of_work: Callable[[Actor], UnitOfWork],
        defaults: Defaults,
        *,
        ttl_s: float = TTL_S,
    ) -> None:
        self._unit_of_work = unit_of_work
        self.defaults = defaults
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        # workspace -> (its settings, when they were read: monotonic seconds)
        self._known: dict[str, tuple[WorkspaceSettings, float]] = {}

    def settings(self, workspace_id: str) -> WorkspaceSettings:
        """The workspace's settings, read again when older than `ttl_s`."""
        started = time.monotonic()
        with self._lock:
            known = self._known.get(workspace_id)
        if known is not None and started - known[1] < self._ttl_s:
            return known[0]
        # Read outside the lock: other workspaces' requests need not wait for it.
        settings = read_settings(self._unit_of_work(Actor.system(workspace_id)))
        self._keep(workspace_id, settings, started)
        return settings

    def saved(self, workspace_id: str, settings: WorkspaceSettings) -> None:
        """This process just changed the workspace's settings: these are current."""
        self._keep(workspace_id, settings, time.monotonic())

    def _keep(self, workspace_id: str, settings: WorkspaceSettings, as_of: float) -> None:
        with self._lock:
            known = self._known.get(workspace_id)
            # A read that began before a change was saved here must not undo it.
            if known is None or known[1] <= as_of:
                self._known[workspace_id] = (settings, as_of)

    def is_manager(self, workspace_id: str, slack_user_id: str) -> bool:
        return self.defaults.is_manager(self.settings(workspace_id), slack_user_id)

    def policy(self, workspace_id: str) -> BookingPolicy:
        return self.defaults.policy_for(self.settings(workspace_id))
