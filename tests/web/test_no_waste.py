"""No wasted work: thumbnails are made once when scoring, the model is loaded once per process."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring import inference
from scoring.models import Photo
from scoring.services import photos, pipeline
from tests.images import jpeg
from tests.web.helpers import photo_urls, stored_names

pytestmark = pytest.mark.django_db


def test_viewing_a_scored_photo_reads_its_stored_images_and_makes_none(client, alice, scored_photo, stage_count):
    before = stored_names(default_storage)
    assert (
        len(before) == len(scored_photo.stored_files()) == 4 + stage_count
    )  # original, annotated, filters, cam, layers
    client.force_login(alice)
    for url in photo_urls(scored_photo) * 2:
        assert client.get(url).status_code == 200, url
    assert stored_names(default_storage) == before


def test_the_model_is_loaded_once_per_process_however_many_photos_it_scores(alice, astronaut, monkeypatch):
    import ml.inference.predictor

    loads = []
    real_load = ml.inference.predictor.load_weights
    monkeypatch.setattr(ml.inference.predictor, "load_weights", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    inference.get_predictor.cache_clear()
    try:
        for i in range(3):
            upload = SimpleUploadedFile(f"{i}.jpg", jpeg(astronaut), content_type="image/jpeg")
            pipeline.run_scoring_job(public_id=photos.photo_create(owner=alice, upload=upload).public_id)
    finally:
        inference.get_predictor.cache_clear()  # the next test gets a predictor built by the real loader
    assert Photo.objects.filter(status=Photo.Status.DONE).count() == 3
    assert len(loads) == 1
