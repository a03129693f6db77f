"""Workers killed with SIGKILL mid-task, as real processes: nothing lost, nothing scored twice.

Each test starts `celery worker` (prefork, one pool process) from tests/web/fault_worker.py,
which pauses while a result is half stored so the kill lands mid-task. `make test` runs
these on the embedded defaults (SQLite, filesystem broker) and on PostgreSQL + Redis.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command

from scoring.models import Photo
from scoring.services import jobs, photos
from tests.web.helpers import database_url, stored_names, wait_until, wait_until_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

# seconds; a claim older than this is taken over by the periodic resend. It is also the hard limit
# of the redelivered attempt, which on two busy cores may need more than 15 s to score a photo
# (then the limit, not the kill, ended it and the attempt counts came out wrong).
TIME_LIMIT = 30


def child_pids(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


class Worker:
    """`celery worker` in its own process group, sharing this test's database, media and broker."""

    def __init__(self, log: Path, pause: float = 2.0) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(default_storage.location),
            "FAULT_STORE_PAUSE": str(pause),
            "SCORING_TIME_LIMIT": str(TIME_LIMIT),
            "REDIS_VISIBILITY_TIMEOUT": str(TIME_LIMIT + 5),
        }
        command = [sys.executable, "-m", "celery", "-A", "tests.web.fault_worker", "worker", "--pool", "prefork"]
        command += ["--concurrency", "1", "--queues", "scoring", "--without-mingle", "--without-gossip"]
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pool_process(self, seconds: float = 60) -> int:
        """The pool process scoring photos: the worker's only child."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            children = child_pids(self.process.pid)
            if children:
                return children[0]
            time.sleep(0.1)
        raise AssertionError("the worker started no pool process")

    def kill_pool_process(self) -> None:
        os.kill(self.pool_process(), signal.SIGKILL)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None


@pytest.fixture
def start_worker(tmp_path):
    started = []

    def start(**options) -> Worker:
        started.append(Worker(tmp_path / "worker.log", **options))
        return started[-1]

    yield start
    for worker in started:
        if worker.alive():
            worker.kill()


def wait_until_running(photo: Photo, attempt: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        photo.refresh_from_db()
        if photo.status == Photo.Status.RUNNING and photo.attempts == attempt:
            return
        assert photo.status != Photo.Status.DONE, "scored before the kill; the pause is too short"
        time.sleep(0.05)
    raise AssertionError(f"attempt {attempt} never started; photo is {photo.status}")


def wait_for_orphans(photo: Photo, seconds: float = 30) -> list[str]:
    """The result files the killed attempt wrote before it died (it pauses after three)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        names = [name for name in stored_names(default_storage) if "/results/" in name]
        if len(names) >= 3:
            return names
        time.sleep(0.05)
    raise AssertionError("the attempt stored no partial results before the kill")


def assert_scored_once(photo: Photo, *, attempts: int, stage_count: int) -> None:
    photo = wait_until_finished(photo, seconds=120)
    assert photo.status == Photo.Status.DONE, photo.error
    assert photo.attempts == attempts
    assert photo.faces.count() == 1 and photo.faces.get().layers.count() == stage_count
    # Exactly the files the rows name: the dead attempt's half-written results are gone.
    assert stored_names(default_storage) == sorted(f.name for f in photo.stored_files())


def test_a_pool_process_killed_mid_task_is_replaced_and_the_photo_scored_once(
    start_worker, alice, face_upload, stage_count
):
    worker = start_worker()
    photo = photos.photo_create(owner=alice, upload=face_upload)
    wait_until_running(photo, attempt=1)
    orphans = wait_for_orphans(photo)
    worker.kill_pool_process()
    assert_scored_once(photo, attempts=2, stage_count=stage_count)
    assert not set(orphans) & set(stored_names(default_storage))
    assert worker.alive()


def test_a_whole_worker_killed_mid_task_leaves_the_photo_to_the_next_worker(
    start_worker, alice, face_upload, settings, stage_count
):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    first = start_worker()
    wait_until_running(photo, attempt=1)
    wait_for_orphans(photo)
    first.kill()  # main and pool process: nothing acknowledges or re-queues the message
    photo.refresh_from_db()
    assert photo.status == Photo.Status.RUNNING
    start_worker()
    # What celery beat does every few minutes: resend photos whose claim outlived the time
    # limit. (On Redis the unacknowledged message also comes back after its visibility timeout.)
    settings.CELERY_TASK_TIME_LIMIT = TIME_LIMIT

    def resent_and_finished() -> bool:
        call_command("requeue_stale")
        photo.refresh_from_db()
        return photo.status in (Photo.Status.DONE, Photo.Status.FAILED)

    # The claim must first outlive TIME_LIMIT, then the new worker scores the photo.
    wait_until(resent_and_finished, seconds=180, failure=lambda: f"photo still {photo.status}", every=2)
    assert_scored_once(photo, attempts=2, stage_count=stage_count)


def test_a_photo_that_keeps_killing_workers_fails_after_the_attempt_cap(start_worker, alice, face_upload):
    worker = start_worker()
    poison = photos.photo_create(owner=alice, upload=face_upload)
    for attempt in range(1, settings.SCORING_MAX_ATTEMPTS + 1):
        wait_until_running(poison, attempt)
        if attempt == 1:
            wait_for_orphans(poison)
        worker.kill_pool_process()
    poison = wait_until_finished(poison, seconds=120)
    assert poison.status == Photo.Status.FAILED and poison.error == jobs.GAVE_UP_MESSAGE
    assert poison.attempts == settings.SCORING_MAX_ATTEMPTS and poison.faces.count() == 0
    assert [name for name in stored_names(default_storage) if "/results/" in name] == []
    # The same worker goes on scoring the next photo.
    assert worker.alive()
    healthy = photos.photo_create(owner=alice, upload=face_upload)
    assert wait_until_finished(healthy, seconds=120).status == Photo.Status.DONE


def test_a_batch_whose_worker_is_killed_scores_each_of_its_photos_once(start_worker, alice, face_upload, stage_count):
    batch = [photos.photo_create(owner=alice, upload=face_upload) for _ in range(3)]  # all waiting
    worker = start_worker()
    wait_until(  # one task took all three
        lambda: Photo.objects.filter(status=Photo.Status.RUNNING, attempts=1).count() == 3,
        seconds=90,
        failure=lambda: f"not all three claimed: {list(Photo.objects.values_list('status', 'attempts'))}",
    )
    assert len(set(Photo.objects.values_list("claimed_by", flat=True))) == 1
    wait_for_orphans(batch[0])
    worker.kill_pool_process()
    # The redelivered task scores its own photo and sends the others back; each is then scored alone.
    finished = [wait_until_finished(photo, seconds=120) for photo in batch]
    assert [(p.status, p.attempts) for p in finished] == [(Photo.Status.DONE, 2)] * 3
    assert all(p.faces.count() == 1 and p.faces.get().layers.count() == stage_count for p in finished)
    assert stored_names(default_storage) == sorted(f.name for p in finished for f in p.stored_files())
    assert worker.alive()
