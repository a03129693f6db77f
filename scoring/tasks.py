"""Celery tasks: a few lines each, the work is in services."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from scoring import services
from scoring.models import Photo

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=settings.SCORING_MAX_ATTEMPTS)
def score_photo(self, public_id: str) -> None:
    try:
        services.photo_score(public_id, self.request.id)
    except SoftTimeLimitExceeded:
        services.score_fail(
            Photo.objects.get(public_id=public_id), "Scoring took too long. Try again with a smaller photo."
        )
    except Exception as error:
        log.exception("scoring photo %s failed", public_id)
        photo = Photo.objects.filter(public_id=public_id).first()
        if photo is None:
            return
        if photo.attempts >= settings.SCORING_MAX_ATTEMPTS:
            services.score_fail(photo, services.GAVE_UP_MESSAGE)
            return
        Photo.objects.filter(pk=photo.pk, status=Photo.Status.RUNNING).update(status=Photo.Status.QUEUED)
        raise self.retry(exc=error, countdown=5 * photo.attempts) from error


@shared_task
def requeue_stale_photos() -> int:
    """Run by celery beat: resend photos that have waited in `queued` too long."""
    return services.photo_requeue_stale(timedelta(minutes=settings.SCORING_REQUEUE_AFTER_MINUTES))
