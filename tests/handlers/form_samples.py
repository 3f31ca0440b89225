"""A sample profile and view helpers shared by the form renderer tests
(`test_render_forms.py`, `test_render_booking_forms.py`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain.model import Profile


def person(**changes: Any) -> Profile:
    base = Profile(
        id=5,
        workspace_id="T1",
        slack_user_id="U5",
        display_name="Ana Lima",
        time_zone="Europe/Paris",
        title="Staff engineer",
        department="Platform",
        is_mentor=True,
        bio="I like <!channel> & long walks",
        expertise=("python", "leadership"),
        meeting_link="https://meet.example.com/ana",
        session_minutes=45,
        max_sessions_per_week=4,
    )
    return replace(base, **changes)


def dump(view: Any) -> dict[str, Any]:
    return view.to_dict()


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
