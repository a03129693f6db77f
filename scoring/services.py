"""Writes: every change to a photo goes through one of these functions."""

import io
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from scoring.images import clean_upload
from scoring.models import Face, LayerImage, Photo, photo_file_name, photo_folder, results_folder

log = logging.getLogger(__name__)


class ResultsNotStored(RuntimeError):
    """A storage or database error kept the task's own photo from being scored; the task retries it later."""


GAVE_UP_MESSAGE = "We could not score this photo because of an error on our side. Delete it and upload it again later."


_filters_png_by_version: dict[str, bytes] = {}


def _filters_png(predictor) -> bytes:
    """The first-layer filters belong to the model, not the photo: encoded once per model version."""
    if predictor.version not in _filters_png_by_version:
        buffer = io.BytesIO()
        predictor.filters.save(buffer, format="PNG", optimize=True)
        _filters_png_by_version[predictor.version] = buffer.getvalue()
    return _filters_png_by_version[predictor.version]


def _jpeg(image: Image.Image) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return ContentFile(buffer.getvalue())


def queue_scoring(public_id) -> bool:
    """Send the scoring task; when the broker is down, log it and leave the photo queued for a later resend."""
    from scoring.tasks import score_photo

    try:
        score_photo.apply_async(args=[str(public_id)], queue=settings.SCORING_QUEUE, retry=False)
    except Exception:  # kombu/redis raise several types; none may lose the upload
        log.warning("could not reach the broker for photo %s; it stays queued", public_id, exc_info=True)
        return False
    return True


def photo_create(*, owner, upload) -> Photo:
    """Clean and store an upload, save its row as queued, and queue scoring once committed."""
    clean = clean_upload(upload)
    public_id = uuid.uuid4()
    name = default_storage.save(photo_file_name(public_id, "original", "jpg"), ContentFile(clean.content))
    try:
        with transaction.atomic():
            photo = Photo.objects.create(
                public_id=public_id, owner=owner, image=name, width=clean.width, height=clean.height
            )
            transaction.on_commit(lambda: queue_scoring(photo.public_id))
    except Exception:
        default_storage.delete(name)  # no orphan file when the row could not be saved
        raise
    return photo


def photo_requeue_stale(older_than: timedelta) -> int:
    """Send again photos queued longer than `older_than` or held by a worker that died.

    Their first message may have met a dead broker, or died with its worker.
    """
    now = timezone.now()
    dead_claim = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stale = Photo.objects.filter(
        Q(status=Photo.Status.QUEUED, created__lt=now - older_than)
        | Q(status=Photo.Status.RUNNING, claimed__lt=dead_claim)
    ).values_list("public_id", flat=True)
    return sum(queue_scoring(public_id) for public_id in stale)


def _claimable(public_id, task_id: str | None):
    """Photos a scoring task may take.

    Queued photos; running ones whose worker must have died (claimed before the hard time
    limit); and running ones claimed by this very task id: with late acknowledgement a
    message is delivered again only when the worker holding it died mid-task.
    """
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    abandoned = Q(status=Photo.Status.RUNNING, claimed__lt=stale)
    if task_id:
        abandoned |= Q(status=Photo.Status.RUNNING, claimed_by=task_id)
    return Photo.objects.filter(Q(status=Photo.Status.QUEUED) | abandoned, public_id=public_id)


def score_start(public_id, task_id: str | None = None) -> Photo | None:
    """Claim a photo for scoring; None when it is gone, done, or being scored by a live worker.

    A photo whose earlier attempts all died with their worker ends `failed` instead of
    being claimed again, so one poisonous photo cannot kill workers forever.
    """
    exhausted = _claimable(public_id, task_id).filter(attempts__gte=settings.SCORING_MAX_ATTEMPTS)
    spent = exhausted.first()
    if spent is not None:
        # What the killed attempts left goes first, so a photo seen `failed` has no stray file.
        _delete_result_files(spent)
        exhausted.update(status=Photo.Status.FAILED, error=GAVE_UP_MESSAGE, scored=timezone.now())
        log.warning("photo %s used up its %d attempts; marked failed", public_id, settings.SCORING_MAX_ATTEMPTS)
        return None
    claimed = _claimable(public_id, task_id).update(
        status=Photo.Status.RUNNING, attempts=F("attempts") + 1, claimed=timezone.now(), claimed_by=task_id or ""
    )
    return Photo.objects.get(public_id=public_id) if claimed else None


def score_fail(photo: Photo, message: str) -> None:
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED, error=message, scored=timezone.now())


def score_complete(photo: Photo, result, filters_png: bytes, annotated: Image.Image, model_version: str) -> None:
    """Store every image first, then the rows in one transaction; nothing is `done` without its files."""
    from ml.percentile import score_percentile

    saved: list[str] = []

    def save(kind: str, content: ContentFile, extension: str) -> str:
        name = default_storage.save(photo_file_name(photo.public_id, kind, extension), content)
        saved.append(name)
        return name

    _delete_result_files(photo)  # what an attempt killed mid-way may have left
    try:
        annotated_name = save("annotated", _jpeg(annotated), "jpg")
        filters_name = save("filters", ContentFile(filters_png), "png")
        face_files = []
        for scored in result.faces:
            cam = save("gradcam", _jpeg(scored.insight.grad_cam), "jpg")
            layers = [(view, save("layer", _jpeg(view.image), "jpg")) for view in scored.insight.layers]
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
                model_version=model_version,
                annotated=annotated_name,
                filters=filters_name,
                scored=timezone.now(),
            )
    except Exception:
        for name in saved:
            default_storage.delete(name)
        raise


