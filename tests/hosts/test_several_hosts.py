"""Four hosts that share no disk (network namespaces), a bounded load, and five faults.

data (PostgreSQL, Redis, moto's S3), web (gunicorn with production settings, beat), worker1 and
worker2 (one scoring worker each). Eight API clients upload PHOTOS photos from the root
namespace in six rounds; all but the first round meet a fault. At the end every photo must be
scored exactly once, every file it has must read back through the API's URLs, and the bucket
must hold exactly the files the rows name. The figures go to var/hosts-report.json and stdout
(RELIABILITY.md quotes one run).

Run alone: `.venv/bin/python -m pytest -m hosts -s` (root and `ip` needed).
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.photos import sample_photos
from tests.hosts import cluster as hosts
from tests.hosts.clients import Client, Tally, request, upload_concurrently
from tests.hosts.network import why_namespaces_cannot_be_made

pytestmark = pytest.mark.hosts

CLIENTS = 8
ROUNDS = {
    "steady": 80,
    "redis_restart": 24,
    "postgres_restart": 24,
    "s3_unreachable": 24,
    "web_cut_from_workers": 24,
    "worker_host_vanishes": 24,
}
PHOTOS = sum(ROUNDS.values())  # 200
OUTAGE_S = 6  # how long Redis, PostgreSQL or S3 stays away
# A job held by a vanished host is free once its claim is older than the hard time limit; beat
# looks every REQUEUE_EVERY_S and resends it; the other worker then scores its batch.
VANISHED_JOB_BOUND_S = hosts.TIME_LIMIT_S + hosts.REQUEUE_EVERY_S + 20  # 55 s
SCORED_LINE = re.compile(r"photo ([0-9a-f-]{36}) scored")
RECEIVED_LINE = re.compile(r"score_photo\[([0-9a-f-]{36})\] received")


@pytest.fixture(scope="module")
def cluster():
    reason = why_namespaces_cannot_be_made()
    if reason:
        pytest.skip(f"cannot build hosts here: {reason}")
    built = hosts.Cluster()
    try:
        built.start_postgres()
        built.start_redis()
        built.start_s3()
        built.start_web()
        for name in built.workers:
            built.start_worker(name)
        built.wait_for_workers(*built.workers)
        yield built
    finally:
        built.close()


def make_clients(cluster, tally: Tally) -> list[Client]:
    script = (
        "from rest_framework.authtoken.models import Token\n"
        "from scoring.models import User\n"
        f"for i in range({CLIENTS}):\n"
        "    user = User.objects.create_user(f'client{i}', f'client{i}@example.com', 'pw-client-12345')\n"
        "    print('token', Token.objects.create(user=user).key)\n"
    )
    printed = cluster.manage(cluster.web, "shell", "-c", script).splitlines()
    tokens = [line.split()[1] for line in printed if line.startswith("token ")]
    assert len(tokens) == CLIENTS
    return [Client(cluster.base_url, token, tally) for token in tokens]


def statuses(cluster, ids: list[str]) -> Counter:
    rows = cluster.sql("SELECT status, count(*) FROM scoring_photo WHERE public_id::text = ANY(%s) GROUP BY 1", ids)
    return Counter(dict(rows))


def wait_scored(cluster, ids: list[str], seconds: float) -> float:
    """Seconds until every photo in `ids` is done; fails on a failed photo or past `seconds`."""
    began = time.monotonic()
    while True:
        try:
            now = statuses(cluster, ids)
        except Exception:  # the database restarting
            now = Counter()
        assert now["failed"] == 0, f"photos failed: {now}"
        if now["done"] == len(ids):
            return time.monotonic() - began
        assert time.monotonic() - began < seconds, f"after {seconds}s: {dict(now)} of {len(ids)}"
        time.sleep(0.25)


def scored_by(cluster) -> dict[str, list[str]]:
    """Each photo id and the worker hosts whose logs say they scored it."""
    seen: dict[str, list[str]] = {}
    for name in cluster.workers:
        for public_id in SCORED_LINE.findall(cluster.log(name).read_text()):
            seen.setdefault(public_id, []).append(name)
    return seen


def accepted_count(tally: Tally) -> int:
    with tally.lock:
        return len(tally.accepted)


def run_round(cluster, clients, tally, count: int, fault=None) -> dict:
    """Upload `count` photos; `fault(figures)` runs once a third of them are in; then all are scored."""
    before = accepted_count(tally)
    began = time.monotonic()
    uploads = upload_concurrently(clients, sample_photos(), count)
    figures: dict = {"photos": count}
    if fault:
        while accepted_count(tally) < before + count // 3 and uploads.is_alive():
            time.sleep(0.05)
        fault(figures)
    uploads.join(hosts.TIME_LIMIT_S * 6)
    assert not uploads.is_alive(), "uploads did not finish"
    assert not uploads.failures, uploads.failures
    figures["uploads_s"] = round(time.monotonic() - began, 1)
    figures["all_scored_after_uploads_s"] = round(wait_scored(cluster, list(tally.accepted), 180), 1)
    return figures


def pages_answer(cluster, client: Client) -> int:
    """The front page, the log-in page, the API's photo list and /readyz: all must answer 200."""
    for path in ("/", "/accounts/login/", "/about/"):
        status, body, _ = request(cluster.base_url + path)
        assert status == 200, (path, status, body[:300])
    client.get("/api/photos/?page_size=5")
    status, body, _ = request(cluster.base_url + "/readyz")
    assert status == 200, body
    return 4


