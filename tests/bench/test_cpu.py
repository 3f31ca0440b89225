"""The load bench's CPU by process (bench/cpu.py), read from /proc against
processes that burn a known amount of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.cpu import BENCH, POSTGRES, CpuMeter, used_between

BURN_S = 0.3
# Run with an argument, it burns BURN_S of CPU and ends. Run without, it waits
# for a line, runs itself so, waits for that child, burns as much itself, says
# so and waits.
GROUP = f"""
import subprocess, sys, time
def burn():
    end = time.process_time() + {BURN_S}
    while time.process_time() < end:
        pass
if len(sys.argv) > 1:
    burn()
    sys.exit()
sys.stdin.readline()
subprocess.run([sys.executable, sys.argv[0], "child"], check=True)
burn()
print("burnt", flush=True)
sys.stdin.read()
"""


def test_a_group_counts_its_members_and_the_children_they_reaped_and_keeps_it_when_gone(
    tmp_path: Path,
) -> None:
    script = tmp_path / "group.py"
    script.write_text(GROUP)
    meter = CpuMeter()
    group = subprocess.Popen(
        [sys.executable, str(script)],
        start_new_session=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        before = meter.read({"group": [group.pid]})
        assert group.stdin is not None
        assert group.stdout is not None
        group.stdin.write("go\n")
        group.stdin.flush()
        assert group.stdout.readline() == "burnt\n"
        burnt = used_between(before, meter.read({"group": [group.pid]}))
    finally:
        group.kill()
        group.wait()
    gone = meter.read({"group": [group.pid]})

    # Both burns, the group's own and its reaped child's (the interpreters'
    # start-up adds a little).
    assert 2 * BURN_S - 0.05 <= burnt["group"] <= 2 * BURN_S + 1.0
    # The bench's own CPU is told apart from the group's, and so is PostgreSQL's.
    assert burnt[BENCH] < BURN_S
    assert set(burnt) == {"group", POSTGRES, BENCH}
    assert gone["group"] == pytest.approx(before["group"] + burnt["group"])