def _claim_batch_mates(leader: Photo, task_id: str | None) -> list[Photo]:
    """Other waiting photos for the leader's task to score in the same forward pass.

    Only never-tried photos join a batch, and only a first attempt takes any: after a crash
    each photo is tried alone, so one poisonous photo cannot use up its neighbours' attempts.
    """
    wanted = settings.SCORING_BATCH_SIZE - 1
    if not task_id or leader.attempts > 1 or wanted <= 0:
        return []
    waiting = Photo.objects.filter(status=Photo.Status.QUEUED, attempts=0).order_by("created")
    ids = list(waiting.values_list("pk", flat=True)[:wanted])
    # Another worker may take some of the same rows first; the status condition settles it.
    Photo.objects.filter(pk__in=ids, status=Photo.Status.QUEUED, attempts=0).update(
        status=Photo.Status.RUNNING, attempts=F("attempts") + 1, claimed=timezone.now(), claimed_by=task_id
    )
    return list(Photo.objects.filter(pk__in=ids, status=Photo.Status.RUNNING, claimed_by=task_id).order_by("created"))


def _release_mates_of_a_dead_attempt(leader: Photo, task_id: str | None) -> None:
    """A task delivered again (its worker died) sends back the photos its first attempt took."""
    if task_id and leader.attempts > 1:
        _release(Photo.objects.filter(status=Photo.Status.RUNNING, claimed_by=task_id).exclude(pk=leader.pk))


def _release(photos) -> None:
    """Give claimed photos back to the queue and send them again; their attempts still count."""
    public_ids = list(photos.values_list("public_id", flat=True))
    Photo.objects.filter(public_id__in=public_ids, status=Photo.Status.RUNNING).update(status=Photo.Status.QUEUED)
    for public_id in public_ids:
        queue_scoring(public_id)


def _score_batch(photos: list[Photo]) -> list[Photo]:
    """Score the photos' faces in shared forward passes and store each photo's results.

    Returns the photos to try again: their original could not be read or their results not
    stored (a storage or database error); each is retried alone, the rest of the batch stands.
    """
    from ml.annotate import annotate
    from ml.faces import FaceError, load_image
    from scoring.inference import get_predictor

    predictor = get_predictor()
    retry: list[Photo] = []
    loaded: list[tuple[Photo, object]] = []
    for photo in photos:
        try:
            with default_storage.open(photo.image.name, "rb") as stored:
                loaded.append((photo, load_image(stored.read())))
        except FaceError as error:
            score_fail(photo, str(error))
        except Exception:
            log.exception("reading the original of photo %s failed", photo.public_id)
            retry.append(photo)
    results = predictor.score_images([rgb for _, rgb in loaded], explain=True)
    for (photo, rgb), result in zip(loaded, results):
        if result.error:
            score_fail(photo, result.error)
            continue
        annotated = annotate(rgb, [(face.box, face.score) for face in result.faces])
        try:
            score_complete(photo, result, _filters_png(predictor), annotated, predictor.version)
        except Exception:
            log.exception("storing the results of photo %s failed", photo.public_id)
            retry.append(photo)
    return retry


def photo_score(public_id, task_id: str | None = None) -> None:
    """The scoring job: claim the photo (and others waiting), score every face, store results.

    A photo that cannot be scored fails with a sentence for its owner; one hit by a storage or
    database error is retried: the task's own photo by the task, the others re-sent.
    """
    leader = score_start(public_id, task_id)
    if leader is None:
        log.info("photo %s is not queued (deleted or already taken); nothing to do", public_id)
        return
    _release_mates_of_a_dead_attempt(leader, task_id)
    mates = _claim_batch_mates(leader, task_id)
    try:
        retry = _score_batch([leader, *mates])
    except Exception:
        _release(Photo.objects.filter(pk__in=[mate.pk for mate in mates]))
        raise
    _release(Photo.objects.filter(pk__in=[photo.pk for photo in retry if photo.pk != leader.pk]))
    if any(photo.pk == leader.pk for photo in retry):
        raise ResultsNotStored(f"photo {public_id} could not be read or its results not stored")


def photo_rescore(photo: Photo) -> None:
    """Drop previous results and queue the photo again (admin action)."""
    with transaction.atomic():
        _delete_result_files(photo)
        photo.faces.all().delete()
        Photo.objects.filter(pk=photo.pk).update(
            status=Photo.Status.QUEUED, error="", attempts=0, annotated="", filters="", scored=None
        )
        transaction.on_commit(lambda: queue_scoring(photo.public_id))


def _files_in(folder: str) -> list[str]:
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{name}" for name in files]


def _delete_result_files(photo: Photo) -> None:
    """Everything scoring stored for the photo, orphans of an attempt killed mid-way included."""
    names = set(_files_in(results_folder(photo.public_id))) | {f.name for f in photo.stored_files()}
    for name in names - {photo.image.name}:
        default_storage.delete(name)


def photo_delete(photo: Photo) -> None:
    """Remove the photo, its results and every file stored in its folders."""
    _delete_result_files(photo)
    names = set(_files_in(photo_folder(photo.public_id))) | {photo.image.name}
    photo.delete()
    for name in names:
        default_storage.delete(name)


def user_delete(user) -> None:
    """Delete an account and everything it uploaded."""
    for photo in Photo.objects.filter(owner=user).prefetch_related("faces__layers"):
        photo_delete(photo)
    user.delete()
