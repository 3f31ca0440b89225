"""Fixtures shared by several storage test modules. A module that defines a
fixture of the same name (`org` in `test_constraints.py`, `world` in
`test_rls_matrix.py`, ...) uses its own."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from tests.storage.jobs_world import T2_CHANNEL, World
from tests.storage.seed import Org, add_user, make_org, set_actor


@pytest.fixture
def org(app_engine: Engine) -> Org:
    return make_org(app_engine)


@pytest.fixture
def world(
    app_engine: Engine, owner_engine: Engine, session_factory: sessionmaker[OrmSession]
) -> World:
    """T1: mentors Maya and Noor, mentees Ben, Cara and Dev, admin Olga.
    T2: mentor Xia, mentee Yusuf, its own digest channel. T3: nobody."""
    people = {
        "UMAYA": ("T1", "Maya Patel", True, False),
        "UNOOR": ("T1", "Noor Haddad", True, False),
        "UBEN": ("T1", "Ben Okafor", False, True),
        "UCARA": ("T1", "Cara Singh", False, True),
        "UDEV": ("T1", "Dev Rao", False, True),
        "UOLGA": ("T1", "Olga Ivanova", False, False),
        "UXIA": ("T2", "Xia Lin", True, False),
        "UYUSUF": ("T2", "Yusuf Ali", False, True),
    }
    with app_engine.begin() as conn:
        set_actor(conn, None, None, "system")
        conn.execute(
            text(
                "INSERT INTO workspaces (id, digest_channel)"
                " VALUES ('T1', NULL), ('T2', :t2), ('T3', NULL)"
            ),
            {"t2": T2_CHANNEL},
        )
        ids = {
            slack: add_user(conn, ws, slack, mentor=mentor, mentee=mentee, name=name)
            for slack, (ws, name, mentor, mentee) in people.items()
        }
    return World(session_factory, app_engine, owner_engine, ids)
