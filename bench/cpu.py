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

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
