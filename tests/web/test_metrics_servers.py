"""Metrics as real servers give them: gunicorn with several workers, a prefork Celery worker with
WORKER_METRICS_PORT, and Debian's Prometheus scraping both with the repo's config and rules."""

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml
from django.conf import settings
from prometheus_client import CollectorRegistry, generate_latest, multiprocess

from ml.inference.stage_timer import STAGES
from scoring.models import Photo
from tests.web.factories import PhotoFactory
from tests.web.helpers import upload, wait_until, wait_until_finished
from tests.web.metrics_helpers import celery_worker, free_port, gunicorn, samples, value

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
TOKEN = "metrics-token-for-the-test"
DEPLOY = Path(settings.BASE_DIR) / "deploy"


def get(url: str, token: str | None = None, seconds: float = 10) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=seconds) as response:
        return response.read().decode()


def wait_for_http(server, url: str, token: str | None = None, seconds: float = 120) -> None:
    def answers() -> bool:
        assert server.alive(), server.output()
        try:
            get(url, token, seconds=2)
        except OSError:
            return False
        return True

    wait_until(answers, seconds=seconds, failure=server.output, every=0.3)


@pytest.fixture
def servers():
    started = []
    yield started.append
    for server in started:
        server.stop()


def per_process(folder: Path, name: str, **labels: str) -> list[float]:
    """The value of `name` in each process's own file of a multiprocess folder."""
    counts = []
    for file in sorted(folder.glob("*.db")):
        alone = folder / "alone" / file.stem
        alone.mkdir(parents=True)
        shutil.copy(file, alone)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        found = value(samples(generate_latest(registry).decode()), name, **labels)
        if found:
            counts.append(found)
    return counts


def test_gunicorn_with_three_workers_sums_requests_whichever_worker_answers(tmp_path, servers, alice):
    PhotoFactory.create_batch(4, owner=alice, status=Photo.Status.QUEUED)
    folder = tmp_path / "multiprocess"
    port = free_port()
    web = gunicorn(port=port, workers=3, log=tmp_path / "gunicorn.log", METRICS_TOKEN=TOKEN,
                   PROMETHEUS_MULTIPROC_DIR=str(folder))  # fmt: skip
    servers(web)
    base = f"http://127.0.0.1:{port}"
    wait_for_http(web, f"{base}/healthz")
    requests = 60
    with ThreadPoolExecutor(6) as pool:  # concurrent connections, so every worker gets some
        list(pool.map(lambda _: get(f"{base}/about/"), range(requests)))
    counter = "django_http_requests_total_by_view_transport_method_total"
    for _ in range(6):  # each scrape may be answered by another worker: every one sums them all
        scraped = samples(get(f"{base}/metrics", TOKEN))
        assert value(scraped, counter, view="scoring:about", method="GET") == requests
        assert value(scraped, "beauty_photos_queued") == 4  # read once, never once per process
        assert value(scraped, "beauty_photos_scored_total") is None  # a worker's series, not the web's
    served_by = per_process(folder, counter, view="scoring:about")
    assert len(served_by) >= 2 and sum(served_by) == requests, served_by


def face(astronaut: np.ndarray, shift: int) -> np.ndarray:
    return np.roll(astronaut, shift, axis=1)  # another photo of the same face


def upload_and_score(alice, astronaut, faces: int) -> list[Photo]:
    photos = [upload(alice, face(astronaut, 7 * i), name=f"face{i}.jpg") for i in range(faces)]
    photos.append(upload(alice, np.full((240, 240, 3), 120, np.uint8), name="wall.jpg"))
    for photo in photos:
        wait_until_finished(photo, seconds=240)
    return photos


def test_a_prefork_worker_serves_every_pool_process_series(tmp_path, servers, alice, astronaut):
    port = free_port()
    folder = tmp_path / "multiprocess"
    # A pool process retires after two jobs: the four jobs below are counted in at least two
    # processes' files whichever process the broker hands them to, a retired one's among them.
    worker = celery_worker(concurrency=2, log=tmp_path / "worker.log", options=("--max-tasks-per-child", "2"),
                           WORKER_METRICS_PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(folder),
                           SCORING_BATCH_SIZE="1")  # fmt: skip
    servers(worker)
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(worker, url)
    before = samples(get(url))
    assert value(before, "beauty_photos_scored_total") == 0
    assert value(before, "beauty_photos_failed_total", code="no_face") == 0
    photos = upload_and_score(alice, astronaut, faces=3)
    assert [photo.status for photo in photos] == ["done"] * 3 + ["failed"]
    assert photos[-1].error_code == "no_face"
    scraped = samples(get(url))
    assert value(scraped, "beauty_photos_scored_total") == 3
    assert value(scraped, "beauty_photos_failed_total", code="no_face") == 1
    assert value(scraped, "beauty_photos_failed_total") == 1
    jobs = value(scraped, "beauty_batch_photos_count")
    assert jobs == 4 and value(scraped, "beauty_batch_photos_sum") == 4  # SCORING_BATCH_SIZE=1: a photo a job
    for stage in STAGES:
        assert value(scraped, "beauty_stage_seconds_count", stage=stage) == jobs, stage
    assert value(scraped, "beauty_stage_seconds_sum", stage="model") > 0
    assert value(scraped, "beauty_queue_wait_seconds_count") == 4
    assert value(scraped, "beauty_queue_wait_seconds_bucket", le="+Inf") == 4
    # Counted in every pool process that ran a job, summed by the main process.
    jobs_by_process = per_process(folder, "beauty_batch_photos_count")
    assert len(jobs_by_process) >= 2 and sum(jobs_by_process) == 4, jobs_by_process


