"""The app manifest validates against Slack's published schema and declares what
the code relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from handlers.render.common import BOT_NAME

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason="Slack's schema lives in ../shared")
def test_the_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))


def test_the_manifest_declares_the_command_home_events_and_least_scopes(
    manifest: dict[str, Any],
) -> None:
    [command] = manifest["features"]["slash_commands"]
    assert (command["command"], command["should_escape"]) == ("/mentor", True)
    assert command["usage_hint"]
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"]
    assert home["messages_tab_enabled"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "user_change",
        "app_uninstalled",
        "tokens_revoked",
    ]
    assert manifest["settings"]["interactivity"]["is_enabled"]
    assert manifest["settings"]["socket_mode_enabled"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "users:read",
        # The CSV export: a file uploaded to the DM with the admin.
        "im:write",
        # A DM whose deliverer died unrecorded is looked for before it goes again.
        "im:history",
        # Introductions: a group DM with a mentee and their new mentor.
        "mpim:write",
        "files:write",
        # Settings: whether the bot is in the digest channel a manager picks.
        "channels:read",
        "groups:read",
    }


def test_the_name_the_bot_tells_people_to_invite_is_the_manifests(
    manifest: dict[str, Any],
) -> None:
    assert manifest["features"]["bot_user"]["display_name"] == BOT_NAME
