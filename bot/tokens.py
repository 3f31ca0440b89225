"""`python -m bot.tokens`: exit 0 when the Slack tokens the bot needs are
configured (environment or `.env`), 1 when they are not, 2 when a setting is
malformed (with the one-line reason). `scripts/run` uses it to choose between
the bot and the demo."""

from __future__ import annotations

import sys

from bot.config import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    return 0 if settings.slack_bot_token and settings.slack_signing_secret else 1


if __name__ == "__main__":
    sys.exit(main())
