"""The scoring job's protocol, and the one owner of its policy.

A photo's status moves queued -> running (claimed by one task) -> done | failed, or back to
queued when its task gives it back. Here are sending, claiming, batch mates, giving back,
re-sending stale photos, and what a failed attempt leads to: a retry after a pause, or
`failed` once the photo has used up SCORING_MAX_ATTEMPTS. An attempt an outage stopped (the
database or storage unreachable) does not count: the photo is given back and sent again later.
"""

import logging
import uuid
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from scoring.models import Photo
from scoring.services import storage
from scoring.signals import photos_claimed, photos_failed

log = logging.getLogger(__name__)

# The task's registered name: jobs send it by name, so services never import the task module
# (which imports them). Unchanged by the rename of the function, so messages queued before it
# are still understood.
SCORE_PHOTO_TASK = "scoring.tasks.score_photo"

GAVE_UP_MESSAGE = "We could not score this photo because of an error on our side. Delete it and upload it again later."
TOO_SLOW_MESSAGE = "Scoring took too long. Try again with a smaller photo."
RETRY_PAUSE_SECONDS = 5  # times the attempts already made
OUTAGE_PAUSE_SECONDS = 10  # before a photo an outage held up is tried again
OUTAGE_RETRIES = 30  # a task meeting an outage retries this often (5 minutes), then leaves the photo to beat


def send(*, public_id: uuid.UUID | str, countdown: float | None = None) -> bool:
    """Send the scoring task (run no sooner than `countdown` seconds from now, if given); when the
    broker is down, log it and leave the photo queued for a later resend."""
    try:
        current_app.send_task(
            SCORE_PHOTO_TASK, args=[str(public_id)], queue=settings.SCORING_QUEUE, retry=False, countdown=countdown
        )
    except Exception:  # kombu/redis raise several types; none may lose the upload
        log.warning("could not reach the broker for photo %s; it stays queued", public_id, exc_info=True)
        return False
    return True


def requeue_stale(*, older_than: timedelta) -> int:
    """Send again photos queued longer than `older_than` or held by a worker that died.

    Their first message may have met a dead broker, or died with its worker.
    """
    now = timezone.now()
    stale = Photo.objects.filter(
        Q(status=Photo.Status.QUEUED, created__lt=now - older_than)
        | Q(status=Photo.Status.RUNNING, claimed__lt=_dead_claim_time())
    ).values_list("public_id", flat=True)
    return sum(send(public_id=public_id) for public_id in stale)


def _dead_claim_time():
    """A claim older than the task's hard time limit belongs to a worker that died."""
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def _claimable(public_id: uuid.UUID | str, task_id: str | None) -> QuerySet[Photo]:
    """Photos a scoring task may take.

    Queued photos; running ones whose worker must have died (claimed before the hard time
    limit); and running ones claimed by this very task id: with late acknowledgement a
    message is delivered again only when the worker holding it died mid-task.
    """
    abandoned = Q(status=Photo.Status.RUNNING, claimed__lt=_dead_claim_time())
    if task_id:
        abandoned |= Q(status=Photo.Status.RUNNING, claimed_by=task_id)
    return Photo.objects.filter(Q(status=Photo.Status.QUEUED) | abandoned, public_id=public_id)


def claim(*, public_id: uuid.UUID | str, task_id: str | None = None) -> Photo | None:
    """Claim a photo for scoring; None when it is gone, done, or being scored by a live worker.

    A photo whose earlier attempts all died with their worker ends `failed` instead of
    being claimed again, so one poisonous photo cannot kill workers forever.
    """
    exhausted = _claimable(public_id, task_id).filter(attempts__gte=settings.SCORING_MAX_ATTEMPTS)
    spent = exhausted.first()
    if spent is not None:
        # What the killed attempts left goes first, so a photo seen `failed` has no stray file.
        storage.result_files_delete(photo=spent)
        _mark_failed(exhausted, message=GAVE_UP_MESSAGE)
        log.warning("photo %s used up its %d attempts; marked failed", public_id, settings.SCORING_MAX_ATTEMPTS)
        return None
    claimed = _claimable(public_id, task_id).update(
        status=Photo.Status.RUNNING, attempts=F("attempts") + 1, claimed=timezone.now(), claimed_by=task_id or ""
    )
    if not claimed:
        return None
    photo = Photo.objects.get(public_id=public_id)
    photos_claimed.send(sender=claim, photos=[photo])
    return photo


