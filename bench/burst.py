"""`python -m bench.burst`: 24 photos uploaded at once on `make run`'s setup; seconds until all are scored.

The setup of scripts/run-local.sh in a throw-away folder: SQLite, local media, kombu's
filesystem broker, `manage.py runserver` and one worker process with an embedded beat
(`celery worker -B -Q scoring,celery --concurrency 1`, SCORING_BATCH_SIZE as the environment
says, 8 by default). All photos are sent by as many client threads at once; the figure is the
time from the last upload's answer to the last photo's `done`. Issue 11's target: 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load import Request, multipart_photo, send
from bench.photos import sample_photos
from bench.service import BIN, ROOT, free_port, wait_until

TARGET_S = 5.0


class LocalService:
    """`make run` in a temporary folder: its own SQLite database, media and broker folders."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep  # the folder stays, with the web server's and the worker's logs
        self.var_dir = Path(tempfile.mkdtemp(prefix="beauty-bench-burst-"))
        self.port = free_port()
        self.env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(
            {
                "BEAUTY_VAR_DIR": str(self.var_dir),
                "MEDIA_ROOT": str(self.var_dir / "media"),
                "DJANGO_SETTINGS_MODULE": "beautysite.settings",
                "PHOTO_UPLOAD_RATE": "1000000/h",
            }
        )
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        for name in ("DATABASE_URL", "REDIS_URL"):  # this process reads the rows the worker writes
            os.environ.pop(name, None)
        os.environ.update(self.env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        worker_log = self.var_dir / "worker.log"
        self._start(
            [
                *(BIN / "celery", "-A", "beautysite", "worker", "-Q", "scoring,celery", "--concurrency", "1"),
                *("-B", "--schedule", self.var_dir / "celerybeat-schedule", "--loglevel", "INFO"),
            ],
            worker_log,
        )
        self._start(
            [BIN / "python", "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            self.var_dir / "web.log",
        )

        def ready() -> bool:
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError(f"a server exited; see {self.var_dir}")
            return " ready." in worker_log.read_text() and web_answers(self.port)

        wait_until(ready, 180, "the worker or the web server did not start")

    def _start(self, command: list, log: Path) -> subprocess.Popen:
        with log.open("wb") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.keep:
            print(f"logs and database kept in {self.var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.var_dir, ignore_errors=True)


def web_answers(port: int) -> bool:
    try:
        return send(port, Request("GET", "/accounts/login/"), timeout=2)[0] == 200
    except OSError:
        return False


def upload_at_once(port: int, token: str, count: int) -> dict[str, float]:
    """`count` uploads from as many threads, released together; {public id: time.time() it was answered}."""
    photos = [multipart_photo(f"photo-{i}.jpg", content) for i, content in enumerate(sample_photos())]
    answered: dict[str, float] = {}
    errors: list[str] = []
    start = threading.Barrier(count)

    def client(i: int) -> None:
        body, content_type = photos[i % len(photos)]
        headers = {"Authorization": f"Token {token}", "Content-Type": content_type}
        start.wait()
        for attempt in range(3):  # runserver's listen queue holds 10 connections: a reset one is sent again
            try:
                status, answer = send(port, Request("POST", "/api/photos/", body, headers))
                break
            except ConnectionError:
                time.sleep(0.05 * (attempt + 1))
        else:
            errors.append("upload connection reset three times")
            return
        if status != 201:
            errors.append(f"upload answered {status}: {answer[:200]!r}")
            return
        answered[json.loads(answer)["id"]] = time.time()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])
    return answered


def scored_rows(public_ids, timeout: float) -> list[dict]:
    from scoring.models import Photo

    finished = Photo.objects.filter(public_id__in=list(public_ids), status__in=["done", "failed"])
    wait_until(lambda: finished.count() == len(public_ids), timeout, "photos were not scored in time")
    return list(finished.values("public_id", "status", "scored", "claimed_by"))


def one_burst(port: int, token: str, photos: int) -> dict:
    answered = upload_at_once(port, token, photos)
    rows = scored_rows(answered, 300)
    last_upload = max(answered.values())
    return {
        "photos": photos,
        "failed": sum(row["status"] == "failed" for row in rows),
        "tasks_that_scored": len({row["claimed_by"] for row in rows}),
        "seconds_after_last_upload": round(max(row["scored"].timestamp() for row in rows) - last_upload, 2),
    }


def bench_burst(photos: int = 24, bursts: int = 3, keep: bool = False) -> dict:
    service = LocalService(keep)
    try:
        service.start()
        from bench.web import api_token_for

        token = api_token_for("bench-burst")
        one_burst(service.port, token, 1)  # warm-up: the first task, the connections
        runs = [one_burst(service.port, token, photos) for _ in range(bursts)]
    finally:
        service.close()
    seconds = [run["seconds_after_last_upload"] for run in runs]
    return {"runs": runs, "median_s": round(statistics.median(seconds), 2), "target_s": TARGET_S}


def burst_line(burst: dict) -> str:
    runs = burst["runs"]
    seconds = ", ".join(f"{run['seconds_after_last_upload']} s" for run in runs)
    return (
        f"{runs[0]['photos']} photos uploaded at once on `make run`'s setup (filesystem broker, one worker "
        f"process): all scored **{burst['median_s']} s** after the last upload (median of {len(runs)} bursts: "
        f"{seconds}; {runs[0]['tasks_that_scored']} tasks scored the first; target {burst['target_s']} s)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.burst", description=__doc__)
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away folder and its logs")
    args = parser.parse_args(argv)
    burst = bench_burst(args.photos, args.bursts, args.keep)
    print(json.dumps(burst) if args.json else burst_line(burst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
