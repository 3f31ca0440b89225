"""Repositories: rows in, domain objects out. They flush but never commit.

One module per aggregate lives in `storage.repos`; this module names them all."""

from __future__ import annotations

from storage.repos.availability import SqlAvailabilityRepository
from storage.repos.feedback import SqlFeedbackRepository
from storage.repos.notifications import SqlNotificationRepository
from storage.repos.people import SqlUserRepository, SqlWorkspaceRepository
from storage.repos.rows import profile_from_row, session_from_row
from storage.repos.sessions import SqlSessionRepository

__all__ = [
    "SqlAvailabilityRepository",
    "SqlFeedbackRepository",
    "SqlNotificationRepository",
    "SqlSessionRepository",
    "SqlUserRepository",
    "SqlWorkspaceRepository",
    "profile_from_row",
    "session_from_row",
]
