"""The images and compose.yaml, for real: built from this checkout, the stack up, a photo scored.

`make images` builds beauty-evaluator-web and beauty-evaluator-worker; compose.yaml starts them
with PostgreSQL and Redis on the stack's own bridge network (an explicit subnet) and the web's port
published on loopback only. No image registry answers on this machine, so the official `postgres`
and `redis` images the file names are replaced (POSTGRES_IMAGE, REDIS_IMAGE) by stand-ins built
here from Debian's postgresql and redis-server packages that honour the same environment
variables, command and data folders (tests/docker/standins). A photo uploaded through the web
container's API is scored by the worker container over Redis into PostgreSQL and its files read
back; Debian's Prometheus, on the same network with the repo's config and alert rules
(deploy/prometheus), scrapes the web (with METRICS_TOKEN) and the worker (WORKER_METRICS_PORT) and
its HTTP API counts the photo scored; the stack is taken down (volumes kept) and up again and the
photo and its files are intact.

Needs root and a kernel that runs Docker (scripts/ensure-docker.sh, run by `make test`, installs
it); it skips, saying why, only where Docker cannot run. Alone:
`.venv/bin/python -m pytest -m docker -s`.
"""

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from tests.images import jpeg

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]
DOCKER = "/usr/bin/docker"  # Debian's client (BuildKit built in)
STANDINS = {"POSTGRES_IMAGE": "postgres", "REDIS_IMAGE": "redis"}
ROLES = ("web", "worker", "beat")
PROMETHEUS = ROOT / "deploy" / "prometheus"


