"""The settings modal, rendered: one input per setting with what applies now,
the environment's managers as text only, the latest changes in words; and
the settings form read back from Slack's view state."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from bot.standin.forms import fill
from domain.errors import InvalidInput
from domain.workspace import MAX_MANAGERS, Setting, SettingChange, WorkspaceSettings
from handlers import forms
from handlers.ids import Field, Modal
from handlers.metadata import ShownSettings, decode
from handlers.render.settings import saved_text, settings_modal
from tests.handlers.samples import NOW

SHOWN = WorkspaceSettings(
    managers=frozenset({"UMAYA"}),
    digest_channel="C0MENTORING",
    digest_weekday=4,
    digest_time=time(16, 30),
    digest_zone="Asia/Tokyo",
    min_notice_minutes=180,
    max_open_per_mentee=5,
)
CHANGES = [
    SettingChange(Setting.DIGEST_WEEKDAY, None, "4", "UOLGA", NOW),
    SettingChange(Setting.MANAGERS, "", "UMAYA", "UOLGA", NOW - timedelta(days=1)),
    SettingChange(Setting.MIN_NOTICE, "120", "180", "UMAYA", NOW - timedelta(days=2)),
]


def _modal() -> dict[str, Any]:
    metadata = ShownSettings.of(SHOWN).encode()
    return settings_modal(SHOWN, frozenset({"UOLGA"}), CHANGES, "Europe/Berlin", metadata).to_dict()


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"
    }


def test_the_modal_shows_every_setting_as_it_applies_now() -> None:
    view = _modal()
    inputs = _inputs(view)

    assert view["callback_id"] == Modal.SETTINGS
    assert list(inputs) == [setting.value for setting in Setting]
    assert inputs[Field.MANAGERS]["initial_users"] == ["UMAYA"]
    assert inputs[Field.MANAGERS]["max_selected_items"] == MAX_MANAGERS
    assert inputs[Field.DIGEST_CHANNEL]["initial_conversation"] == "C0MENTORING"
    assert inputs[Field.DIGEST_CHANNEL]["filter"] == {
        "include": ["public", "private"],
        "exclude_bot_users": True,
    }
    assert inputs[Field.DIGEST_WEEKDAY]["initial_option"]["value"] == "4"
    assert inputs[Field.DIGEST_TIME]["initial_time"] == "16:30"
    assert inputs[Field.DIGEST_ZONE]["initial_option"]["value"] == "Asia/Tokyo"
    assert inputs[Field.MIN_NOTICE]["initial_value"] == "3"
    assert (inputs[Field.MAX_OPEN]["min_value"], inputs[Field.MAX_OPEN]["max_value"]) == ("1", "50")
    shown = decode(ShownSettings, view["private_metadata"])
    assert shown is not None
    assert shown.settings() == SHOWN


def test_the_environments_managers_are_text_and_the_latest_changes_read_as_words() -> None:
    view = _modal()
    floor = view["blocks"][0]["elements"][0]["text"]
    assert floor.startswith("Always programme managers")
    assert "<@UOLGA>" in floor
    changes = view["blocks"][-1]["elements"][0]["text"]
    assert "<@UOLGA> changed the digest day from the default to Friday" in changes
    assert "<@UOLGA> changed the managers from nobody to <@UMAYA>" in changes
    assert "<@UMAYA> changed the minimum notice from 2 hours to 3 hours" in changes
    assert f"<!date^{int(NOW.timestamp())}^" in changes


def test_the_confirmation_names_each_change() -> None:
    assert saved_text(CHANGES[:1]) == (
        "Settings saved. You changed the digest day from the default to Friday."
    )


def test_the_form_reads_back_what_slack_submits() -> None:
    view = _modal()
    state = {"values": {field: {"value": element} for field, element in fill(view, {}).items()}}
    assert forms.settings_wanted(state) == SHOWN
    state["values"][Field.MIN_NOTICE]["value"]["value"] = "1.5"
    with pytest.raises(InvalidInput) as refused:
        forms.settings_wanted(state)
    assert refused.value.field == Field.MIN_NOTICE
