"""A session between Maya and Ben for the session renderer tests
(`test_render_session_actions.py`, `test_render_sessions.py`,
`test_render_session_modals.py`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.model import Session, SessionStatus
from tests.handlers.samples import BEN, MAYA, NOW

S = SessionStatus
LINK = "https://meet.example.com/maya"


def a_session(
    status: SessionStatus = S.SCHEDULED,
    *,
    starts_in: timedelta = timedelta(hours=3),
    minutes: int = 30,
    session_id: int = 7,
    topic: str = "Career growth",
    **fields: Any,
) -> Session:
    starts = NOW + starts_in
    return Session(
        id=session_id,
        workspace_id="T1",
        mentor_id=MAYA.id,
        mentee_id=BEN.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        status=status,
        topic=topic,
        **fields,
    )