def restart(cluster, stop, start):
    def fault(figures: dict) -> None:
        stop()
        time.sleep(OUTAGE_S)
        start()
        figures["outage_s"] = OUTAGE_S
        figures["back_at"] = time.monotonic()

    return fault


def read_everything_back(tally: Tally, ids: list[str]) -> int:
    """GET every photo through the API as its owner, then every file URL it gives; returns the files read."""

    def urls(public_id: str) -> list[str]:
        photo = tally.owners[public_id].get(f"/api/photos/{public_id}/")
        assert photo["status"] == "done" and len(photo["faces"]) == 1, photo
        face = photo["faces"][0]
        return [photo["image_url"], photo["annotated_url"], photo["filters_url"], face["grad_cam_url"]] + [
            layer["url"] for layer in face["layers"]
        ]

    def fetch(url: str) -> int:
        status, body, _ = request(url)
        assert status == 200 and body[:4] in (b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"\x89PNG"), (url, status)
        return len(body)

    with ThreadPoolExecutor(CLIENTS) as pool:
        files = [url for group in pool.map(urls, ids) for url in group]
        sizes = list(pool.map(fetch, files))
    return len(sizes)


def stored_names(cluster) -> set[str]:
    names = set()
    for page in cluster.s3().get_paginator("list_objects_v2").paginate(Bucket=hosts.BUCKET):
        names |= {item["Key"] for item in page.get("Contents", [])}
    return names


def named_by_rows(cluster) -> set[str]:
    rows = cluster.sql(
        "SELECT image FROM scoring_photo UNION ALL SELECT annotated FROM scoring_photo "
        "UNION ALL SELECT filters FROM scoring_photo UNION ALL SELECT grad_cam FROM scoring_face "
        "UNION ALL SELECT image FROM scoring_layerimage"
    )
    return {name for (name,) in rows if name}


