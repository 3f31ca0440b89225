"""0031..0035 step down to 0030 as 0030 left the functions: their bodies and
who may call them."""

from __future__ import annotations

import psycopg

from storage.base import APP_ROLE
from storage.migrate import downgrade, upgrade

FUNCTIONS = ("busy_periods", "search_mentor_directory")


def _functions(url: str) -> dict[str, tuple[str, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT p.proname, pg_get_functiondef(p.oid), coalesce(p.proacl::text, '')"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.proname = ANY(%s)",
            (list(FUNCTIONS),),
        ).fetchall()
    return {name: (body, acl) for name, body, acl in rows}


def test_downgrading_to_0030_restores_its_functions_and_their_grants(
    empty_database: str,
) -> None:
    upgrade(empty_database, "0030")
    before = _functions(empty_database)
    assert set(before) == set(FUNCTIONS)
    upgrade(empty_database)
    after = _functions(empty_database)
    assert "p_from - interval '240 minutes'" in after["busy_periods"][0]
    assert "::bigint + page_limit" in after["search_mentor_directory"][0]
    for name in FUNCTIONS:
        assert after[name][1] == before[name][1]
        assert APP_ROLE in after[name][1]
    downgrade(empty_database, "0030")
    assert _functions(empty_database) == before
