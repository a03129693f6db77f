"""The scoring job as a worker runs it: claim a batch, read the originals, run the model, store results.

The batch's CPU stages (reading and decoding the originals, drawing and encoding every result
image, the storage writes) run on ml's thread pool across the cores; its rows are written in a
few statements. Only this thread touches the database.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from ml.inference.stage_timer import StageTimer  # these two are pure Python: no torch in the web process
from ml.inference.threads import parallel_map
from operations import outages
from scoring.inference import get_predictor
from scoring.models import Face, LayerImage, Photo
from scoring.services import jobs, storage
from scoring.signals import photos_scored, scoring_job_timed

if TYPE_CHECKING:  # the worker imports torch; the web process never does
    import numpy as np

    from ml.inference.predictor import ImageResult

log = logging.getLogger(__name__)


class ResultsNotStored(RuntimeError):
    """A storage or database error kept the task's own photo from being scored; the task retries it later."""


def run_scoring_job(*, public_id: uuid.UUID | str, task_id: str | None = None) -> None:
    """Claim the photo (and others waiting), score every face, store the results.

    A photo that cannot be scored fails with a sentence for its owner; one hit by a storage or
    database error is retried: the task's own photo by the task (ResultsNotStored), the others
    given back to the queue. When the error was an outage (the database or storage does not
    answer now), every such photo is given back uncounted and sent again after a pause.
    """
    leader = jobs.claim(public_id=public_id, task_id=task_id)
    if leader is None:
        log.info("photo %s is not queued (deleted or already taken); nothing to do", public_id)
        return
    jobs.release_mates_of_a_dead_attempt(leader=leader, task_id=task_id)
    mates = jobs.claim_batch_mates(leader=leader, task_id=task_id)
    timer = StageTimer()
    try:
        retry = _score_photos([leader, *mates], timer)
    except Exception:
        jobs.release(photos=Photo.objects.filter(pk__in=[mate.pk for mate in mates]))
        raise
    scoring_job_timed.send(sender=run_scoring_job, timer=timer, photos=1 + len(mates))
    if retry and (outage := outages.unreachable_now()):
        # Not the photos' fault: they wait out the outage without using up their attempts.
        log.warning("%s: %d photos of this batch go back to the queue", outage, len(retry))
        jobs.give_back_after_outage(photos=Photo.objects.filter(pk__in=[photo.pk for photo in retry]))
        return
    jobs.release(photos=Photo.objects.filter(pk__in=[photo.pk for photo in retry if photo.pk != leader.pk]))
    if any(photo.pk == leader.pk for photo in retry):
        raise ResultsNotStored(f"photo {public_id} could not be read or its results not stored")


def _score_photos(photos: list[Photo], timer: StageTimer) -> list[Photo]:
    """Score the photos' faces in shared forward passes and store each photo's results.

    Returns the photos to try again: their original could not be read or their results not
    stored (a storage or database error); each is retried alone, the rest of the batch stands.
    Each stage's seconds add to `timer`.
    """
    predictor = get_predictor()
    with timer.stage("read"):
        loaded, retry = _read_originals(photos)
    results = predictor.score_images([rgb for _, rgb in loaded], explain=True, timer=timer)
    scored = []
    with timer.stage("rows"):
        for (photo, rgb), result in zip(loaded, results):
            if result.error:
                jobs.fail(photo=photo, message=result.error)
            else:
                scored.append(_Scored(photo, rgb, result))
    stored, unstored = _store_files(scored, _filters_png(predictor), timer)
    with timer.stage("rows"):
        return retry + unstored + _write_rows(stored, predictor.version)


