"""Storage and database failures while saving results: never `done` without its files, retried, then failed."""

import pytest
from django.core.files.storage import default_storage

from scoring.models import results_folder
from scoring.services import jobs, photos
from scoring.tasks import score_photo_task
from tests.web.helpers import stored_names

pytestmark = pytest.mark.django_db


def test_a_storage_error_while_storing_results_is_retried_then_fails_without_partial_files(
    alice, face_upload, settings
):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    # A plain file where the photo's results folder should be: every result save fails for real.
    blocker = results_folder(photo.public_id)
    with open(default_storage.path(blocker), "w") as handle:
        handle.write("not a folder")
    # Run in this process; Celery runs an eager task's retries at once instead of after a countdown.
    score_photo_task.apply(args=[str(photo.public_id)])
    photo.refresh_from_db()
    assert photo.attempts == settings.SCORING_MAX_ATTEMPTS
    assert photo.status == "failed" and photo.error == jobs.GAVE_UP_MESSAGE
    assert photo.faces.count() == 0 and not photo.annotated
    assert stored_names(default_storage) == sorted([photo.image.name, blocker])

    default_storage.delete(blocker)  # storage is back; staff re-score it from the admin
    photos.photo_rescore(photo=photo)
    score_photo_task.apply(args=[str(photo.public_id)])
    photo.refresh_from_db()
    assert photo.status == "done" and photo.faces.count() == 1


REFUSE_FACES = {
    "sqlite": [
        "CREATE TRIGGER refuse_faces BEFORE INSERT ON scoring_face "
        "BEGIN SELECT RAISE(ABORT, 'injected: the database refuses writes'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_faces() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'injected: the database refuses writes'; END $$",
        "CREATE TRIGGER refuse_faces BEFORE INSERT ON scoring_face FOR EACH ROW EXECUTE FUNCTION refuse_faces()",
    ],
}


def test_a_database_error_while_storing_results_is_retried_then_fails_without_files(alice, face_upload, settings):
    from django.db import connection

    photo = photos.photo_create(owner=alice, upload=face_upload)
    # A real error raised by the database itself on every Face insert (rolled back with the test).
    with connection.cursor() as cursor:
        for statement in REFUSE_FACES[connection.vendor]:
            cursor.execute(statement)
    score_photo_task.apply(args=[str(photo.public_id)])
    photo.refresh_from_db()
    assert photo.attempts == settings.SCORING_MAX_ATTEMPTS
    assert photo.status == "failed" and photo.error == jobs.GAVE_UP_MESSAGE
    assert photo.faces.count() == 0 and not photo.annotated and not photo.model_version
    assert stored_names(default_storage) == [photo.image.name]  # the images stored before the rows are gone

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_faces" + (" ON scoring_face" if connection.vendor == "postgresql" else ""))
    photos.photo_rescore(photo=photo)
    score_photo_task.apply(args=[str(photo.public_id)])
    photo.refresh_from_db()
    assert photo.status == "done" and photo.faces.count() == 1


@pytest.mark.django_db(transaction=True)  # the rows' foreign keys are checked when their transaction commits
def test_a_photo_deleted_while_it_is_scored_leaves_no_files_no_error_and_no_retry(
    alice, face_upload, monkeypatch, caplog
):
    from scoring.services import pipeline

    photo = photos.photo_create(owner=alice, upload=face_upload)
    store_files = pipeline._store_files

    def then_the_owner_deletes_it(*args):
        stored = store_files(*args)
        photos.photo_delete(photo=photo)  # between the worker's files and its rows, as an API DELETE can land
        return stored

    monkeypatch.setattr(pipeline, "_store_files", then_the_owner_deletes_it)
    pipeline.run_scoring_job(public_id=photo.public_id)  # raises ResultsNotStored (a retry) if it counts as a failure
    assert stored_names(default_storage) == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
