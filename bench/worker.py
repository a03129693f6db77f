"""`python -m bench.worker [--device cuda]`: the worker's scoring job in this process, photos per second.

What one worker process does for a queue of waiting photos, without the broker or the web
server: claim a batch (SCORING_BATCH_SIZE), read the originals, detect and align with the real
detector, score and explain every face, encode and store every result image, write the rows.
The photos are scikit-image's astronaut and matplotlib's Grace Hopper (one face each), stored
through the upload service into a throw-away SQLite database and media folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.host import machine
from bench.photos import sample_photos
from ml.inference.allocator import keep_freed_memory

BATCH_SIZES = (1, 8, 32)


def cuda_refusal() -> str | None:
    """Why --device cuda cannot run here, as a sentence; None when a GPU is visible to torch."""
    import torch

    if torch.cuda.is_available():
        return None
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
    return (
        f"--device cuda: torch {torch.__version__} ({build}) sees no GPU. Install the CUDA build of torch "
        "(README, 'GPU worker install') on a machine with an NVIDIA driver, or run with --device cpu."
    )


def device_name(device: str) -> str:
    import torch

    if device == "cuda":
        return torch.cuda.get_device_name(0)
    return machine()["cpu"]


def configure(var_dir: Path, device: str) -> None:
    """Django on the embedded defaults (SQLite, local media, filesystem broker), all inside `var_dir`."""
    for name in ("DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "BEAUTY_VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(var_dir / "media"),
            "DJANGO_SETTINGS_MODULE": "beautysite.settings",
            "DJANGO_DEBUG": "false",  # no query log kept in memory
            "RATE_LIMITS": "false",  # the production check refuses per-process rate limits
            "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
            "DJANGO_LOG_LEVEL": "WARNING",
            "SCORING_DEVICE": device,
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def queue_photos(owner, count: int) -> None:
    """`count` photos waiting in `queued`, stored as an upload stores them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.services import photos

    samples = sample_photos()
    for i in range(count):
        upload = SimpleUploadedFile(f"{i}.jpg", samples[i % len(samples)], content_type="image/jpeg")
        photos.photo_create(owner=owner, upload=upload)


def score_the_queue() -> int:
    """Run scoring jobs, oldest waiting photo first, as one worker process would; returns the jobs run."""
    from scoring.models import Photo
    from scoring.services import pipeline

    waiting = Photo.objects.filter(status=Photo.Status.QUEUED).order_by("created").values_list("public_id", flat=True)
    jobs = 0
    while (leader := waiting.first()) is not None:
        pipeline.run_scoring_job(public_id=leader, task_id=uuid.uuid4().hex)
        jobs += 1
    return jobs


def one_batch_size(owner, batch_size: int, photos: int) -> dict:
    from django.conf import settings

    from scoring.models import Photo

    settings.SCORING_BATCH_SIZE = batch_size
    Photo.objects.all().delete()
    queue_photos(owner, photos)
    began, cpu_began = time.perf_counter(), time.process_time()
    jobs = score_the_queue()
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    statuses = list(Photo.objects.values_list("status", flat=True))
    return {
        "batch_size": batch_size,
        "photos": photos,
        "jobs": jobs,
        "done": statuses.count(Photo.Status.DONE),
        "seconds": round(seconds, 3),
        "photos_per_s": round(photos / seconds, 2),
        # All threads of this process: on a machine others share, steadier than the wall clock.
        "cpu_ms_per_photo": round(1000 * cpu_seconds / photos, 1),
    }


def bench_worker(device: str, photos: int, batch_sizes=BATCH_SIZES) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix="beauty-bench-worker-"))
    try:
        configure(var_dir, device)
        from scoring.inference import get_predictor, torch_threads
        from scoring.models import User

        owner = User.objects.create_user("bench-worker", "bench@example.com", uuid.uuid4().hex)
        predictor = get_predictor()
        one_batch_size(owner, max(batch_sizes), max(batch_sizes))  # warm-up: first passes, caches, thread pool
        runs = [one_batch_size(owner, size, photos) for size in batch_sizes]
        return {
            "device": str(predictor.device),
            "device_name": device_name(predictor.device.type),
            "torch_threads": torch_threads(),
            "runs": runs,
        }
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--photos", type=int, default=64, help="photos scored at each batch size")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.device == "cuda" and (refusal := cuda_refusal()):
        print(refusal, file=sys.stderr)
        return 2
    keep_freed_memory()  # as a worker process does (beautysite/celery.py)
    figures = bench_worker(args.device, args.photos)
    if args.json:
        print(json.dumps(figures))
    else:
        from bench.report import worker_section

        print(worker_section(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