def test_four_hosts_no_shared_disk_survive_five_faults(cluster):
    tally = Tally()
    clients = make_clients(cluster, tally)
    report: dict = {"clients": CLIENTS, "photos_planned": PHOTOS, "rounds": {}}
    began = time.monotonic()

    report["rounds"]["steady"] = run_round(cluster, clients, tally, ROUNDS["steady"])

    # (b) Redis stopped for OUTAGE_S mid-load and started again.
    redis_round = run_round(
        cluster, clients, tally, ROUNDS["redis_restart"],
        restart(cluster, lambda: cluster.stop("redis"), cluster.start_redis),
    )  # fmt: skip
    redis_round["recovered_s"] = round(time.monotonic() - redis_round.pop("back_at"), 1)
    # Uploads accepted while the broker was away: kept queued, sent again by beat.
    redis_round["uploads_kept_unsent"] = cluster.log("gunicorn").read_text().count("could not reach the broker")
    report["rounds"]["redis_restart"] = redis_round

    # (c) PostgreSQL stopped (fast shutdown) for OUTAGE_S mid-load and started again.
    pg_round = run_round(
        cluster, clients, tally, ROUNDS["postgres_restart"],
        restart(cluster, cluster.stop_postgres, cluster.start_postgres),
    )  # fmt: skip
    pg_round["recovered_s"] = round(time.monotonic() - pg_round.pop("back_at"), 1)
    report["rounds"]["postgres_restart"] = pg_round

    # (d) S3 unreachable from every host for OUTAGE_S.
    app_hosts = [cluster.web, *cluster.workers.values()]

    def s3_away(figures: dict) -> None:
        refused_before = tally.codes_503["storage_unavailable"]
        for host in app_hosts:
            cluster.net.block(host, cluster.s3_address)
        time.sleep(OUTAGE_S / 2)
        # The photos' state stays readable (their URLs are signed without asking S3).
        listed = clients[0].get("/api/photos/?page_size=100")["results"]
        assert listed and {photo["status"] for photo in listed} <= {"queued", "running", "done"}
        time.sleep(OUTAGE_S / 2)
        for host in app_hosts:
            cluster.net.unblock(host, cluster.s3_address)
        figures["outage_s"] = OUTAGE_S
        figures["back_at"] = time.monotonic()
        figures["uploads_refused_503"] = tally.codes_503["storage_unavailable"] - refused_before

    s3_round = run_round(cluster, clients, tally, ROUNDS["s3_unreachable"], s3_away)
    s3_round["recovered_s"] = round(time.monotonic() - s3_round.pop("back_at"), 1)
    report["rounds"]["s3_unreachable"] = s3_round

    # (e) The web host and the worker hosts cannot reach each other: pages and API keep answering.
    def web_cut_from_workers(figures: dict) -> None:
        for worker in cluster.workers.values():
            cluster.net.block(cluster.web, worker.address)
            cluster.net.block(worker, cluster.web.address)
        checks, until = 0, time.monotonic() + OUTAGE_S
        while time.monotonic() < until:
            checks += pages_answer(cluster, clients[0])
        for worker in cluster.workers.values():
            cluster.net.unblock(cluster.web, worker.address)
            cluster.net.unblock(worker, cluster.web.address)
        figures["cut_s"] = OUTAGE_S
        figures["page_and_api_checks_answered_200"] = checks

    report["rounds"]["web_cut_from_workers"] = run_round(
        cluster, clients, tally, ROUNDS["web_cut_from_workers"], web_cut_from_workers
    )
    before_vanish = scored_by(cluster)
    assert {"worker1", "worker2"} <= {name for names in before_vanish.values() for name in names}

    # (a) worker1's link cut while it holds a batch (its processes alive), then its processes killed.
    vanished = cluster.workers["worker1"]

    def worker_host_vanishes(figures: dict) -> None:
        def held_by_worker1() -> list[str]:
            tasks = RECEIVED_LINE.findall(cluster.log("worker1").read_text())
            rows = cluster.sql(
                "SELECT public_id::text FROM scoring_photo WHERE status = 'running' AND claimed_by = ANY(%s)", tasks
            )
            return [public_id for (public_id,) in rows]

        # Mid-batch: wait for worker1 to hold a batch of several photos (or, failing that, one).
        began, held = time.monotonic(), []
        while len(held) < 2 and not (held and time.monotonic() - began > 15):
            assert time.monotonic() - began < 60, "worker1 never held a photo"
            time.sleep(0.02)
            held = held_by_worker1()
        cut_at = time.monotonic()
        cluster.net.cut(vanished)
        held = sorted(set(held) | set(held_by_worker1()))
        time.sleep(3)
        assert cluster.processes["worker1"].poll() is None, "worker1's processes must still run while cut off"
        cluster.stop("worker1", signal.SIGKILL)
        wait_scored(cluster, held, VANISHED_JOB_BOUND_S + 30)
        figures["held_by_vanished_host"] = len(held)
        figures["recovered_s"] = round(time.monotonic() - cut_at, 1)
        figures["bound_s"] = VANISHED_JOB_BOUND_S
        assert figures["recovered_s"] <= VANISHED_JOB_BOUND_S, figures
        figures["held_photos"] = held

    vanish_round = run_round(cluster, clients, tally, ROUNDS["worker_host_vanishes"], worker_host_vanishes)
    held = vanish_round.pop("held_photos")
    report["rounds"]["worker_host_vanishes"] = vanish_round
    report["load_s"] = round(time.monotonic() - began, 1)

    # Nothing lost, nothing twice, nothing half-written.
    accepted = list(tally.accepted)
    assert len(accepted) == len(set(accepted)) == PHOTOS
    rows = cluster.sql("SELECT public_id::text, status, attempts FROM scoring_photo")
    assert sorted(public_id for public_id, _, _ in rows) == sorted(accepted), "a 503 left a row, or a 201 none"
    assert {status for _, status, _ in rows} == {"done"}
    faces = Counter(
        dict(
            cluster.sql(
                "SELECT p.public_id::text, count(*) FROM scoring_face f JOIN scoring_photo p ON p.id = f.photo_id "
                "GROUP BY 1"
            )
        )
    )
    assert set(faces.values()) == {1} and len(faces) == len(accepted), "a photo scored twice has two faces"
    layers = set(dict(cluster.sql("SELECT face_id, count(*) FROM scoring_layerimage GROUP BY 1")).values())
    assert len(layers) == 1 and layers.pop() > 0, "every face has the same layer images"
    scorers = scored_by(cluster)
    twice = [public_id for public_id, names in scorers.items() if len(names) > 1]
    assert not twice, f"scored twice: {twice}"
    unlogged = set(accepted) - set(scorers)
    assert unlogged <= set(held), f"scored but logged by no worker: {unlogged}"  # a commit whose answer the cut lost
    assert all("worker2" in scorers.get(public_id, ["worker2"]) for public_id in held)
    per_worker = Counter(name for names in scorers.values() for name in names)
    assert per_worker["worker1"] > 0 and per_worker["worker2"] > 0, per_worker
    assert not tally.errors, tally.errors[:5]
    assert set(tally.codes_503) <= {"storage_unavailable", "database_unavailable"}, tally.codes_503

    files_read = read_everything_back(tally, accepted)
    assert stored_names(cluster) == named_by_rows(cluster), "the bucket holds exactly the files rows name"

    report.update(
        requests_sent=tally.requests + files_read,
        api_requests=tally.requests,
        files_read_back=files_read,
        answers=dict(sorted(tally.statuses.items())),
        answers_503_by_code=dict(tally.codes_503),
        photos_accepted=len(accepted),
        photos_scored=len(faces),
        scored_by_worker=dict(per_worker),
        faults_injected=5,
        photos_lost=len(set(accepted) - set(faces)),
        photos_scored_twice=len(twice),
        attempts=dict(Counter(attempts for _, _, attempts in rows)),
        total_s=round(time.monotonic() - began, 1),
        settings={
            "SCORING_TIME_LIMIT": hosts.TIME_LIMIT_S,
            "SCORING_REQUEUE_EVERY_SECONDS": hosts.REQUEUE_EVERY_S,
            "SCORING_REQUEUE_AFTER_MINUTES": hosts.REQUEUE_QUEUED_AFTER_MINUTES,
            "REDIS_VISIBILITY_TIMEOUT": hosts.VISIBILITY_TIMEOUT_S,
        },
    )
    hosts.ROOT.joinpath("var").mkdir(exist_ok=True)
    hosts.ROOT.joinpath("var", "hosts-report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
