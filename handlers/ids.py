"""Every callback_id, action_id and block_id the app uses, in one place."""

from enum import StrEnum


class Action(StrEnum):
    SIGNUP_MENTOR = "signup_mentor"
    SIGNUP_MENTEE = "signup_mentee"
    EDIT_PROFILE = "edit_profile"
    STEP_DOWN = "step_down"
    LEAVE_PROGRAMME = "leave_programme"
    OPEN_AVAILABILITY = "open_availability"
    REMOVE_WEEKLY = "remove_weekly"
    REMOVE_TIME_OFF = "remove_time_off"
    REMOVE_EXTRA = "remove_extra"
    VIEW_PROFILE = "view_profile"
    BOOK = "book"
    SEARCH_PAGE = "search_page"
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    START = "start"
    COMPLETE = "complete"
    NO_SHOW = "no_show"
    LEAVE_FEEDBACK = "leave_feedback"
    JOIN = "join"
    MARK_READ = "mark_read"
    MARK_ALL_READ = "mark_all_read"
    NOTIFICATIONS_PAGE = "notifications_page"
    STATS_PERIOD = "stats_period"
    STATS_EXPORT = "stats_export"
    RESET_CALENDAR = "reset_calendar"


class Modal(StrEnum):
    SIGNUP_MENTOR = "signup_mentor_modal"
    SIGNUP_MENTEE = "signup_mentee_modal"
    EDIT_PROFILE = "edit_profile_modal"
    AVAILABILITY = "availability_modal"
    BOOK = "book_modal"
    RESCHEDULE = "reschedule_modal"
    CANCEL = "cancel_modal"
    DECLINE = "decline_modal"
    COMPLETE = "complete_modal"
    FEEDBACK = "feedback_modal"
    PROFILE = "profile_modal"


class Field(StrEnum):
    """Input block ids; each equals the domain error `field` it reports on."""

    DISPLAY_NAME = "display_name"
    TITLE = "title"
    DEPARTMENT = "department"
    BIO = "bio"
    EXPERTISE = "expertise"
    LEARNING_GOALS = "learning_goals"
    MEETING_LINK = "meeting_link"
    TIME_ZONE = "time_zone"
    WEEKLY_CAP = "max_sessions_per_week"
    SESSION_MINUTES = "session_minutes"
    WEEKDAYS = "weekdays"
    START = "start"
    END = "end"
    FIRST_DAY = "first_day"
    LAST_DAY = "last_day"
    DAY = "day"
    SLOT = "slot"
    TOPIC = "topic"
    REASON = "reason"
    NOTES = "notes"
    ACTUAL_MINUTES = "actual_minutes"
    RATING = "rating"
    COMMENT = "comment"


# Inside an input block, the element's action_id is always this.
VALUE = "value"
