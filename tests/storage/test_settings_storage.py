"""Workspace settings on PostgreSQL as the application role: the use cases
round-trip them with their audit, and the database itself refuses a member's
write, a forged audit row and a value out of bounds, even when the domain's
own check is skipped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import time, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from domain.errors import InvalidInput, NotAllowed
from domain.model import Actor, Role
from domain.settings import change_settings, read_settings, settings_page
from domain.workspace import Setting, SettingChange, SettingsEdit, WorkspaceSettings
from storage.uow import SqlUnitOfWork
from tests.dates import MONDAY
from tests.fakes.uow import FakeClock

pytestmark = pytest.mark.usefixtures("clean_tables")

NOW = MONDAY + timedelta(hours=8)
FLOOR = frozenset({"UOLGA"})


@pytest.fixture
def uow(session_factory: sessionmaker[OrmSession], owner_engine: Engine) -> type[SqlUnitOfWork]:
    """Workspace T1 exists (first sight wrote it); `uow(actor)` acts in it."""
    with owner_engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (id) VALUES ('T1')"))

    class InT1(SqlUnitOfWork):
        def __init__(self, actor: Actor) -> None:
            super().__init__(session_factory, actor)

    return InT1


def _write(uow: SqlUnitOfWork, work: Callable[[SqlUnitOfWork], object]) -> None:
    """`work` through the repositories, committed: no domain check on the way."""
    with uow:
        work(uow)
        uow.commit()


def _edit(**values: object) -> SettingsEdit:
    return SettingsEdit(
        WorkspaceSettings(**values),  # type: ignore[arg-type]
        frozenset(Setting(name) for name in values),
    )


def _audit(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT actor, at, field, old_value, new_value"
                    " FROM workspace_settings_audit ORDER BY id"
                )
            )
        ]


def test_a_managers_change_round_trips_with_its_audit(
    uow: type[SqlUnitOfWork], owner_engine: Engine
) -> None:
    clock = FakeClock(NOW)
    olga = Actor.admin("T1", "UOLGA")
    change_settings(
        uow(olga),
        clock,
        edit=_edit(
            managers=frozenset({"UMAYA", "UBEN"}),
            digest_channel="C0MENTORING",
            digest_weekday=2,
            digest_time=time(16, 30),
            digest_zone="Europe/Berlin",
            min_notice_minutes=0,
            max_open_per_mentee=50,
        ),
        floor=FLOOR,
    )
    expected = WorkspaceSettings(
        managers=frozenset({"UMAYA", "UBEN"}),
        digest_channel="C0MENTORING",
        digest_weekday=2,
        digest_time=time(16, 30),
        digest_zone="Europe/Berlin",
        min_notice_minutes=0,
        max_open_per_mentee=50,
    )
    assert read_settings(uow(Actor.system("T1"))) == expected
    clock.advance(minutes=3)
    change_settings(uow(olga), clock, edit=_edit(digest_channel=None), floor=FLOOR)

    page = settings_page(uow(olga))
    assert page.settings.digest_channel is None
    assert page.changes[0] == SettingChange(
        Setting.DIGEST_CHANNEL, "C0MENTORING", None, "UOLGA", NOW + timedelta(minutes=3)
    )
    assert [row[2] for row in _audit(owner_engine)] == [
        "managers",
        "digest_channel",
        "digest_weekday",
        "digest_time",
        "digest_zone",
        "min_notice_minutes",
        "max_open_per_mentee",
        "digest_channel",
    ]
    assert _audit(owner_engine)[0] == ("UOLGA", NOW, "managers", "", "UBEN,UMAYA")


def test_a_workspace_without_settings_reads_as_all_defaults(uow: type[SqlUnitOfWork]) -> None:
    assert read_settings(uow(Actor.system("T1"))) == WorkspaceSettings()
    assert read_settings(uow(Actor.system("T9"))) == WorkspaceSettings()  # never seen


def test_the_database_refuses_a_members_settings_even_past_the_domain(
    uow: type[SqlUnitOfWork], owner_engine: Engine
) -> None:
    """The repository, called as a member (as a forged request would, had the
    domain's check been forgotten): the policies refuse the write and the
    audit row, and nothing is stored."""
    change_settings(
        uow(Actor.admin("T1", "UOLGA")), FakeClock(NOW), edit=_edit(digest_weekday=1), floor=FLOOR
    )
    ben = Actor.member("T1", "UBEN")
    with pytest.raises(NotAllowed):
        _write(uow(ben), lambda u: u.settings.save("T1", WorkspaceSettings(digest_weekday=5)))
    change = SettingChange(Setting.DIGEST_CHANNEL, None, "C0BEN", "UBEN", NOW)

    def channel_and_audit(u: SqlUnitOfWork) -> None:
        u.workspaces.set_digest_channel("T1", "C0BEN")  # touches no row: not an admin
        u.settings.record("T1", [change])

    with pytest.raises(NotAllowed):
        _write(uow(ben), channel_and_audit)
    assert read_settings(uow(Actor.system("T1"))) == WorkspaceSettings(digest_weekday=1)
    assert len(_audit(owner_engine)) == 1


def test_the_database_refuses_an_audit_row_without_a_change(
    uow: type[SqlUnitOfWork], owner_engine: Engine
) -> None:
    change = SettingChange(Setting.MAX_OPEN, None, "9", "UOLGA", NOW)
    with pytest.raises(NotAllowed):
        _write(uow(Actor.admin("T1", "UOLGA")), lambda u: u.settings.record("T1", [change]))
    assert _audit(owner_engine) == []


@pytest.mark.parametrize(
    "values",
    [
        {"max_open_per_mentee": 51},
        {"min_notice_minutes": -1},
        {"digest_weekday": 7},
        {"digest_zone": ""},
        {"managers": frozenset({"not a user"})},
        {"managers": frozenset(f"U{n:04d}" for n in range(31))},
    ],
)
def test_the_database_refuses_a_value_out_of_bounds_even_past_the_domain(
    uow: type[SqlUnitOfWork], values: dict[str, object]
) -> None:
    wrong = WorkspaceSettings(**values)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        _write(uow(Actor.admin("T1", "UOLGA")), lambda u: u.settings.save("T1", wrong))
    assert read_settings(uow(Actor.system("T1"))) == WorkspaceSettings()


def test_a_manager_of_another_workspace_reads_and_writes_nothing_here(
    uow: type[SqlUnitOfWork],
) -> None:
    change_settings(
        uow(Actor.admin("T1", "UOLGA")), FakeClock(NOW), edit=_edit(digest_weekday=3), floor=FLOOR
    )
    with uow(Actor("T2", "UOTHER", Role.ADMIN)) as other:
        assert other.settings.get("T1") == WorkspaceSettings()  # invisible
    elsewhere = Actor("T2", "UOTHER", Role.ADMIN)
    with pytest.raises(NotAllowed):
        _write(uow(elsewhere), lambda u: u.settings.save("T1", WorkspaceSettings(digest_weekday=6)))
    assert read_settings(uow(Actor.system("T1"))).digest_weekday == 3


def test_two_managers_saving_at_once_keep_both_changes_and_a_true_audit(
    uow: type[SqlUnitOfWork], owner_engine: Engine
) -> None:
    """Olga moves the digest to Wednesdays while Maya, at the same moment,
    changes the open requests per mentee and moves it to Fridays: neither
    save undoes the other's other setting, and the audit says what each
    change replaced."""
    clock = FakeClock(NOW)
    olga, maya = Actor.admin("T1", "UOLGA"), Actor.admin("T1", "UMAYA")
    change_settings(uow(olga), clock, edit=_edit(managers=frozenset({"UMAYA"})), floor=FLOOR)
    edits = {
        olga: _edit(digest_weekday=2, min_notice_minutes=60),
        maya: _edit(digest_weekday=4, max_open_per_mentee=1),
    }
    barrier = threading.Barrier(len(edits) + 1)
    failed: list[BaseException] = []

    def save(actor: Actor) -> None:
        barrier.wait()
        try:
            change_settings(uow(actor), clock, edit=edits[actor], floor=FLOOR)
        except BaseException as error:  # reported by the test's thread
            failed.append(error)

    with owner_engine.connect() as other:
        # Someone holds the workspace's rows a moment: both saves are under
        # way, and wait, when it lets go (well within their lock timeout).
        held = other.begin()
        other.execute(text("SELECT 1 FROM workspaces WHERE id = 'T1' FOR NO KEY UPDATE"))
        other.execute(text("SELECT 1 FROM workspace_settings WHERE workspace_id = 'T1' FOR UPDATE"))
        threads = [threading.Thread(target=save, args=(actor,)) for actor in edits]
        for thread in threads:
            thread.start()
        barrier.wait()
        threading.Event().wait(0.5)
        held.rollback()
    for thread in threads:
        thread.join(timeout=30)

    assert not failed, failed
    saved = read_settings(uow(Actor.system("T1")))
    assert (saved.min_notice_minutes, saved.max_open_per_mentee) == (60, 1)
    weekday_changes = [row[3:] for row in _audit(owner_engine) if row[2] == "digest_weekday"]
    # One went first (from the default); the other changed what it had set.
    assert weekday_changes in ([(None, "2"), ("2", "4")], [(None, "4"), ("4", "2")])
    assert str(saved.digest_weekday) == weekday_changes[-1][1]
