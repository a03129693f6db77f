import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from scoring.images import UploadRejected
from scoring.models import LayerImage, Photo, photo_folder
from scoring.services import jobs, photos, pipeline
from tests.images import jpeg
from tests.web.helpers import gps_exif, stored_names

pytestmark = pytest.mark.django_db


def test_an_upload_is_stored_clean_under_a_random_name_and_queued(alice, astronaut):
    upload = SimpleUploadedFile("alice-at-home.jpg", jpeg(astronaut, exif=gps_exif()), content_type="image/jpeg")
    assert Image.open(io.BytesIO(jpeg(astronaut, exif=gps_exif()))).getexif().get_ifd(0x8825)
    photo = photos.photo_create(owner=alice, upload=upload)
    assert photo.status == Photo.Status.QUEUED
    assert "alice" not in photo.image.name
    with default_storage.open(photo.image.name) as stored:
        image = Image.open(stored)
        assert not image.getexif() and (image.width, image.height) == (512, 512)


def test_a_text_file_renamed_jpg_is_rejected_and_nothing_is_stored(alice):
    with pytest.raises(UploadRejected, match="not a photo we can read"):
        photos.photo_create(owner=alice, upload=SimpleUploadedFile("x.jpg", b"just text", content_type="image/jpeg"))
    assert Photo.objects.count() == 0 and stored_names(default_storage) == []


def test_scoring_stores_faces_layers_and_images_then_ends_done(alice, face_upload, stage_count):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.DONE and photo.model_version
    face = photo.faces.get()
    assert 1 <= face.score <= 5 and 0 <= face.percentile <= 100
    assert face.w > 50 and face.h > 50
    assert LayerImage.objects.filter(face=face).count() == stage_count
    for field_file in photo.stored_files():
        assert default_storage.exists(field_file.name)


def test_a_photo_without_a_face_ends_failed_with_a_sentence(alice, blank_upload):
    photo = photos.photo_create(owner=alice, upload=blank_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert photo.error.startswith("No face found in this photo")


def test_a_second_delivery_does_nothing(alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    pipeline.run_scoring_job(public_id=photo.public_id)
    photo.refresh_from_db()
    assert photo.attempts == 1 and photo.faces.count() == 1


def test_deleting_a_photo_removes_every_file(alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    assert len(stored_names(default_storage)) > 10
    photos.photo_delete(photo=Photo.objects.get(pk=photo.pk))
    assert stored_names(default_storage) == [] and Photo.objects.count() == 0
    # Not even its folder, whose name is the photo's id, stays behind.
    assert not Path(default_storage.path(photo_folder(photo.public_id))).exists()


def test_deleting_a_photo_someone_else_just_deleted_does_nothing(alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    stale = Photo.objects.get(pk=photo.pk)
    photos.photo_delete(photo=photo)
    photos.photo_delete(photo=stale)
    assert Photo.objects.count() == 0 and stored_names(default_storage) == []


def test_deleting_an_account_removes_its_photos_and_files(alice, face_upload):
    photos.photo_create(owner=alice, upload=face_upload)
    photos.user_delete(user=alice)
    assert stored_names(default_storage) == [] and Photo.objects.count() == 0


def test_rescore_queues_again_and_drops_old_results(alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    photos.photo_rescore(photo=Photo.objects.get(pk=photo.pk))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.QUEUED and photo.faces.count() == 0
    assert stored_names(default_storage) == [photo.image.name]


def test_a_photo_whose_worker_died_is_claimed_again_after_the_time_limit(alice, face_upload, settings):
    from datetime import timedelta

    from django.utils import timezone

    photo = photos.photo_create(owner=alice, upload=face_upload)
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.RUNNING, attempts=1, claimed=timezone.now())
    pipeline.run_scoring_job(public_id=photo.public_id)  # a live worker holds it: nothing happens
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.RUNNING
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    Photo.objects.filter(pk=photo.pk).update(claimed=long_ago)
    pipeline.run_scoring_job(public_id=photo.public_id)  # the redelivered message after the worker died
    photo.refresh_from_db()
    assert photo.status == Photo.Status.DONE and photo.attempts == 2 and photo.faces.count() == 1


def test_a_photo_that_keeps_killing_workers_ends_failed_after_the_attempt_cap(alice, face_upload, settings):
    from datetime import timedelta

    from django.utils import timezone

    photo = photos.photo_create(owner=alice, upload=face_upload)
    long_ago = timezone.now() - timedelta(hours=1)
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.RUNNING, attempts=settings.SCORING_MAX_ATTEMPTS, claimed=long_ago
    )
    pipeline.run_scoring_job(public_id=photo.public_id)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED and photo.error == jobs.GAVE_UP_MESSAGE and photo.faces.count() == 0


def test_a_task_that_keeps_failing_before_any_claim_stops_retrying_and_leaves_the_photo_queued(
    alice, face_upload, settings
):
    photo = photos.photo_create(owner=alice, upload=face_upload)  # queued, never claimed
    assert jobs.retry_delay(public_id=photo.public_id, retries=0) == 0
    assert jobs.retry_delay(public_id=photo.public_id, retries=settings.SCORING_MAX_ATTEMPTS) is None
    photo.refresh_from_db()
    assert photo.status == Photo.Status.QUEUED  # the periodic resend will try it again


def test_a_failed_attempt_is_retried_after_a_pause_until_the_attempt_cap(alice, face_upload, settings):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.RUNNING, attempts=1)
    assert jobs.retry_delay(public_id=photo.public_id, retries=0) == jobs.RETRY_PAUSE_SECONDS
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.QUEUED
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.RUNNING, attempts=settings.SCORING_MAX_ATTEMPTS)
    assert jobs.retry_delay(public_id=photo.public_id, retries=1) is None
    photo.refresh_from_db()
    assert (photo.status, photo.error) == (Photo.Status.FAILED, jobs.GAVE_UP_MESSAGE)
