"""The embedded PostgreSQL's data folder: one demo (or console) at a time per
database, and processes that died without saying so are forgotten."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.embedded import HANDLES, InUse, exclusive, forget_dead_handles

ROOT = Path(__file__).resolve().parents[2]


def test_a_database_is_held_by_one_holder_at_a_time(tmp_path: Path) -> None:
    with exclusive(tmp_path, "mentorbot_demo"):
        with pytest.raises(InUse), exclusive(tmp_path, "mentorbot_demo"):
            pass
        with exclusive(tmp_path, "mentorbot_console"):
            pass  # another database in the same folder is another lock
    with exclusive(tmp_path, "mentorbot_demo"):
        pass  # let go at the end of the block


def test_the_lock_is_let_go_when_its_holder_is_killed_outright(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from storage.embedded import exclusive\n"
            f"with exclusive(pathlib.Path({str(tmp_path)!r}), 'mentorbot_demo'):\n"
            "    print('held', flush=True); sys.stdin.read()",
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(InUse), exclusive(tmp_path, "mentorbot_demo"):
            pass
    finally:
        holder.kill()
        holder.wait()
    with exclusive(tmp_path, "mentorbot_demo"):
        pass


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_processes_that_are_gone_are_dropped_from_the_clusters_users(tmp_path: Path) -> None:
    dead = _dead_pid()
    (tmp_path / HANDLES).write_text(json.dumps([dead, os.getpid()]))

    assert forget_dead_handles(tmp_path) == [dead]

    assert json.loads((tmp_path / HANDLES).read_text()) == [os.getpid()]
    assert forget_dead_handles(tmp_path) == [], "nothing more to drop"


def test_a_cluster_never_started_has_no_users_to_drop(tmp_path: Path) -> None:
    assert forget_dead_handles(tmp_path / "postgres") == []
