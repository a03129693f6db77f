"""The scoring job's stage timer: what the bench's stage table and the worker's metrics read."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ml.inference.stage_timer import STAGES
from scoring.inference import get_predictor
from scoring.services import photos, pipeline
from scoring.signals import scoring_job_timed
from tests.images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs_timed():
    """Each (timer, photos) the scoring jobs send while the test runs."""
    sent = []

    def keep(sender, timer, photos, **kwargs):
        sent.append((timer, photos))

    scoring_job_timed.connect(keep, weak=False)
    yield sent
    scoring_job_timed.disconnect(keep)


def test_the_stages_add_up_to_the_jobs_time(alice, astronaut, grace_hopper, settings, jobs_timed):
    settings.SCORING_BATCH_SIZE = 4
    waiting = [
        photos.photo_create(owner=alice, upload=SimpleUploadedFile(f"{i}.jpg", jpeg(photo), "image/jpeg"))
        for i, photo in enumerate([astronaut, grace_hopper] * 2)
    ]
    get_predictor()  # loaded once when a worker starts, not in any job
    began = time.perf_counter()
    pipeline.run_scoring_job(public_id=waiting[0].public_id, task_id="task-a")
    elapsed = time.perf_counter() - began

    ((timer, claimed),) = jobs_timed
    assert claimed == 4
    assert all(timer.wall[stage] > 0 for stage in STAGES), timer.wall
    assert all(timer.cpu[stage] >= 0 for stage in STAGES)
    assert timer.total_wall == pytest.approx(elapsed, rel=0.10)


def test_a_photo_with_no_face_is_timed_up_to_its_detection(alice, jobs_timed, blank_upload):
    photo = photos.photo_create(owner=alice, upload=blank_upload)
    pipeline.run_scoring_job(public_id=photo.public_id, task_id="task-a")
    ((timer, _),) = jobs_timed
    assert timer.wall["read"] > 0 and timer.wall["detect"] > 0
    assert timer.wall["model"] == timer.wall["look_inside"] == 0  # no face: the network never ran


def test_an_unknown_stage_is_refused():
    from ml.inference.stage_timer import StageTimer

    with pytest.raises(ValueError, match="unknown stage 'thinking'"):
        with StageTimer().stage("thinking"):
            pass
