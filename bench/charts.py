"""What the dashboard's charts cost: drawing the four charts (a 13-week
quarter, eleven goal bars, forty mentors), cold (a fresh process: importing
matplotlib included) and warm, and the disk matplotlib and the packages it
brings take in this environment.

    .venv/bin/python -m bench.charts [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

from bot.standin.clock import monday_after
from domain.charts import ChartData, DurationPoint, GoalsBar, SessionsPoint
from handlers.render.charts import render_charts

# matplotlib and what it installs besides (its requirements, recursively, that
# the bot needs for nothing else).
PACKAGES = (
    "matplotlib",
    "numpy",
    "pillow",
    "fonttools",
    "contourpy",
    "kiwisolver",
    "cycler",
    "pyparsing",
)


def sample(first: date) -> ChartData:
    weeks = [first + timedelta(weeks=n) for n in range(13)]
    return ChartData(
        period_days=90,
        sessions=tuple(
            SessionsPoint(w, 40 + 3 * n, 30 + 2 * n, partial=n in (0, 12))
            for n, w in enumerate(weeks)
        ),
        duration=tuple(
            DurationPoint(w, 1800 + 90 * n, 1500 + 80 * n, partial=n in (0, 12))
            for n, w in enumerate(weeks)
        ),
        goals=(
            GoalsBar("Everyone", 400, 130),
            *(GoalsBar(f"Department {n}", 40, 4 * n) for n in range(10)),
        ),
        utilization=tuple((n % 13) / 10 for n in range(40)),
        overall_utilization=0.41,
    )


def draw_all(data: ChartData) -> float:
    began = time.perf_counter()
    pictures = render_charts(data)
    took = time.perf_counter() - began
    assert len(pictures) == 4
    return took


def installed_bytes(name: str) -> int:
    """The bytes of a distribution's installed files (as its RECORD lists them)."""
    dist = metadata.distribution(name)
    total = 0
    for file in dist.files or ():
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    cold = subprocess.run(
        [sys.executable, "-c", "import bench.charts as b; print(b.draw_all(b.sample(b.FIRST)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"four charts, cold process (import included): {float(cold.stdout):.2f} s")
    data = sample(FIRST)
    draw_all(data)
    warm = [draw_all(data) for _ in range(runs)]
    print(
        f"four charts, warm: median {statistics.median(warm):.3f} s,"
        f" min {min(warm):.3f} s, max {max(warm):.3f} s ({runs} runs)"
    )
    sizes = {name: installed_bytes(name) for name in PACKAGES}
    for name, size in sizes.items():
        print(f"  {name:<11} {size / 1e6:7.1f} MB")
    print(f"installed with matplotlib: {sum(sizes.values()) / 1e6:.1f} MB")


# Next Monday: the figures are drawn, not compared with a clock, but a date
# that passes would read oddly on the axis.
FIRST = monday_after(datetime.now(UTC)).date()

if __name__ == "__main__":
    main()
