"""Timing a section (one warm-up run, then the measured ones) and the table of
percentiles, each also as a multiple of the baseline."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.harness import BenchFailure, Timed


@dataclass
class Section:
    name: str
    seen: list[float] = field(default_factory=list)
    ack: list[float] = field(default_factory=list)
    first: float | None = None
    note: str = ""
    failures: int = 0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Bench:
    def __init__(self, runs: int, budget_s: float, *, idle: Callable[[], None]) -> None:
        """`idle` returns once the bot has finished the work earlier runs left
        behind (a booking's DMs and Home publishes go on for tens of ms after
        its confirmation): each run is then one request alone, as the figures
        say. It raises, ending the bench, when the bot never finishes."""
        self.runs = runs
        self.budget_s = budget_s
        self.idle = idle
        self.sections: list[Section] = []

    def measure(
        self, name: str, once: Callable[[int], Timed | None], *, note: Callable[[Timed], str]
    ) -> Section:
        """One warm-up run, then up to `runs` runs within the time budget."""
        section = Section(name)
        self.sections.append(section)
        began = time.perf_counter()
        for run in range(self.runs + 1):
            try:
                self.idle()
                timed = once(run)
            except BenchFailure as failure:
                section.failures += 1
                section.note = f"FAILED: {str(failure)[:60]}"
                if section.failures >= 3:
                    break
                continue
            if timed is None:
                continue
            if run == 0:
                section.first = timed.seen
                section.note = section.note or note(timed)
            else:
                section.seen.append(timed.seen)
                if timed.ack is not None:
                    section.ack.append(timed.ack)
            if time.perf_counter() - began > self.budget_s:
                section.note += f" (stopped after {len(section.seen)} runs: time budget)"
                break
        print(f"  {name}: {_summary(section)}", flush=True)
        return section

    def table(self, baseline: Section) -> str:
        base = [_percentile(baseline.seen, p) for p in (0.5, 0.95)] + [max(baseline.seen)]
        w = max(len(s.name) for s in self.sections)
        header = (
            f"{'':{w}} {'seen by the person (ms)':>30}   {'× baseline':>17}   "
            f"{'HTTP ack (ms)':>20}\n"
            f"{'section':{w}} {'n':>3} {'first':>7} {'p50':>6} {'p95':>6} {'max':>6}   "
            f"{'p50':>5} {'p95':>5} {'max':>5}   {'p50':>6} {'p95':>6} {'max':>6}  result"
        )
        lines = [header, "-" * len(header.splitlines()[1])]
        for s in self.sections:
            if not s.seen:
                lines.append(f"{s.name:{w}} {0:>3}  {s.note}")
                continue
            seen = [_percentile(s.seen, 0.5), _percentile(s.seen, 0.95), max(s.seen)]
            ratio = [v / b if b else float("nan") for v, b in zip(seen, base, strict=True)]
            acks = [_percentile(s.ack, 0.5), _percentile(s.ack, 0.95), max(s.ack)] if s.ack else []
            ack_text = (
                " ".join(f"{v * 1000:>6.1f}" for v in acks)
                if s.ack and s.ack != s.seen
                else f"{'(= seen)':>20}"
                if s.ack
                else f"{'-':>20}"
            )
            first = f"{s.first * 1000:>7.1f}" if s.first is not None else f"{'-':>7}"
            lines.append(
                f"{s.name:{w}} {len(s.seen):>3} {first} "
                + " ".join(f"{v * 1000:>6.1f}" for v in seen)
                + "   "
                + " ".join(f"{r:>5.1f}" for r in ratio)
                + f"   {ack_text}  {s.note}"
                + (f" [{s.failures} failed]" if s.failures else "")
            )
        return "\n".join(lines)


def _summary(s: Section) -> str:
    if not s.seen:
        return s.note or "no runs"
    return (
        f"p50 {_percentile(s.seen, 0.5) * 1000:.1f} ms, max {max(s.seen) * 1000:.1f} ms"
        f" ({len(s.seen)} runs) {s.note}"
    )
