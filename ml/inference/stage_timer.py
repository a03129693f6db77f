"""Where a scoring job's time goes: wall and CPU seconds per stage, read by the bench and the metrics.

A job runs its stages one after another (each may fan out over the thread pool inside), so
the stages' wall seconds add up to the job's, and the process's CPU seconds within a stage
are that stage's work on every core.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

# In the order a job runs them.
STAGES = ("read", "detect", "align", "model", "look_inside", "encode", "store", "rows")


@dataclass
class StageTimer:
    """Seconds per stage of one job (or of many, `add`ed together)."""

    wall: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage `name`; a stage entered twice adds up."""
        if name not in self.wall:
            raise ValueError(f"unknown stage {name!r}; the stages are {', '.join(STAGES)}")
        began, cpu_began = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - began
            self.cpu[name] += time.process_time() - cpu_began

    def add(self, other: StageTimer) -> None:
        for name in STAGES:
            self.wall[name] += other.wall[name]
            self.cpu[name] += other.cpu[name]

    @property
    def total_wall(self) -> float:
        return sum(self.wall.values())


def stage_of(timer: StageTimer | None, name: str) -> AbstractContextManager:
    """`timer.stage(name)`, or a block that times nothing when there is no timer."""
    return timer.stage(name) if timer is not None else nullcontext()