def _read_originals(photos: list[Photo]) -> tuple[list[tuple[Photo, object]], list[Photo]]:
    """(photo, RGB array) for each readable original, and the photos whose original storage did not give.

    Read and decoded on ml's thread pool (file I/O and Pillow release the GIL); rows are
    written here, in this thread, whose database connection the task uses.
    """
    from ml.inference.faces import FaceError

    loaded, unread = [], []
    for photo, rgb in zip(photos, parallel_map(_read_original, photos)):
        if isinstance(rgb, FaceError):
            jobs.fail(photo=photo, message=str(rgb))
        elif isinstance(rgb, Exception):
            log.error("reading the original of photo %s failed", photo.public_id, exc_info=rgb)
            unread.append(photo)
        else:
            loaded.append((photo, rgb))
    return loaded, unread


def _read_original(photo: Photo):
    """The photo's RGB array, or the exception that kept it from being read (raised in a pool thread)."""
    from ml.inference.faces import load_image

    try:
        with default_storage.open(photo.image.name, "rb") as stored:
            return load_image(stored.read())
    except Exception as error:
        return error


_filters_png_by_version: dict[str, bytes] = {}


def _filters_png(predictor) -> bytes:
    """The first-layer filters belong to the model, not the photo: encoded once per model version."""
    if predictor.version not in _filters_png_by_version:
        buffer = io.BytesIO()
        predictor.filters.save(buffer, format="PNG", optimize=True)
        _filters_png_by_version[predictor.version] = buffer.getvalue()
    return _filters_png_by_version[predictor.version]


@dataclass
class _Scored:
    photo: Photo
    rgb: np.ndarray
    result: ImageResult


@dataclass
class _Stored:
    """A photo whose every result file is on storage, in the order `_result_files` makes them."""

    photo: Photo
    result: ImageResult
    names: list[str]


@dataclass
class _File:
    public_id: object
    kind: str
    extension: str
    content: Callable[[], ContentFile]  # drawn and encoded in the pool thread that stores it


def _result_files(scored: _Scored, filters_png: bytes) -> list[_File]:
    """Every file a scored photo gets: annotated photo, filters, then per face Grad-CAM and its layers."""
    from ml.inference.annotate import annotate

    public_id, result = scored.photo.public_id, scored.result
    boxes = [(face.box, face.score) for face in result.faces]
    files = [
        _File(public_id, "annotated", "jpg", lambda: storage.jpeg_content(image=annotate(scored.rgb, boxes))),
        _File(public_id, "filters", "png", lambda: ContentFile(filters_png)),
    ]
    for face in result.faces:
        files.append(_File(public_id, "gradcam", "jpg", partial(storage.jpeg_content, image=face.insight.grad_cam)))
        layers = face.insight.layers
        files += [_File(public_id, "layer", "jpg", partial(storage.jpeg_content, image=v.image)) for v in layers]
    return files


def _encoded(file: _File) -> ContentFile | Exception:
    """One file drawn and encoded (in a pool thread), or the exception that stopped it."""
    try:
        return file.content()
    except Exception as error:
        return error


def _store_file(file_and_content: tuple[_File, ContentFile | Exception]) -> str | Exception:
    """Save one encoded file (in a pool thread); its storage name, or the exception that stopped it."""
    file, content = file_and_content
    if isinstance(content, Exception):
        return content
    try:
        return storage.file_store(public_id=file.public_id, kind=file.kind, content=content, extension=file.extension)
    except Exception as error:
        return error


def _store_files(scored: list[_Scored], filters_png: bytes, timer: StageTimer) -> tuple[list[_Stored], list[Photo]]:
    """Encode, then store, every result file of the batch across the cores; photos with all their
    files, and the rest. A photo one of whose files could not be stored keeps none of them, and is retried.
    """
    with timer.stage("store"):
        scored, unstored = _clear_leftovers(scored)
    files = [_result_files(one, filters_png) for one in scored]
    every_file = [file for photo_files in files for file in photo_files]
    with timer.stage("encode"):
        contents = parallel_map(_encoded, every_file)
    with timer.stage("store"):
        outcomes = iter(parallel_map(_store_file, list(zip(every_file, contents))))
    stored = []
    for one, photo_files in zip(scored, files):
        names = [next(outcomes) for _ in photo_files]
        errors = [name for name in names if isinstance(name, Exception)]
        if errors:
            log.error("storing the results of photo %s failed", one.photo.public_id, exc_info=errors[0])
            storage.files_delete(names=(name for name in names if isinstance(name, str)))
            unstored.append(one.photo)
        else:
            stored.append(_Stored(one.photo, one.result, names))
    return stored, unstored


