"""A storage failure while saving results: never `done` without its files, retried, then failed."""

import pytest
from django.core.files.storage import default_storage

from scoring import services
from scoring.models import results_folder
from scoring.tasks import score_photo
from tests.web.conftest import stored_names

pytestmark = pytest.mark.django_db


def test_a_storage_error_while_storing_results_is_retried_then_fails_without_partial_files(
    alice, face_upload, settings
):
    photo = services.photo_create(owner=alice, upload=face_upload)
    # A plain file where the photo's results folder should be: every result save fails for real.
    blocker = results_folder(photo.public_id)
    with open(default_storage.path(blocker), "w") as handle:
        handle.write("not a folder")
    # Run in this process; Celery runs an eager task's retries at once instead of after a countdown.
    score_photo.apply(args=[str(photo.public_id)])
    photo.refresh_from_db()
    assert photo.attempts == settings.SCORING_MAX_ATTEMPTS
    assert photo.status == "failed" and "error on our side" in photo.error
    assert photo.faces.count() == 0 and not photo.annotated
    assert stored_names(default_storage) == sorted([photo.image.name, blocker])

    default_storage.delete(blocker)  # storage is back; staff re-score it from the admin
    services.photo_rescore(photo)
    score_photo.apply(args=[str(photo.public_id)])
    photo.refresh_from_db()
    assert photo.status == "done" and photo.faces.count() == 1
