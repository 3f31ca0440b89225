"""Settings a workspace's managers change in Slack: only managers change them,
only what was changed is written, each change is recorded with who and when,
bad values are refused naming their field, the environment's managers stay
managers, and the booking policy and the digest follow each workspace's own."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from domain.digest import DigestSchedule, claim_digest, mark_digest_posted
from domain.errors import InvalidInput, NotAllowed
from domain.model import Actor, Role
from domain.settings import (
    Defaults,
    change_settings,
    read_settings,
    settings_page,
)
from domain.workspace import Setting, SettingChange, SettingsEdit, WorkspaceSettings
from tests.domain.anchors import LAST_MON, MON
from tests.domain.conftest import NOW, WORKSPACE, People, UowFor
from tests.fakes.uow import FakeClock, FakeUnitOfWork, Store

FLOOR = frozenset({"UOLGA"})  # MENTORSHIP_ADMINS
DEFAULTS = Defaults(managers=FLOOR, schedule=DigestSchedule(0, time(9), "UTC"))
# What the modal shows a workspace that set nothing: the defaults.
SHOWN = DEFAULTS.applied(WorkspaceSettings())


def _edit(**wanted: object) -> SettingsEdit:
    """The person changed these fields of the modal, and left the rest."""
    return SettingsEdit.between(SHOWN, replace(SHOWN, **wanted))  # type: ignore[arg-type]


def test_a_manager_changes_settings_and_each_change_is_recorded_with_who_and_when(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    saved = change_settings(
        uow_for("UOLGA", Role.ADMIN),
        clock,
        edit=_edit(digest_time=time(10, 30), max_open_per_mentee=1, managers=frozenset({"UMAYA"})),
        floor=FLOOR,
    )

    assert store.settings[WORKSPACE] == WorkspaceSettings(
        managers=frozenset({"UMAYA"}), digest_time=time(10, 30), max_open_per_mentee=1
    )
    assert [change for _, change in store.settings_audit] == [
        SettingChange(Setting.MANAGERS, "", "UMAYA", "UOLGA", NOW),
        SettingChange(Setting.DIGEST_TIME, None, "10:30", "UOLGA", NOW),
        SettingChange(Setting.MAX_OPEN, None, "1", "UOLGA", NOW),
    ]
    assert saved.changes == [change for _, change in store.settings_audit]
    # Left alone, the rest keep following the environment's defaults.
    assert saved.settings.digest_weekday is None
    assert saved.settings.min_notice_minutes is None


def test_a_change_of_the_digest_channel_goes_to_the_workspace_and_is_recorded(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    store.digest_channels[WORKSPACE] = "C0OLD"
    shown = replace(SHOWN, digest_channel="C0OLD")
    edit = SettingsEdit.between(shown, replace(shown, digest_channel="C0NEW"))

    change_settings(uow_for("UOLGA", Role.ADMIN), clock, edit=edit, floor=FLOOR)

    assert store.digest_channels[WORKSPACE] == "C0NEW"
    assert WORKSPACE not in store.settings  # nothing else changed
    assert [change for _, change in store.settings_audit] == [
        SettingChange(Setting.DIGEST_CHANNEL, "C0OLD", "C0NEW", "UOLGA", NOW)
    ]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SYSTEM])
def test_nobody_but_a_manager_changes_settings_and_nothing_is_written(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People, role: Role
) -> None:
    uow = uow_for("UBEN", role) if role is Role.MEMBER else uow_for()
    with pytest.raises(NotAllowed, match="Only programme managers"):
        change_settings(uow, clock, edit=_edit(managers=frozenset({"UBEN"})), floor=FLOOR)
    with pytest.raises(NotAllowed):
        settings_page(uow_for("UBEN"))
    assert store.settings == {}
    assert store.settings_audit == []
    assert uow.commits == 0


@pytest.mark.parametrize(
    ("wanted", "field", "message"),
    [
        ({"max_open_per_mentee": 0}, Setting.MAX_OPEN, "from 1 to 50"),
        ({"max_open_per_mentee": 51}, Setting.MAX_OPEN, "from 1 to 50"),
        ({"min_notice_minutes": -60}, Setting.MIN_NOTICE, "from 0 to 168 hours"),
        ({"min_notice_minutes": 169 * 60}, Setting.MIN_NOTICE, "from 0 to 168 hours"),
        ({"digest_zone": "Mars/Olympus_Mons"}, Setting.DIGEST_ZONE, "not a known time zone"),
        ({"digest_zone": "../../etc/passwd"}, Setting.DIGEST_ZONE, "not a known time zone"),
        ({"digest_zone": "Factory"}, Setting.DIGEST_ZONE, "not the time zone of a place"),
        ({"digest_weekday": 7}, Setting.DIGEST_WEEKDAY, "Pick a weekday"),
        ({"digest_time": None}, Setting.DIGEST_TIME, "Pick a time"),
        ({"digest_channel": "general"}, Setting.DIGEST_CHANNEL, "Pick a channel"),
        ({"managers": frozenset({"<!here>"})}, Setting.MANAGERS, "Pick people"),
        ({"managers": frozenset(f"U{n:04d}" for n in range(31))}, Setting.MANAGERS, "At most 30"),
    ],
)
def test_a_value_out_of_bounds_is_refused_beside_its_field_and_nothing_is_written(
    store: Store,
    uow_for: UowFor,
    clock: FakeClock,
    people: People,
    wanted: dict[str, object],
    field: Setting,
    message: str,
) -> None:
    # A valid change beside it is not written either.
    edit = (
        _edit(digest_time=time(7), **wanted)
        if field is not Setting.DIGEST_TIME
        else _edit(**wanted)
    )
    with pytest.raises(InvalidInput, match=message) as refused:
        change_settings(uow_for("UOLGA", Role.ADMIN), clock, edit=edit, floor=FLOOR)
    assert refused.value.field == field.value
    assert store.settings == {}
    assert store.settings_audit == []


def test_the_environments_managers_are_never_stored_and_cannot_be_removed(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    maya = uow_for("UMAYA", Role.ADMIN)
    change_settings(
        uow_for("UOLGA", Role.ADMIN),
        clock,
        edit=_edit(managers=frozenset({"UOLGA", "UMAYA"})),
        floor=FLOOR,
    )
    assert store.settings[WORKSPACE].managers == {"UMAYA"}

    # Maya, added in Slack, removes everyone she can: herself. Olga stays.
    shown = replace(SHOWN, managers=frozenset({"UMAYA"}))
    edit = SettingsEdit.between(shown, replace(shown, managers=frozenset()))
    change_settings(maya, clock, edit=edit, floor=FLOOR)
    settings = read_settings(FakeUnitOfWork(store, Actor.system(WORKSPACE)))
    assert settings.managers == frozenset()
    assert DEFAULTS.is_manager(settings, "UOLGA")
    assert not DEFAULTS.is_manager(settings, "UMAYA")


def test_saving_what_is_already_there_writes_nothing(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    uow = uow_for("UOLGA", Role.ADMIN)
    # Changed in the form and back: the same as the default, which is not pinned.
    saved = change_settings(uow, clock, edit=SettingsEdit(SHOWN, frozenset()), floor=FLOOR)
    assert saved.changes == []
    assert uow.commits == 0
    assert store.settings == {}


def test_only_what_the_person_changed_is_written_so_another_managers_change_stays(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    # Olga opens the modal; meanwhile Maya (a manager too) moves the digest to Friday.
    store.settings[WORKSPACE] = WorkspaceSettings(digest_weekday=4)
    change_settings(
        uow_for("UOLGA", Role.ADMIN), clock, edit=_edit(min_notice_minutes=0), floor=FLOOR
    )
    assert store.settings[WORKSPACE] == WorkspaceSettings(digest_weekday=4, min_notice_minutes=0)


def test_the_settings_page_shows_the_latest_changes_newest_first(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    for hour in (7, 8):
        change_settings(
            uow_for("UOLGA", Role.ADMIN), clock, edit=_edit(digest_time=time(hour)), floor=FLOOR
        )
        clock.advance(minutes=5)
    page = settings_page(uow_for("UOLGA", Role.ADMIN))
    assert page.settings.digest_time == time(8)
    assert [(c.old, c.new) for c in page.changes] == [("07:00", "08:00"), (None, "07:00")]


def test_a_workspaces_own_policy_and_schedule_replace_the_defaults() -> None:
    own = WorkspaceSettings(
        digest_weekday=4, digest_zone="Asia/Tokyo", min_notice_minutes=0, max_open_per_mentee=1
    )
    policy = DEFAULTS.policy_for(own)
    assert (policy.minimum_notice, policy.max_open_per_mentee) == (timedelta(0), 1)
    assert policy.horizon == DEFAULTS.policy.horizon  # not a setting: stays
    assert DEFAULTS.schedule.for_workspace(own) == DigestSchedule(4, time(9), "Asia/Tokyo")
    assert DEFAULTS.applied(WorkspaceSettings()) == WorkspaceSettings(
        digest_weekday=0,
        digest_time=time(9),
        digest_zone="UTC",
        min_notice_minutes=120,
        max_open_per_mentee=3,
    )


def test_each_workspaces_digest_is_due_on_its_own_schedule(
    store: Store, uow_for: UowFor, clock: FakeClock, people: People
) -> None:
    """T1 keeps Monday 09:00 UTC; T2's managers moved theirs to Tuesday."""
    store.workspaces.add("T2")
    store.users[999] = replace(people.maya, id=999, workspace_id="T2", slack_user_id="UT2")
    store.digest_channels.update({WORKSPACE: "C0ONE", "T2": "C0TWO"})
    store.settings["T2"] = WorkspaceSettings(digest_weekday=1)

    def claim() -> list[tuple[object, ...]]:
        digests = claim_digest(uow_for(), clock, schedule=DEFAULTS.schedule, default_channel=None)
        for digest in digests:
            mark_digest_posted(
                uow_for(), clock, workspace_id=digest.workspace_id, week=digest.week_start, ts="1"
            )
        return [(d.workspace_id, d.week_start, d.channel, d.since, d.until) for d in digests]

    monday_9, tuesday_9 = NOW + timedelta(hours=1), NOW + timedelta(days=1, hours=1)
    clock.set(monday_9 + timedelta(minutes=1))
    # T1's digest of this week; T2's latest moment was last Tuesday's.
    assert claim() == [
        (WORKSPACE, MON, "C0ONE", monday_9 - timedelta(days=7), monday_9),
        ("T2", LAST_MON, "C0TWO", tuesday_9 - timedelta(days=14), tuesday_9 - timedelta(days=7)),
    ]
    clock.set(tuesday_9 - timedelta(minutes=1))
    assert claim() == []
    clock.set(tuesday_9 + timedelta(minutes=1))
    assert claim() == [("T2", MON, "C0TWO", tuesday_9 - timedelta(days=7), tuesday_9)]


def test_the_system_reads_any_workspaces_settings_for_its_requests(
    store: Store, uow_for: UowFor, people: People
) -> None:
    store.settings[WORKSPACE] = WorkspaceSettings(managers=frozenset({"UMAYA"}))
    system = FakeUnitOfWork(store, Actor.system(WORKSPACE))
    assert read_settings(system).managers == {"UMAYA"}
    with pytest.raises(NotAllowed):
        read_settings(uow_for("UBEN"))