def docker_unavailable() -> str | None:
    """Why Docker cannot run here, or None."""
    if os.geteuid() != 0:
        return "Docker's daemon needs root"
    if not Path(DOCKER).exists() or not (shutil.which("docker-compose") or _has_compose_plugin()):
        return "Docker or compose is not installed (scripts/ensure-docker.sh installs both as root)"
    info = subprocess.run([DOCKER, "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        return f"the Docker daemon does not run here (no kernel support?): {info.stderr.strip()[-300:]}"
    return None


def _has_compose_plugin() -> bool:
    return Path(DOCKER).exists() and subprocess.run([DOCKER, "compose", "version"], capture_output=True).returncode == 0


def _run(*command: str, timeout: float = 900, env: dict | None = None, check: bool = True) -> str:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


DAEMON_LOST = ("error during connect", "Cannot connect to the Docker daemon", "connection reset")  # build-images.sh's


def _run_once_more_if_the_daemon_is_lost(*command: str, **options) -> str:
    """A build or `up` whose daemon died under it (seen once in CI) runs again on a daemon made
    sure of, as scripts/build-images.sh does; any other failure fails at once."""
    try:
        return _run(*command, **options)
    except AssertionError as failure:
        if not any(words in str(failure) for words in DAEMON_LOST):
            raise
    _run("bash", "scripts/ensure-docker.sh")
    return _run(*command, **options)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    """One compose project of compose.yaml, with its own name, subnet and loopback port."""

    def __init__(self, prometheus_config: Path) -> None:
        self.project = f"beautytest{os.getpid()}"
        self.subnet = f"10.232.{100 + os.getpid() % 150}.0/24"
        self.port, prometheus_port = _free_port(), _free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.prometheus = f"http://127.0.0.1:{prometheus_port}"
        self.metrics_token = secrets.token_urlsafe(24)
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/root"),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "BEAUTY_WEB_PORT": f"127.0.0.1:{self.port}",
            "BEAUTY_SUBNET": self.subnet,
            "METRICS_TOKEN": self.metrics_token,
            "PROMETHEUS_CONFIG_DIR": str(prometheus_config),
            "PROMETHEUS_PORT": f"127.0.0.1:{prometheus_port}",
            **{variable: f"beauty-standin-{name}:test" for variable, name in STANDINS.items()},
        }
        compose = shutil.which("docker-compose")
        files = ["-f", "compose.yaml", "-f", "tests/docker/compose.prometheus.yaml"]
        self.compose = [compose, *files] if compose else [DOCKER, "compose", *files]

    def command(self, *arguments: str) -> list[str]:
        return [*self.compose, "-p", self.project, *arguments]

    def __call__(self, *arguments: str, timeout: float = 600, check: bool = True) -> str:
        return _run(*self.command(*arguments), env=self.env, timeout=timeout, check=check)

    def container(self, service: str) -> str:
        return self("ps", "-q", service).strip()

    def containers(self) -> dict[str, str]:
        return {service: self.container(service) for service in ("postgres", "redis", *ROLES, "prometheus")}

    def wait_healthy(self, seconds: float = 420) -> None:
        deadline = time.monotonic() + seconds
        states = {}
        while time.monotonic() < deadline:
            states = {
                service: _run(DOCKER, "inspect", "-f", "{{.State.Health.Status}}", cid, check=False).strip()
                for service, cid in self.containers().items()
                if service != "prometheus"  # no health check of its own: its API is asked below
            }
            if all(state == "healthy" for state in states.values()):
                return
            time.sleep(3)
        raise AssertionError(f"not healthy after {seconds} s: {states}\n{self('logs', '--tail', '40', check=False)}")


def _prometheus_config(folder: Path, token: str) -> Path:
    """The repo's Prometheus config and rules, scraping every 2 s with the stack's token."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = "2s"
    for job in config["scrape_configs"]:
        if "authorization" in job:
            job["authorization"]["credentials"] = token
    folder.mkdir()
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    for rules in config.get("rule_files", []):
        shutil.copy(PROMETHEUS / rules, folder / rules)
    for path in (folder, *folder.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)  # read by the container's prometheus user
    return folder


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    reason = docker_unavailable()
    if reason:
        pytest.skip(f"cannot run Docker here: {reason}")
    _run("bash", "scripts/build-images.sh", timeout=1800)
    for name in (*STANDINS.values(), "prometheus"):
        _run_once_more_if_the_daemon_is_lost(
            DOCKER, "build", "-q", "-t", f"beauty-standin-{name}:test", f"tests/docker/standins/{name}",
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
        )  # fmt: skip
    folder = tmp_path_factory.mktemp("prometheus")
    folder.chmod(0o755)
    stack = Stack(folder / "config")
    _prometheus_config(folder / "config", stack.metrics_token)
    try:
        _run_once_more_if_the_daemon_is_lost(*stack.command("up", "-d"), env=stack.env, timeout=900)
        stack.wait_healthy()
        yield stack
    finally:
        stack("down", "-v", "--remove-orphans", timeout=600, check=False)


def _request(url: str, *, key: str, data: bytes | None = None, content_type: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {key}", "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _upload(stack: Stack, key: str, photo: bytes) -> str:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="astronaut.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, answer = _request(
        f"{stack.root}/api/photos/", key=key, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert status == 201, answer
    return json.loads(answer)["id"]


def _file_urls(answer: object) -> list[str]:
    """Every `*_url` of an API answer, nested ones (faces, layers) included."""
    if isinstance(answer, dict):
        found = [value for name, value in answer.items() if name.endswith("_url") and isinstance(value, str)]
        return found + [url for value in answer.values() for url in _file_urls(value)]
    if isinstance(answer, list):
        return [url for value in answer for url in _file_urls(value)]
    return []


def _prometheus_value(stack: Stack, query: str) -> float | None:
    url = f"{stack.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            result = json.loads(answer.read())["data"]["result"]
    except (urllib.error.URLError, ConnectionError):
        return None  # not up yet
    return float(result[0]["value"][1]) if result else None


def _prometheus_counts(stack: Stack, query: str, expected: float, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    value = None
    while time.monotonic() < deadline:
        value = _prometheus_value(stack, query)
        if value == expected:
            return
        time.sleep(2)
    targets = _run("curl", "-s", f"{stack.prometheus}/api/v1/targets", check=False)
    raise AssertionError(f"{query} = {value}, not {expected}, after {seconds} s\n{targets[-3000:]}")


def _scored(stack: Stack, key: str, photo_id: str, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, answer = _request(f"{stack.root}/api/photos/{photo_id}/", key=key)
        assert status == 200, answer
        photo = json.loads(answer)
        if photo["status"] in ("done", "failed"):
            return photo
        time.sleep(1)
    raise AssertionError(f"photo still {photo['status']} after {seconds} s\n{stack('logs', '--tail', '60', 'worker')}")


def _files(stack: Stack, key: str, photo: dict) -> dict[str, str]:
    """Each file the answer names, by URL: the digest of what the web serves there."""
    digests = {}
    for url in _file_urls(photo):
        status, body = _request(url if url.startswith("http") else stack.root + url, key=key)
        assert status == 200 and body, f"{url}: {status}"
        digests[url] = hashlib.sha256(body).hexdigest()
    return digests


def test_a_photo_uploaded_to_the_web_container_is_scored_and_survives_a_restart(stack, astronaut):
    key = stack(
        "exec", "-T", "web", "python", "manage.py", "shell", "-c",
        "from scoring.models import User; from scoring.services.api_keys import api_key_create; "
        "print(api_key_create(user=User.objects.create_user('docker', 'docker@example.com', 'pw-docker-123')))",
    ).strip().splitlines()[-1]  # fmt: skip
    photo_id = _upload(stack, key, jpeg(astronaut))

    photo = _scored(stack, key, photo_id)
    assert photo["status"] == "done", photo
    assert len(photo["faces"]) == 1 and 1 <= photo["faces"][0]["score"] <= 5
    files = _files(stack, key, photo)
    assert len(files) >= 4, files  # the original, the annotated copy, the filters, a Grad-CAM map...
    # The row is in PostgreSQL, and the job went through Redis.
    row = stack("exec", "-T", "postgres", "psql", "-U", "beauty", "-d", "beauty", "-tAc",
                f"SELECT status FROM scoring_photo WHERE public_id = '{photo_id}'")  # fmt: skip
    assert row.strip() == "done"
    assert "Connected to redis://" in stack("logs", "worker")
    # Prometheus reaches both (the web only with the token) and counts the photo the worker scored.
    _prometheus_counts(stack, 'up{job="beauty-web"}', 1)
    _prometheus_counts(stack, 'up{job="beauty-worker"}', 1)
    _prometheus_counts(stack, "sum(beauty_photos_scored_total)", 1)
    rules = json.loads(urllib.request.urlopen(f"{stack.prometheus}/api/v1/rules", timeout=10).read())
    assert rules["data"]["groups"], "the repo's alert rules were not loaded"

    stack("down", timeout=600)  # containers gone, named volumes kept
    stack("up", "-d", timeout=900)
    stack.wait_healthy()
    status, answer = _request(f"{stack.root}/api/photos/{photo_id}/", key=key)
    assert status == 200, answer
    again = json.loads(answer)
    assert again["status"] == "done" and again["faces"][0]["score"] == photo["faces"][0]["score"]
    assert sorted(_files(stack, key, again).values()) == sorted(files.values())


def test_no_process_of_the_stack_runs_as_root(stack):
    for service, cid in stack.containers().items():
        rows = [line.split(None, 2) for line in _run(DOCKER, "top", cid, "-eo", "pid,uid,args").splitlines()[1:]]
        assert rows, service
        assert all(uid != "0" for _pid, uid, _args in rows), f"{service} runs as root: {rows}"


def test_containers_reach_only_the_stacks_own_bridge(stack):
    network = f"{stack.project}_beauty"
    config = json.loads(_run(DOCKER, "network", "inspect", network))[0]
    assert config["Driver"] == "bridge"
    assert [pool["Subnet"] for pool in config["IPAM"]["Config"]] == [stack.subnet]
    for service, cid in stack.containers().items():
        inspected = json.loads(_run(DOCKER, "inspect", cid))[0]
        assert list(inspected["NetworkSettings"]["Networks"]) == [network], service
        published = [b for bindings in inspected["NetworkSettings"]["Ports"].values() if bindings for b in bindings]
        assert all(binding["HostIp"] == "127.0.0.1" for binding in published), (service, published)


def test_the_web_image_cannot_import_torch_or_opencv(stack):
    for module in ("torch", "cv2"):
        done = subprocess.run(
            [DOCKER, "run", "--rm", "--network", "none", "beauty-evaluator-web", "python", "-c", f"import {module}"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode != 0 and f"No module named '{module}'" in done.stderr, done.stderr
    worker = _run(DOCKER, "run", "--rm", "--network", "none", "beauty-evaluator-worker", "python", "-c",
                  "import torch, cv2; print(torch.__version__)")  # fmt: skip
    assert worker.strip() == "2.13.0+cpu"
