"""The scoring job as a worker runs it: claim a batch, read the originals, run the model, store results."""

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from scoring.inference import get_predictor
from scoring.models import Face, LayerImage, Photo
from scoring.services import jobs, storage

log = logging.getLogger(__name__)


class ResultsNotStored(RuntimeError):
    """A storage or database error kept the task's own photo from being scored; the task retries it later."""


def run_scoring_job(public_id, *, task_id: str | None = None) -> None:
    """Claim the photo (and others waiting), score every face, store the results.

    A photo that cannot be scored fails with a sentence for its owner; one hit by a storage or
    database error is retried: the task's own photo by the task (ResultsNotStored), the others
    given back to the queue.
    """
    leader = jobs.claim(public_id, task_id=task_id)
    if leader is None:
        log.info("photo %s is not queued (deleted or already taken); nothing to do", public_id)
        return
    jobs.release_mates_of_a_dead_attempt(leader, task_id)
    mates = jobs.claim_batch_mates(leader, task_id)
    try:
        retry = _score_photos([leader, *mates])
    except Exception:
        jobs.release(Photo.objects.filter(pk__in=[mate.pk for mate in mates]))
        raise
    jobs.release(Photo.objects.filter(pk__in=[photo.pk for photo in retry if photo.pk != leader.pk]))
    if any(photo.pk == leader.pk for photo in retry):
        raise ResultsNotStored(f"photo {public_id} could not be read or its results not stored")


def _score_photos(photos: list[Photo]) -> list[Photo]:
    """Score the photos' faces in shared forward passes and store each photo's results.

    Returns the photos to try again: their original could not be read or their results not
    stored (a storage or database error); each is retried alone, the rest of the batch stands.
    """
    from ml.annotate import annotate  # the worker imports torch; the web process never does

    predictor = get_predictor()
    loaded, retry = _read_originals(photos)
    results = predictor.score_images([rgb for _, rgb in loaded], explain=True)
    for (photo, rgb), result in zip(loaded, results):
        if result.error:
            jobs.fail(photo, result.error)
            continue
        annotated = annotate(rgb, [(face.box, face.score) for face in result.faces])
        try:
            _store_results(photo, result=result, annotated=annotated, predictor=predictor)
        except Exception:
            log.exception("storing the results of photo %s failed", photo.public_id)
            retry.append(photo)
    return retry


def _read_originals(photos: list[Photo]) -> tuple[list[tuple[Photo, object]], list[Photo]]:
    """(photo, RGB array) for each readable original, and the photos whose original storage did not give."""
    from ml.faces import FaceError, load_image

    loaded, unread = [], []
    for photo in photos:
        try:
            with default_storage.open(photo.image.name, "rb") as stored:
                loaded.append((photo, load_image(stored.read())))
        except FaceError as error:
            jobs.fail(photo, str(error))
        except Exception:
            log.exception("reading the original of photo %s failed", photo.public_id)
            unread.append(photo)
    return loaded, unread


_filters_png_by_version: dict[str, bytes] = {}


def _filters_png(predictor) -> bytes:
    """The first-layer filters belong to the model, not the photo: encoded once per model version."""
    if predictor.version not in _filters_png_by_version:
        buffer = io.BytesIO()
        predictor.filters.save(buffer, format="PNG", optimize=True)
        _filters_png_by_version[predictor.version] = buffer.getvalue()
    return _filters_png_by_version[predictor.version]


def _store_results(photo: Photo, *, result, annotated, predictor) -> None:
    """Store every image first, then the rows in one transaction; nothing is `done` without its files."""
    from ml.percentile import score_percentile

    saved: list[str] = []

    def save(kind: str, content: ContentFile, extension: str) -> str:
        name = storage.file_store(photo.public_id, kind=kind, content=content, extension=extension)
        saved.append(name)
        return name

    storage.result_files_delete(photo)  # what an attempt killed mid-way may have left
    try:
        annotated_name = save("annotated", storage.jpeg_content(annotated), "jpg")
        filters_name = save("filters", ContentFile(_filters_png(predictor)), "png")
        face_files = []
        for scored in result.faces:
            cam = save("gradcam", storage.jpeg_content(scored.insight.grad_cam), "jpg")
            layers = [(view, save("layer", storage.jpeg_content(view.image), "jpg")) for view in scored.insight.layers]
            face_files.append((cam, layers))
        with transaction.atomic():
            for rank, (scored, (cam, layers)) in enumerate(zip(result.faces, face_files)):
                x, y, w, h = scored.box
                face = Face.objects.create(
                    photo=photo,
                    rank=rank,
                    x=x,
                    y=y,
                    w=w,
                    h=h,
                    score=scored.score,
                    percentile=score_percentile(scored.score),
                    grad_cam=cam,
                )
                LayerImage.objects.bulk_create(
                    LayerImage(face=face, order=i, name=view.name, shape="x".join(map(str, view.shape)), image=name)
                    for i, (view, name) in enumerate(layers)
                )
            Photo.objects.filter(pk=photo.pk).update(
                status=Photo.Status.DONE,
                error="",
                model_version=predictor.version,
                annotated=annotated_name,
                filters=filters_name,
                scored=timezone.now(),
            )
    except Exception:
        storage.files_delete(saved)
        raise
