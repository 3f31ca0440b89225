"""Run a Python module with the process's clock moved by the test run's shift.

`--shift-days N` moves the clock of the pytest process only; a test that
starts another Python process (the demo, gunicorn, a CLI job) starts it through
`python_command`, so that process is moved by the same number of days. Run as a
script (`python tests/shifted.py DAYS -m MODULE ARGS…`), it needs no package
import path, only time-machine."""

from __future__ import annotations

import os
import runpy
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

SHIFT_VARIABLE = "MENTORBOT_TEST_SHIFT_DAYS"


def shift_days() -> float:
    return float(os.environ.get(SHIFT_VARIABLE, "0") or 0)


def python_command(*args: str) -> list[str]:
    """`python ARGS…`, moved by the test run's shift when there is one."""
    days = shift_days()
    if not days:
        return [sys.executable, *args]
    return [sys.executable, str(Path(__file__).resolve()), repr(days), *args]


def _main() -> None:
    import time_machine

    days, flag, module, *rest = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: shifted.py DAYS -m MODULE [ARGS…]")
    time_machine.travel(datetime.now(UTC) + timedelta(days=float(days)), tick=True).start()
    sys.argv = [module, *rest]
    sys.path.insert(0, os.getcwd())
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main()
