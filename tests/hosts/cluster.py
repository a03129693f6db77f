"""The service as production runs it, one role per host, no shared disk.

- data: PostgreSQL (its own cluster, run as the `postgres` user), Redis (append-only file, so a
  restart keeps the queue) and moto's S3 server on a second address of its own;
- web: gunicorn with production settings, celery beat and the small worker for beat's jobs;
- worker1, worker2: one scoring worker each, one pool process, one torch thread.

Each host has its own empty folder (BEAUTY_VAR_DIR, HOME, logs); files travel only through S3.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import boto3
import psycopg

from bench.service import wait_until
from tests.hosts.network import Host, Network

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
BUCKET = "beauty-photos"
WEB_PORT = 8000

# The job policy under test, chosen for a test that lasts minutes (production defaults: README).
# A claim older than the hard limit is a dead worker's; beat looks every few seconds; the
# visibility timeout stays above the hard limit so a live task is never delivered twice.
TIME_LIMIT_S = 30  # soft limit 20 s: a batch of 8 takes about 1 s here, 6 s on a busy machine
REQUEUE_EVERY_S = 5
REQUEUE_QUEUED_AFTER_MINUTES = 0.25
VISIBILITY_TIMEOUT_S = 60


class Cluster:
    def __init__(self) -> None:
        self.net = Network()
        self.folder = Path(tempfile.mkdtemp(prefix="beauty-hosts-"))
        os.chmod(self.folder, 0o755)  # the postgres user walks into data/
        try:
            self.data = self.net.add_host("data", 10, 11)
            self.web = self.net.add_host("web", 20)
            self.workers = {name: self.net.add_host(name, last) for name, last in (("worker1", 31), ("worker2", 32))}
        except BaseException:
            self.net.close()  # the hosts made so far, and the bridge
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.s3_address = self.net.address(11)
        self.processes: dict[str, subprocess.Popen] = {}
        self.secret = secrets.token_urlsafe(50)
        self.base_url = f"http://{self.web.address}:{WEB_PORT}"
        self.database_url = f"postgres://postgres@{self.data.address}:5432/beauty"
        self.s3_endpoint = f"http://{self.s3_address}:9000"

    # -- folders, logs, processes ------------------------------------------------------------
    def home(self, host: Host) -> Path:
        folder = self.folder / host.name
        folder.mkdir(exist_ok=True)
        return folder

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self, name: str, host: Host, argv: list, env: dict | None = None) -> subprocess.Popen:
        """`argv` on `host` in a process group of its own; output appended to <name>.log."""
        with open(self.log(name), "ab") as log:
            process = subprocess.Popen(
                host.command(*argv),
                cwd=ROOT,
                env=env or self.env(host),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM, wait: float = 30) -> None:
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def env(self, host: Host) -> dict:
        """Production settings for a host of the app, from a bare environment plus its own folder."""
        home = self.home(host)
        return {
            "PATH": os.environ["PATH"],
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "BEAUTY_VAR_DIR": str(home / "var"),
            "DJANGO_SETTINGS_MODULE": "beautysite.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": self.secret,
            "DJANGO_ALLOWED_HOSTS": self.web.address,
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # a private network, plain HTTP (README)
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_LOG_LEVEL": "INFO",
            "RATE_LIMITS": "false",  # 8 clients from one address; the limits have their own tests
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://{self.data.address}:6379/0",
            "REDIS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "SCORING_TIME_LIMIT": str(TIME_LIMIT_S),
            "SCORING_REQUEUE_EVERY_SECONDS": str(REQUEUE_EVERY_S),
            "SCORING_REQUEUE_AFTER_MINUTES": str(REQUEUE_QUEUED_AFTER_MINUTES),
            "SCORING_DEVICE": "cpu",
            "SCORING_TORCH_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }

    def manage(self, host: Host, *args: str) -> str:
        done = subprocess.run(
            host.command(BIN / "python", "manage.py", *args),
            cwd=ROOT,
            env=self.env(host),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    # -- the data host -----------------------------------------------------------------------
    def start_postgres(self) -> None:
        cluster = self.home(self.data) / "postgres"
        if not cluster.exists():
            cluster.mkdir()
            shutil.chown(cluster, "postgres", "postgres")
            as_postgres = ["runuser", "-u", "postgres", "--"]
            initdb = [*as_postgres, PG_BIN / "initdb", "-D", cluster, "-U", "postgres", "-A", "trust", "--no-sync"]
            subprocess.run(initdb, check=True, capture_output=True)
            with open(cluster / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all 10.231.{self.net.subnet}.0/24 trust\n")
        self.start(
            "postgres",
            self.data,
            [
                *("runuser", "-u", "postgres", "--", PG_BIN / "postgres", "-D", cluster),
                *("-c", f"listen_addresses={self.data.address}", "-c", f"unix_socket_directories={cluster}"),
                *("-c", "max_connections=100", "-c", "fsync=off"),
            ],
            env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
        )
        wait_until(self.postgres_answers, 60, "PostgreSQL on the data host did not answer")

    def postgres_answers(self) -> bool:
        try:
            psycopg.connect(f"postgres://postgres@{self.data.address}:5432/postgres", connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def stop_postgres(self) -> None:
        self.stop("postgres", signal.SIGINT)  # fast shutdown: open sessions are cut, nothing committed is lost

    def start_redis(self) -> None:
        folder = self.home(self.data) / "redis"
        folder.mkdir(exist_ok=True)
        self.start(
            "redis",
            self.data,
            [
                *("redis-server", "--bind", self.data.address, "--port", "6379", "--protected-mode", "no"),
                *("--dir", folder, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"),
            ],
        )
        wait_until(self.redis_answers, 30, "Redis on the data host did not answer")

    def redis_answers(self) -> bool:
        import redis

        try:
            return redis.Redis(host=self.data.address, socket_connect_timeout=1).ping()
        except redis.RedisError:
            return False

    def start_s3(self) -> None:
        self.start("moto", self.data, [BIN / "moto_server", "-H", self.s3_address, "-p", "9000"])

        def bucket_made() -> bool:
            try:
                self.s3().create_bucket(Bucket=BUCKET)
            except Exception:
                return False
            return True

        wait_until(bucket_made, 30, "moto's S3 server on the data host did not answer")

    def s3(self):
        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url, connect_timeout=5) as connection:
            return connection.execute(query, params).fetchall()

    # -- the web host ------------------------------------------------------------------------
    def start_web(self) -> None:
        psycopg.connect(f"postgres://postgres@{self.data.address}:5432/postgres", autocommit=True).execute(
            "CREATE DATABASE beauty"
        )
        self.manage(self.web, "migrate", "--noinput", "-v", "0")
        self.manage(self.web, "collectstatic", "--noinput", "-v", "0")
        self.start(
            "gunicorn",
            self.web,
            [BIN / "gunicorn", "beautysite.wsgi", "-w", "2", "-b", f"{self.web.address}:{WEB_PORT}", "--timeout", "60"],
        )
        wait_until(self.web_answers, 90, "gunicorn on the web host did not answer")
        # Beat and the small worker that runs its resend job: here, so a worker host that vanishes takes neither.
        beat_schedule = self.home(self.web) / "var" / "beat-schedule"
        self.start("beat", self.web, [BIN / "celery", "-A", "beautysite", "beat", "-s", beat_schedule, "-l", "INFO"])
        small = {**self.env(self.web), "SCORING_PRELOAD_MODEL": "false"}
        self.start("small-jobs", self.web, [*self.worker_argv("small", "celery")], env=small)

    def web_answers(self) -> bool:
        if self.processes["gunicorn"].poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.log('gunicorn').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(self.base_url + "/healthz", timeout=2)
        except OSError:
            return False
        return True

    # -- the worker hosts --------------------------------------------------------------------
    @staticmethod
    def worker_argv(name: str, queue: str) -> list:
        return [
            *(BIN / "celery", "-A", "beautysite", "worker", "-Q", queue, "-c", "1", "-n", f"{name}@%h"),
            *("--without-mingle", "--without-gossip", "-l", "INFO"),
        ]

    def start_worker(self, name: str) -> None:
        self.start(name, self.workers[name], self.worker_argv(name, "scoring"))

    def wait_for_workers(self, *names: str) -> None:
        def ready() -> bool:
            for name in names:
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log(name).read_text()[-2000:]}")
            return all(" ready." in self.log(name).read_text() for name in names)

        wait_until(ready, 180, f"workers {names} did not say they were ready")

    # -- teardown ----------------------------------------------------------------------------
    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name, signal.SIGKILL, wait=10)
        self.net.close()
        if os.environ.get("HOSTS_KEEP_LOGS"):
            print(f"the hosts' folders and logs: {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
