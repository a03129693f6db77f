"""The batching worker: one task scores the photos waiting with it, and a crash splits the batch."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring.models import Photo, results_folder
from scoring.services import jobs, photos, pipeline
from tests.images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_waiting(alice, astronaut):
    # Rows committed by the test transaction never reach on_commit, so no message is sent:
    # the photos wait in `queued` as they would behind a busy worker.
    return [
        photos.photo_create(owner=alice, upload=SimpleUploadedFile(f"{i}.jpg", jpeg(astronaut), "image/jpeg"))
        for i in range(3)
    ]


def test_one_task_scores_the_photos_waiting_with_its_own(three_waiting, settings):
    settings.SCORING_BATCH_SIZE = 2
    first, second, third = three_waiting
    pipeline.run_scoring_job(public_id=first.public_id, task_id="task-a")
    rows = {p.pk: p for p in Photo.objects.all()}
    assert [rows[p.pk].status for p in three_waiting] == ["done", "done", "queued"]  # oldest first, two at most
    assert rows[second.pk].claimed_by == "task-a" and rows[second.pk].attempts == 1
    assert rows[first.pk].faces.get().score == pytest.approx(rows[second.pk].faces.get().score, abs=1e-4)

    # Its own message comes later: nothing left to do.
    pipeline.run_scoring_job(public_id=second.public_id, task_id="task-b")
    assert Photo.objects.get(pk=second.pk).claimed_by == "task-a"


def test_a_task_delivered_again_after_a_crash_scores_its_photo_alone_and_sends_back_the_rest(three_waiting, settings):
    first, second, third = three_waiting
    # The first delivery claimed all three, then its worker died before storing anything.
    jobs.claim(public_id=first.public_id, task_id="task-a")
    assert len(jobs.claim_batch_mates(leader=Photo.objects.get(pk=first.pk), task_id="task-a")) == 2

    pipeline.run_scoring_job(public_id=first.public_id, task_id="task-a")  # the redelivered message
    rows = {p.pk: p for p in Photo.objects.all()}
    assert rows[first.pk].status == "done" and rows[first.pk].attempts == 2
    # The others go back to the queue, their crash counted; each will be tried alone.
    assert [(rows[p.pk].status, rows[p.pk].attempts) for p in (second, third)] == [("queued", 1), ("queued", 1)]
    pipeline.run_scoring_job(public_id=second.public_id, task_id="task-b")
    assert Photo.objects.get(pk=second.pk).status == "done"
    assert Photo.objects.get(pk=third.pk).status == "queued"  # never tried photos only join a batch


def test_a_batch_mate_whose_results_cannot_be_stored_goes_back_to_the_queue(three_waiting, settings):
    settings.SCORING_BATCH_SIZE = 2
    first, second, _ = three_waiting
    blocker = results_folder(second.public_id)
    with open(default_storage.path(blocker), "w") as handle:
        handle.write("not a folder")
    pipeline.run_scoring_job(public_id=first.public_id, task_id="task-a")
    assert Photo.objects.get(pk=first.pk).status == "done"
    mate = Photo.objects.get(pk=second.pk)
    assert (mate.status, mate.attempts, mate.faces.count()) == ("queued", 1, 0)
