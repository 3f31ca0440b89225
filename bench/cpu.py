"""Where a burst's CPU went, read from /proc: the bot, PostgreSQL, the stand-in
Slack, the proxies and the bench itself share the machine's cores, so a
scenario's requests per second is what is left of them after all of these.

Each process the bench starts leads a process group of its own (gunicorn's
workers are in their master's), so a part is the CPU of its groups' members
plus what their leaders reaped (a worker that exited). PostgreSQL's is every
process named `postgres` plus what each postmaster reaped (backends that
closed), whichever database they served: run nothing else during a bench.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

POSTGRES = "PostgreSQL"
BENCH = "bench"


@dataclass(frozen=True)
class _Stat:
    name: str
    parent: int
    group: int
    own: int  # clock ticks, all threads
    reaped: int  # clock ticks of waited-for children


def _stats() -> dict[int, _Stat]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "stat").read_text()
        except OSError:
            continue  # gone between listing and reading
        # The name is in parentheses and may itself hold spaces or parentheses.
        name = line[line.index("(") + 1 : line.rindex(")")]
        fields = line[line.rindex(")") + 2 :].split()
        found[int(entry.name)] = _Stat(
            name,
            parent=int(fields[1]),
            group=int(fields[2]),
            own=int(fields[11]) + int(fields[12]),
            reaped=int(fields[13]) + int(fields[14]),
        )
    return found


@dataclass
class CpuMeter:
    """CPU seconds used so far by each part, from the parts' group leaders.
    A group that is gone (a replica killed) keeps its last reading."""

    last: dict[int, float] = field(default_factory=dict)

    def read(self, parts: Mapping[str, Iterable[int]]) -> dict[str, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        stats = _stats()
        groups: defaultdict[int, int] = defaultdict(int)
        postgres = 0
        for pid, stat in stats.items():
            groups[stat.group] += stat.own + (stat.reaped if pid == stat.group else 0)
            if stat.name == "postgres":
                parent = stats.get(stat.parent)
                is_postmaster = parent is None or parent.name != "postgres"
                postgres += stat.own + (stat.reaped if is_postmaster else 0)
        for leaders in parts.values():
            self.last.update({group: groups[group] / ticks for group in leaders if group in groups})
        seconds = {
            part: sum(self.last.get(group, 0.0) for group in leaders)
            for part, leaders in parts.items()
        }
        seconds[POSTGRES] = postgres / ticks
        user, system, *_ = os.times()
        seconds[BENCH] = user + system
        return seconds


def used_between(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    return {part: after[part] - before.get(part, 0.0) for part in after}


class Burst(Protocol):
    """What the table needs of a burst (bench.burst.Row)."""

    @property
    def name(self) -> str: ...

    @property
    def n(self) -> int: ...

    @property
    def cpu(self) -> dict[str, float]: ...


def cpu_table(rows: Sequence[Burst], floor: Burst | None) -> str:
    """Each burst's CPU per request, by part, in ms: what a request costs the
    machine whose cores the scenarios share, and that cost as a ratio to the
    floor's (a scenario runs at best at the floor's rate over this ratio)."""
    # The bot first, then the database, the rest, and the bench last.
    order = {"bot": 0, POSTGRES: 1, BENCH: 3}
    parts = sorted(
        dict.fromkeys(part for row in rows for part in row.cpu), key=lambda p: order.get(p, 2)
    )
    if not parts:
        return ""

    def per_request(row: Burst, part: str | None = None) -> float:
        used = sum(row.cpu.values()) if part is None else row.cpu.get(part, math.nan)
        return used / row.n if row.n else math.nan

    def ms(value: float) -> str:
        return "-" if math.isnan(value) else f"{value * 1000:.1f}"

    w = max([len("scenario"), *(len(r.name) for r in rows)])
    widths = [max(len(part), 6) for part in parts]
    head = (
        f"{'scenario':{w}} "
        + " ".join(f"{part:>{width}}" for part, width in zip(parts, widths, strict=True))
        + f" {'all':>6} {'× floor':>7}"
    )
    lines = ["CPU per request (ms), by process, over each burst:", head, "-" * len(head)]
    base = per_request(floor) if floor is not None else math.nan
    for row in rows:
        cells = " ".join(
            f"{ms(per_request(row, part)):>{width}}"
            for part, width in zip(parts, widths, strict=True)
        )
        every = per_request(row)
        ratio = "-" if math.isnan(every) or math.isnan(base) or not base else f"{every / base:.2f}"
        lines.append(f"{row.name:{w}} {cells} {ms(every):>6} {ratio:>7}")
    return "\n".join(lines)
