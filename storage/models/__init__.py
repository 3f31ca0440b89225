"""Typed table definitions, one module per aggregate. The Alembic migrations are
the schema; these models must match them (a test runs autogenerate against the
migrated database). Importing this package registers every table on
`Base.metadata`, which Alembic and that test read."""

from storage.base import Base
from storage.models.availability import Availability, AvailabilityException
from storage.models.calendar import CalendarFeed
from storage.models.charts import ChartFileRow
from storage.models.digests import DigestRow
from storage.models.events import ProcessedEvent
from storage.models.feedback import Feedback, Rating
from storage.models.goals import GoalHistory, GoalRow
from storage.models.introductions import IntroductionRow
from storage.models.notifications import Notification
from storage.models.nudges import NudgeRow
from storage.models.people import MentorDirectory, User, Workspace
from storage.models.sessions import SeriesRow, SessionBusy, SessionHistory, SessionRow
from storage.models.settings import SettingsAuditRow, WorkspaceSettingsRow
from storage.models.snapshots import AnalyticsSnapshot

__all__ = [
    "AnalyticsSnapshot",
    "Availability",
    "AvailabilityException",
    "Base",
    "CalendarFeed",
    "ChartFileRow",
    "DigestRow",
    "Feedback",
    "GoalHistory",
    "GoalRow",
    "IntroductionRow",
    "MentorDirectory",
    "Notification",
    "NudgeRow",
    "ProcessedEvent",
    "Rating",
    "SeriesRow",
    "SessionBusy",
    "SessionHistory",
    "SessionRow",
    "SettingsAuditRow",
    "User",
    "Workspace",
    "WorkspaceSettingsRow",
]
