"""`python -m bench.worker [--device cuda]`: the worker's scoring job in this process, photos per second.

What one worker process does for a queue of waiting photos, without the broker or the web
server: claim a batch (SCORING_BATCH_SIZE), read the originals, detect and align with the real
detector, score and explain every face, encode and store every result image, write the rows.
The photos are scikit-image's astronaut and matplotlib's Grace Hopper (one face each), stored
through the upload service into a throw-away SQLite database and media folder.

Beside the photos per second: where each photo's time went, from the scoring job's own stage
timer (the one the worker's metrics read), and the model-work limit: 1000 / the milliseconds a
face of score-and-explain takes at batch 16, timed in the same process between the runs. The
worker's pace over that limit says how much of a photo's time goes around the model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.host import machine
from bench.photos import sample_photos
from ml.inference.allocator import keep_freed_memory
from ml.inference.stage_timer import StageTimer

BATCH_SIZES = (1, 8, 32)
MODEL_BATCH = 16


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


def timed_jobs(run) -> StageTimer:
    """The stage timers of every scoring job `run()` ran, added up."""
    from scoring.signals import scoring_job_timed

    total = StageTimer()

    def add(sender, timer: StageTimer, **kwargs) -> None:
        total.add(timer)

    scoring_job_timed.connect(add, weak=False)
    try:
        run()
    finally:
        scoring_job_timed.disconnect(add)
    return total


def model_work_ms_per_face(predictor, repeats: int = 5) -> float:
    """Score-and-explain (both networks, the mirror image, the stage pictures, Grad-CAM) of
    MODEL_BATCH faces, the median of `repeats` passes, per face: the work no worker can avoid."""
    from ml.bench import interleaved_medians_ms, sample_photo_bytes
    from ml.inference import faces

    crop = faces.faces_and_crops(faces.load_image(sample_photo_bytes()), predictor.preprocessing.crop_size)[1][0]
    medians = interleaved_medians_ms(
        {"explain": lambda: predictor.score_and_explain_crops([crop] * MODEL_BATCH)},
        repeats,
        warmup=1,
        device=predictor.device,
    )
    return medians["explain"] / MODEL_BATCH


def one_batch_size(owner, batch_size: int, photos: int) -> dict:
    from django.conf import settings

    from scoring.models import Photo

    settings.SCORING_BATCH_SIZE = batch_size
    Photo.objects.all().delete()
    queue_photos(owner, photos)
    began, cpu_began = time.perf_counter(), time.process_time()
    jobs: list[int] = []
    timer = timed_jobs(lambda: jobs.append(score_the_queue()))
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    statuses = list(Photo.objects.values_list("status", flat=True))
    return {
        "batch_size": batch_size,
        "photos": photos,
        "jobs": jobs[0],
        "done": statuses.count(Photo.Status.DONE),
        "seconds": round(seconds, 3),
        "photos_per_s": round(photos / seconds, 2),
        # All threads of this process: on a machine others share, steadier than the wall clock.
        "cpu_ms_per_photo": round(1000 * cpu_seconds / photos, 1),
        # The jobs' own stage timer: wall and CPU ms a photo per stage, and how much of the
        # run's wall time the stages account for (the rest: claiming, the bench's own queries).
        "stage_wall_ms_per_photo": {name: round(1000 * s / photos, 2) for name, s in timer.wall.items()},
        "stage_cpu_ms_per_photo": {name: round(1000 * s / photos, 2) for name, s in timer.cpu.items()},
        "stages_share_of_wall": round(timer.total_wall / seconds, 3),
    }


DETECTORS = ("opencv", "onnxruntime", "torch")


def use_detector(predictor, name: str | None) -> str:
    """Swap the worker's face detector for the named runtime (to measure what each one costs); its name."""
    from ml.inference import face_detector

    if name is not None:
        runtimes = {
            "opencv": face_detector.OpenCvYuNet,
            "onnxruntime": face_detector.OnnxRuntimeYuNet,
            "torch": lambda: face_detector.TorchYuNet(predictor.device),
        }
        predictor.detector = runtimes[name]()
    return type(predictor.detector).__name__


def bench_worker(device: str, photos: int, batch_sizes=BATCH_SIZES, detector: str | None = None) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix="beauty-bench-worker-"))
    try:
        configure(var_dir, device)
        from scoring.inference import get_predictor, torch_threads
        from scoring.models import User

        owner = User.objects.create_user("bench-worker", "bench@example.com", uuid.uuid4().hex)
        predictor = get_predictor()
        detector_name = use_detector(predictor, detector)
        one_batch_size(owner, max(batch_sizes), max(batch_sizes))  # warm-up: first passes, caches, thread pool
        runs, model_ms = [], []
        for size in batch_sizes:  # the model timed between the runs: a slow spell of the machine hits both
            model_ms.append(model_work_ms_per_face(predictor))
            runs.append(one_batch_size(owner, size, photos))
        model_ms.append(model_work_ms_per_face(predictor))
        ms_per_face = statistics.median(model_ms)
        limit = 1000 / ms_per_face
        for run in runs:
            run["share_of_model_pace"] = round(run["photos_per_s"] / limit, 3)
        return {
            "device": str(predictor.device),
            "device_name": device_name(predictor.device.type),
            "torch_threads": torch_threads(),
            "detector": detector_name,
            f"score_and_explain_ms_per_face_batch{MODEL_BATCH}": round(ms_per_face, 2),
            "model_limit_photos_per_s": round(limit, 2),
            "runs": runs,
        }
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--photos", type=int, default=64, help="photos scored at each batch size")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--detector", choices=DETECTORS, help="the face detector's runtime (default: the worker's)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=BATCH_SIZES, help="SCORING_BATCH_SIZE values")
    args = parser.parse_args(argv)
    if args.device == "cuda" and (refusal := cuda_refusal()):
        print(refusal, file=sys.stderr)
        return 2
    keep_freed_memory()  # as a worker process does (beautysite/celery.py)
    figures = bench_worker(args.device, args.photos, tuple(args.batch_sizes), args.detector)
    if args.json:
        print(json.dumps(figures))
    else:
        from bench.report import worker_section

        print(worker_section(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
