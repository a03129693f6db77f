"""A throw-away copy of the service on loopback: its own PostgreSQL database, Redis database,
media folder, gunicorn and Celery workers, configured through the environment like production."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "beauty_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """Production settings (debug off, PostgreSQL, Redis), minus TLS and the upload rate limit."""

    def __init__(self) -> None:
        self.var_dir = Path(tempfile.mkdtemp(prefix="beauty-bench-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}",
            "REDIS_URL": REDIS_URL,
            "BEAUTY_VAR_DIR": str(self.var_dir),
            "MEDIA_ROOT": str(self.var_dir / "media"),
            "DJANGO_DEBUG": "false",
            "RATE_LIMITS": "false",  # the production check refuses per-process rate limits
            "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PHOTO_UPLOAD_RATE": "1000000/h",
        }
        self.processes: list[subprocess.Popen] = []

    def configure_this_process(self) -> None:
        """Point this process's Django at the same database and storage (for seeding and reading results)."""
        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautysite.settings")
        import django

        django.setup()

    def prepare(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([BIN / "python", "manage.py", *command, "-v", "0"], cwd=ROOT, env=self.env, check=True)
        self.flush_broker()

    def flush_broker(self) -> None:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()

    def _start(self, command: list, env: dict | None = None) -> subprocess.Popen:
        """Start a server process; its output goes to a log in the bench's folder."""
        log = open(self.var_dir / f"{Path(command[0]).name}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child keeps its own descriptor
        self.processes.append(process)
        return process

    def start_web(self, workers: int) -> subprocess.Popen:
        self.web_workers = workers
        process = self._start(
            [
                BIN / "gunicorn",
                "beautysite.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ]
        )

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited")
            try:
                urllib.request.urlopen(self.base_url + "/accounts/login/", timeout=2)
            except OSError:
                return False
            return True

        wait_until(answers, 60, "gunicorn did not answer")
        return process

    def start_worker(self, processes: int, batch_size: int) -> subprocess.Popen:
        """A scoring worker with `processes` pool processes; returns once it answers a ping."""
        from beautysite.celery import app

        node = f"bench-{processes}-{batch_size}-{time.monotonic_ns()}@127.0.0.1"
        process = self._start(
            [
                *(BIN / "celery", "-A", "beautysite", "worker", "-Q", "scoring", "-c", str(processes)),
                *("--without-mingle", "--without-gossip", "--loglevel", "WARNING", "-n", node),
            ],
            env={**self.env, "SCORING_BATCH_SIZE": str(batch_size)},
        )

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError("the worker exited")
            return any(node in reply for reply in app.control.ping([node], timeout=0.5))

        wait_until(answers, 120, "the worker did not answer a ping")
        return process

    def stop(self, process: subprocess.Popen) -> None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.processes.remove(process)

    def close(self) -> None:
        for process in list(self.processes):
            self.stop(process)
        self.flush_broker()
        shutil.rmtree(self.var_dir, ignore_errors=True)


def wait_until(condition, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(0.2)
