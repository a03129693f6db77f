"""Photos uploaded through the API and scored by real worker processes over Redis."""

from __future__ import annotations

import json
import statistics
import threading
import time

from bench.load import Request, multipart_photo, send
from bench.photos import sample_photos
from bench.service import wait_until
from bench.web import api_token_for

UPLOAD_CLIENTS = 4
SINGLE_PHOTOS = 5


def upload_all(port: int, token: str, count: int) -> dict[str, float]:
    """Upload `count` photos from a few client threads; {public id: time.time() when its upload began}."""
    photos = [multipart_photo(f"photo-{i}.jpg", content) for i, content in enumerate(sample_photos())]
    started: dict[str, float] = {}
    lock = threading.Lock()

    def client(number: int) -> None:
        for i in range(number, count, UPLOAD_CLIENTS):
            body, content_type = photos[i % len(photos)]
            headers = {"Authorization": f"Token {token}", "Content-Type": content_type}
            began = time.time()
            status, answer = send(port, Request("POST", "/api/photos/", body, headers))
            if status != 201:
                raise RuntimeError(f"upload answered {status}: {answer[:200]!r}")
            with lock:
                started[json.loads(answer)["id"]] = began

    threads = [threading.Thread(target=client, args=(n,)) for n in range(UPLOAD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return started


def wait_for_scores(public_ids, timeout: float) -> list:
    from scoring.models import Photo

    finished = Photo.objects.filter(public_id__in=list(public_ids), status__in=["done", "failed"])
    wait_until(lambda: finished.count() == len(public_ids), timeout, "photos were not scored in time")
    return list(finished.values("public_id", "status", "scored", "claimed_by"))


def one_run(service, token: str, processes: int, batch_size: int, photos: int) -> dict:
    worker = service.start_worker(processes, batch_size)
    try:
        wait_for_scores(upload_all(service.port, token, 2 * processes), 120)  # warm-up: first tasks, connections
        started = upload_all(service.port, token, photos)
        rows = wait_for_scores(started, 600)
        alone = []  # one photo at a time: what a user waits for when nobody else uploads
        for _ in range(SINGLE_PHOTOS):
            single = upload_all(service.port, token, 1)
            (row,) = wait_for_scores(single, 60)
            alone.append((row["scored"].timestamp() - single[str(row["public_id"])]) * 1000)
    finally:
        service.stop(worker)
    latencies = sorted((row["scored"].timestamp() - started[str(row["public_id"])]) * 1000 for row in rows)
    wall = max(row["scored"].timestamp() for row in rows) - min(started.values())
    return {
        "worker_processes": processes,
        "batch_size": batch_size,
        "photos": photos,
        "failed": sum(row["status"] == "failed" for row in rows),
        "tasks_that_scored": len({row["claimed_by"] for row in rows}),
        "photos_per_s": round(photos / wall, 2),
        "p50_ms": round(statistics.median(latencies)),
        "p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]),
        "alone_p50_ms": round(statistics.median(alone)),
    }


def bench_pipeline(service, photos: int, batch_size: int) -> list[dict]:
    """1 and 2 worker processes, each with one photo per forward pass and with batching."""
    token = api_token_for("bench-pipeline")
    return [one_run(service, token, processes, batch, photos) for processes in (1, 2) for batch in (1, batch_size)]