def claim_batch_mates(*, leader: Photo, task_id: str | None) -> list[Photo]:
    """Other waiting photos for the leader's task to score in the same forward pass.

    Only never-tried photos join a batch, and only a first attempt takes any: after a crash
    each photo is tried alone, so one poisonous photo cannot use up its neighbours' attempts.
    """
    wanted = settings.SCORING_BATCH_SIZE - 1
    if not task_id or leader.attempts > 1 or wanted <= 0:
        return []
    # A photo given back after an outage waits out its pause first: taken into every next batch,
    # it would be tried again at once, and each try would send it again (give_back_after_outage).
    rested = Q(claimed__isnull=True) | Q(claimed__lt=timezone.now() - timedelta(seconds=OUTAGE_PAUSE_SECONDS))
    waiting = Photo.objects.filter(rested, status=Photo.Status.QUEUED, attempts=0).order_by("created")
    ids = list(waiting.values_list("pk", flat=True)[:wanted])
    # Another worker may take some of the same rows first; the status condition settles it.
    Photo.objects.filter(pk__in=ids, status=Photo.Status.QUEUED, attempts=0).update(
        status=Photo.Status.RUNNING, attempts=F("attempts") + 1, claimed=timezone.now(), claimed_by=task_id
    )
    mates = list(Photo.objects.filter(pk__in=ids, status=Photo.Status.RUNNING, claimed_by=task_id).order_by("created"))
    photos_claimed.send(sender=claim_batch_mates, photos=mates)
    return mates


def release_mates_of_a_dead_attempt(*, leader: Photo, task_id: str | None) -> None:
    """A task delivered again (its worker died) sends back the photos its first attempt took."""
    if task_id and leader.attempts > 1:
        release(photos=Photo.objects.filter(status=Photo.Status.RUNNING, claimed_by=task_id).exclude(pk=leader.pk))


def release(*, photos: QuerySet[Photo]) -> None:
    """Give claimed photos back to the queue and send them again; their attempts still count."""
    public_ids = list(photos.values_list("public_id", flat=True))
    Photo.objects.filter(public_id__in=public_ids, status=Photo.Status.RUNNING).update(status=Photo.Status.QUEUED)
    for public_id in public_ids:
        send(public_id=public_id)


def give_back_after_outage(*, photos: QuerySet[Photo]) -> None:
    """Photos an outage (database or storage unreachable) kept from being scored go back to the
    queue with that attempt uncounted, and are sent again after a pause, not at once into the
    same outage."""
    public_ids = list(photos.filter(status=Photo.Status.RUNNING).values_list("public_id", flat=True))
    Photo.objects.filter(public_id__in=public_ids, status=Photo.Status.RUNNING).update(
        status=Photo.Status.QUEUED, attempts=F("attempts") - 1, claimed=timezone.now()
    )
    for public_id in public_ids:
        send(public_id=public_id, countdown=OUTAGE_PAUSE_SECONDS)


def fail(*, photo: Photo, message: str) -> None:
    """End the photo `failed` with a sentence for its owner."""
    _mark_failed(Photo.objects.filter(pk=photo.pk), message=message)


def fail_too_slow(*, public_id: uuid.UUID | str) -> None:
    """The task ran past its soft time limit: a bigger photo will not go faster next time."""
    _mark_failed(Photo.objects.filter(public_id=public_id), message=TOO_SLOW_MESSAGE)


def _mark_failed(photos: QuerySet[Photo], *, message: str) -> None:
    """Every way a photo ends `failed` comes through here, so listeners (the metrics) hear each one."""
    failed = photos.update(status=Photo.Status.FAILED, error=message, scored=timezone.now())
    if failed:
        photos_failed.send(sender=_mark_failed, error=message, count=failed)


def retry_delay(*, public_id: uuid.UUID | str, retries: int) -> int | None:
    """What an attempt that raised leads to: seconds to wait before the task runs again, or None.

    None when the photo is gone, when it has used up its attempts (it ends `failed`), or when
    the task itself was already retried that many times without the photo being claimed (a
    database that stays down): the photo is left queued for the periodic resend.
    """
    photo = Photo.objects.filter(public_id=public_id).first()
    if photo is None:
        return None
    if photo.attempts >= settings.SCORING_MAX_ATTEMPTS:
        fail(photo=photo, message=GAVE_UP_MESSAGE)
        return None
    Photo.objects.filter(pk=photo.pk, status=Photo.Status.RUNNING).update(status=Photo.Status.QUEUED)
    if retries >= settings.SCORING_MAX_ATTEMPTS:
        return None
    return RETRY_PAUSE_SECONDS * photo.attempts
