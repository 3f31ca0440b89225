"""What people may type, defined once: the rules refuse more, and the modals
(handlers.render) import the same numbers for their inputs' `max_length`."""

from __future__ import annotations

TOPIC = 300  # a session's topic
REASON = 500  # why a session was declined or cancelled
NOTES = 3000  # the mentor's meeting notes
COMMENT = 2000  # a feedback comment
NAME = 80  # a display name (what Slack says is cut to it)
TITLE = 100  # a job title (likewise)
DEPARTMENT = 80
BIO = 1000
MEETING_LINK = 500
TAGS_TEXT = 1000  # expertise areas or learning goals, as typed (comma separated)
GOAL_TITLE = 200  # what a mentee wants to learn, in a line
GOAL_NOTES = 1000  # a goal's notes, and the note of one change to it
GOALS = 30  # goals a person keeps (dropped ones too): they are all listed at once
# A recurring booking: every so many weeks, so many sessions in all (the first
# included); "does not repeat" is a single session.
REPEAT_EVERY_WEEKS = (1, 2, 4)
REPEAT_TIMES = (2, 12)  # the fewest and the most
