"""Where a session happens: the mentor's own meeting link when they set one,
otherwise a room made for the session from the operator's template
(`MENTORSHIP_MEETING_URL_TEMPLATE`, e.g. `https://meet.jit.si/mentoring-{session_token}`),
otherwise nowhere yet (the people agree on a place themselves)."""

from __future__ import annotations

from urllib.parse import urlsplit

from domain.errors import InvalidInput
from domain.model import Session

PLACEHOLDER = "{session_token}"


def check_template(template: str) -> str:
    """The template, if it makes an http(s) address per session; raises otherwise."""
    if template.count(PLACEHOLDER) != 1:
        raise InvalidInput(f"The meeting URL template must contain {PLACEHOLDER} once.")
    filled = template.replace(PLACEHOLDER, "x")
    parts = urlsplit(filled)
    if parts.scheme not in {"http", "https"} or not parts.netloc or "{" in filled:
        raise InvalidInput("The meeting URL template must be an http(s) address.")
    return template


def meeting_link(session: Session, mentor_link: str | None, template: str | None) -> str | None:
    """The session's meeting link, or None when there is no place to link to."""
    if mentor_link:
        return mentor_link
    if template and session.meeting_token:
        return template.replace(PLACEHOLDER, session.meeting_token)
    return None