def _clear_leftovers(scored: list[_Scored]) -> tuple[list[_Scored], list[Photo]]:
    """Delete what an attempt killed mid-way may have left; photos whose folder could not be cleared are retried."""
    cleared, uncleared = [], []
    for one in scored:
        try:
            storage.result_files_delete(photo=one.photo)
        except Exception:
            log.exception("clearing the results of photo %s failed", one.photo.public_id)
            uncleared.append(one.photo)
        else:
            cleared.append(one)
    return cleared, uncleared


def _write_rows(stored: list[_Stored], model_version: str) -> list[Photo]:
    """Faces, layer images and `done` of the whole batch in one transaction; returns the photos not written.

    Should the batch's transaction fail, each photo is written alone, so one photo's error
    (say, deleted meanwhile) costs only that photo. A photo not written loses its files.
    """
    if not stored:
        return []
    try:
        with transaction.atomic():
            _insert_rows(stored, model_version)
        _log_scored(stored)
        return []
    except Exception:
        if len(stored) == 1:
            return _forget(stored[0])
        log.warning("writing the rows of %d photos at once failed; writing each alone", len(stored), exc_info=True)
    unwritten = []
    for one in stored:
        try:
            with transaction.atomic():
                _insert_rows([one], model_version)
        except Exception:
            unwritten += _forget(one)
        else:
            _log_scored([one])
    return unwritten


def _log_scored(stored: list[_Stored]) -> None:
    # One line per photo once its rows are committed: operators (and the several-hosts test)
    # count from the workers' logs which worker scored what, and that none scored a photo twice.
    for one in stored:
        log.info("photo %s scored: %d faces", one.photo.public_id, len(one.result.faces))
    photos_scored.send(sender=run_scoring_job, count=len(stored))


def _forget(one: _Stored) -> list[Photo]:
    storage.files_delete(names=one.names)
    if not Photo.objects.filter(pk=one.photo.pk).exists():
        # Its owner deleted it while it was scored (the fuzzer's DELETE did): nothing failed, nothing to retry.
        log.info("photo %s was deleted while it was scored; its results are dropped", one.photo.public_id)
        return []
    log.exception("writing the rows of photo %s failed", one.photo.public_id)
    return [one.photo]


def _insert_rows(stored: list[_Stored], model_version: str) -> None:
    """A few statements whatever the batch: all faces, all layer images, one update to `done`."""
    from ml.inference.percentile import score_percentile

    faces, layers, annotated, filters = [], [], [], []
    for one in stored:
        names = iter(one.names)
        annotated.append(When(pk=one.photo.pk, then=Value(next(names))))
        filters.append(When(pk=one.photo.pk, then=Value(next(names))))
        for rank, scored in enumerate(one.result.faces):
            cam = next(names)
            x, y, w, h = scored.box
            face = Face(
                photo=one.photo,
                rank=rank,
                x=x,
                y=y,
                w=w,
                h=h,
                score=scored.score,
                percentile=score_percentile(scored.score),
                distribution=scored.distribution,
                grad_cam=cam,
            )
            faces.append(face)
            layers += [
                LayerImage(face=face, order=i, name=view.name, shape="x".join(map(str, view.shape)), image=name)
                for i, (view, name) in enumerate(zip(scored.insight.layers, names))
            ]
    Face.objects.bulk_create(faces)  # sets each face's primary key, which its layer images need
    LayerImage.objects.bulk_create(layers)
    Photo.objects.filter(pk__in=[one.photo.pk for one in stored]).update(
        status=Photo.Status.DONE,
        error="",
        model_version=model_version,
        annotated=Case(*annotated),
        filters=Case(*filters),
        scored=timezone.now(),
    )
