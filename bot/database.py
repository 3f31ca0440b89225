"""Which PostgreSQL the process uses: DATABASE_URL, or the embedded one."""

from __future__ import annotations

from bot.config import Settings
from storage.embedded import start_embedded


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return start_embedded(settings.mentorship_data_dir)
