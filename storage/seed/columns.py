"""The columns each COPY of the seed writes, in the order its row generators
emit them (storage/seed/rows.py, people.py)."""

from __future__ import annotations

USER_COLUMNS = (
    "id",
    "workspace_id",
    "slack_user_id",
    "display_name",
    "title",
    "department",
    "time_zone",
    "is_mentor",
    "is_mentee",
    "is_active",
    "bio",
    "expertise",
    "learning_goals",
    "meeting_link",
    "session_minutes",
    "max_sessions_per_week",
    "created_at",
    "updated_at",
)
AVAILABILITY_COLUMNS = ("workspace_id", "user_id", "weekday", "start_time", "end_time")
EXCEPTION_COLUMNS = (
    "workspace_id",
    "user_id",
    "kind",
    "first_day",
    "last_day",
    "start_time",
    "end_time",
)
SESSION_COLUMNS = (
    "id",
    "workspace_id",
    "mentor_id",
    "mentee_id",
    "starts_at",
    "ends_at",
    "status",
    "topic",
    "notes",
    "actual_minutes",
    "cancel_reason",
    "previous_starts_at",
    "calendar_sequence",
    "meeting_token",
    "created_at",
    "updated_at",
)
HISTORY_COLUMNS = (
    "workspace_id",
    "session_id",
    "actor_id",
    "from_status",
    "to_status",
    "starts_at",
    "ends_at",
    "reason",
    "created_at",
)
FEEDBACK_COLUMNS = (
    "workspace_id",
    "session_id",
    "author_id",
    "subject_id",
    "subject_role",
    "rating",
    "comment",
    "created_at",
)
NOTIFICATION_COLUMNS = (
    "id",
    "workspace_id",
    "recipient_id",
    "kind",
    "session_id",
    "payload",
    "idempotency_key",
    "created_at",
    "read_at",
    "delivered_at",
    "attempts",
    "next_attempt_at",
)
