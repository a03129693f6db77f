"""The workers' series: photos scored and failed, seconds per stage, queue wait, batch sizes.

Fed only by the scoring job's signals (scoring.signals), so the services hold no metrics code.
The series are made on first use: a web process, which never scores, exports none of them.
In a prefork worker each pool process counts into its own files (operations.multiprocess) and
the worker's main process serves their sums (operations.worker_metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ml.inference.stage_timer import STAGES

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

# Seconds: a stage takes milliseconds (store on local disk) to tens of seconds (a big batch on CPU).
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
# Seconds from upload to a worker's claim: under a second when idle, minutes in a backlog.
QUEUE_WAIT_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


@dataclass(frozen=True)
class Series:
    scored: Counter
    failed: Counter
    stage_seconds: Histogram
    stage_cpu_seconds: Counter
    queue_wait: Histogram
    batch_photos: Histogram


@cache
def series() -> Series:
    # Imported here: a worker chooses its multiprocess folder (operations.multiprocess) first.
    from prometheus_client import Counter, Histogram

    return Series(
        scored=Counter("beauty_photos_scored", "Photos scored, their results committed"),
        failed=Counter("beauty_photos_failed", "Photos that ended failed, by the failure's code", ["code"]),
        stage_seconds=Histogram(
            "beauty_stage_seconds", "Wall seconds of one scoring job's stage", ["stage"], buckets=STAGE_BUCKETS
        ),
        stage_cpu_seconds=Counter(
            "beauty_stage_cpu_seconds", "CPU seconds of the scoring jobs' stages, every core", ["stage"]
        ),
        queue_wait=Histogram(
            "beauty_queue_wait_seconds", "Seconds from upload to a worker's first claim", buckets=QUEUE_WAIT_BUCKETS
        ),
        batch_photos=Histogram("beauty_batch_photos", "Photos one scoring job claimed", buckets=BATCH_BUCKETS),
    )


def on_job_timed(sender, *, timer, photos: int, **_kwargs) -> None:
    for stage in STAGES:
        series().stage_seconds.labels(stage=stage).observe(timer.wall[stage])
        series().stage_cpu_seconds.labels(stage=stage).inc(timer.cpu[stage])
    series().batch_photos.observe(photos)


def on_photos_claimed(sender, *, photos, **_kwargs) -> None:
    for photo in photos:
        if photo.attempts == 1 and photo.claimed is not None:  # a retry's wait is not the queue's
            series().queue_wait.observe(max((photo.claimed - photo.created).total_seconds(), 0.0))


def on_photos_scored(sender, *, count: int, **_kwargs) -> None:
    series().scored.inc(count)


def on_photos_failed(sender, *, error: str, count: int, **_kwargs) -> None:
    from scoring.errors import failure_code

    series().failed.labels(code=failure_code(error)).inc(count)


def connect_signals() -> None:
    from scoring import signals

    signals.scoring_job_timed.connect(on_job_timed, dispatch_uid="operations-metrics-timed")
    signals.photos_claimed.connect(on_photos_claimed, dispatch_uid="operations-metrics-claimed")
    signals.photos_scored.connect(on_photos_scored, dispatch_uid="operations-metrics-scored")
    signals.photos_failed.connect(on_photos_failed, dispatch_uid="operations-metrics-failed")
