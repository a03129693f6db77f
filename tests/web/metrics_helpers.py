"""Reading Prometheus's text format, and the real servers the metrics tests start (gunicorn, Celery)."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from prometheus_client.parser import text_string_to_metric_families

from tests.web.helpers import database_url


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: (name, its labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(scraped: dict, name: str, **labels: str) -> float | None:
    """The sum of the samples named `name` whose labels include `labels`; None when there is none."""
    wanted = set(labels.items())
    values = [v for (sample, have), v in scraped.items() if sample == name and wanted <= have]
    return sum(values) if values else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(**extra: str) -> dict:
    """The environment of a server process sharing this test's database, media and broker."""
    return {**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(default_storage.location), **extra}


class Server:
    """A command in its own process group, its output in `log`; stopped (the whole group) by stop()."""

    def __init__(self, command: list[str], *, env: dict, log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=log.open("a"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text()[-3000:]

    def stop(self, seconds: float = 30) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def gunicorn(*, port: int, workers: int, log: Path, **env: str) -> Server:
    command = [sys.executable, "-m", "gunicorn", "-c", "operations/gunicorn_config.py", "beautysite.wsgi"]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}"]
    return Server(command, env=server_env(**env), log=log)


def celery_worker(*, concurrency: int, log: Path, options: tuple[str, ...] = (), **env: str) -> Server:
    command = [sys.executable, "-m", "celery", "-A", "beautysite", "worker", "--pool", "prefork"]
    command += ["--concurrency", str(concurrency), "--queues", "scoring", "--without-mingle", "--without-gossip"]
    command += list(options)
    return Server(command, env=server_env(**env), log=log)