def prometheus_config(web: int, worker: int, rules: Path) -> dict:
    """The example prometheus.yml, pointed at this test's servers on loopback."""
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(rules)]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    jobs["beauty-web"]["static_configs"] = [{"targets": [f"127.0.0.1:{web}"]}]
    jobs["beauty-web"]["authorization"] = {"type": "Bearer", "credentials": TOKEN}
    jobs["beauty-worker"]["static_configs"] = [{"targets": [f"127.0.0.1:{worker}"]}]
    return config


def query(base: str, expression: str) -> list:
    answer = json.loads(get(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expression})))
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


@pytest.fixture
def prometheus_installed():
    missing = [tool for tool in ("prometheus", "promtool") if shutil.which(tool) is None]
    assert not missing, f"{', '.join(missing)} not found: run scripts/ensure-prometheus.sh (make test does)"


def test_the_rules_and_the_example_config_are_valid_for_promtool(prometheus_installed):
    rules = subprocess.run(["promtool", "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert rules.returncode == 0, rules.stdout + rules.stderr
    config = subprocess.run(["promtool", "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml")],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert config.returncode == 0, config.stdout + config.stderr


def test_prometheus_scrapes_web_and_worker_and_counts_the_photos_scored(
    prometheus_installed, tmp_path, servers, alice, astronaut
):
    web_port, worker_port, prometheus_port = free_port(), free_port(), free_port()
    web = gunicorn(port=web_port, workers=2, log=tmp_path / "gunicorn.log", METRICS_TOKEN=TOKEN)
    worker = celery_worker(concurrency=1, log=tmp_path / "worker.log", WORKER_METRICS_PORT=str(worker_port))
    servers(web)
    servers(worker)
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(web_port, worker_port, DEPLOY / "prometheus" / "alerts.yml")))
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prometheus_port}"],
        stdout=(tmp_path / "prometheus.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{prometheus_port}"
        wait_for_http(web, f"http://127.0.0.1:{web_port}/healthz")
        wait_for_http(worker, f"http://127.0.0.1:{worker_port}/metrics")
        photos = upload_and_score(alice, astronaut, faces=2)
        scored = sum(photo.status == Photo.Status.DONE for photo in photos)
        assert scored == 2

        def prometheus_counted() -> bool:
            assert prometheus.poll() is None, (tmp_path / "prometheus.log").read_text()[-2000:]
            try:
                result = query(base, 'sum(beauty_photos_scored_total{job="beauty-worker"})')
            except OSError:
                return False
            return bool(result) and float(result[0]["value"][1]) == scored

        wait_until(prometheus_counted, seconds=60, every=0.5, failure=lambda: targets_health(base))

        def both_scraped() -> bool:
            # Each target is first scraped on its own schedule: "unknown" until then, not "down".
            targets = json.loads(get(f"{base}/api/v1/targets"))["data"]["activeTargets"]
            health = {(t["labels"]["job"], t["health"]) for t in targets}
            return health == {("beauty-web", "up"), ("beauty-worker", "up")}

        wait_until(both_scraped, seconds=30, every=0.5, failure=lambda: targets_health(base))
        queued = query(base, 'beauty_photos_queued{job="beauty-web"}')
        assert [float(sample["value"][1]) for sample in queued] == [0]
        failed = query(base, 'sum by (code) (beauty_photos_failed_total{job="beauty-worker"}) > 0')
        assert {sample["metric"]["code"]: float(sample["value"][1]) for sample in failed} == {"no_face": 1}
        # The rules are loaded and evaluate without error; every dashboard query is valid PromQL here.
        wait_until(lambda: rules_evaluated(base), seconds=30, every=0.5, failure=lambda: get(f"{base}/api/v1/rules"))
        for expression in dashboard_queries():
            query(base, expression)
    finally:
        prometheus.terminate()
        prometheus.wait(30)


def targets_health(base: str) -> str:
    targets = json.loads(get(f"{base}/api/v1/targets"))["data"]["activeTargets"]
    return "; ".join(f"{t['scrapeUrl']}: {t['health']} {t['lastError']}" for t in targets)


def rules_evaluated(base: str) -> bool:
    groups = json.loads(get(f"{base}/api/v1/rules"))["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    names = {rule["name"] for rule in rules}
    assert {"BeautyQueueGrowing", "BeautyFailuresRising", "BeautyNoWorkerAlive"} <= names, names
    assert all(rule["health"] != "err" for rule in rules), rules
    return all(rule["health"] == "ok" for rule in rules)


def dashboard_queries() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "beauty-evaluator.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(expressions) >= 8
    return [expression.replace("$__rate_interval", "1m") for expression in expressions]
