"""Celery tasks: thin callers of the services, which hold every write and every job decision."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from operations import outages
from scoring.services import jobs, pipeline

log = logging.getLogger(__name__)


# max_retries=None: whether to try again is jobs.retry_delay's decision, not Celery's.
@shared_task(name=jobs.SCORE_PHOTO_TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def score_photo_task(self, public_id: str) -> None:
    try:
        pipeline.run_scoring_job(public_id=public_id, task_id=self.request.id)
    except SoftTimeLimitExceeded:
        jobs.fail_too_slow(public_id=public_id)
    except Exception as error:
        if outage := outages.unavailable(error):
            # The database went away mid-job (the photo's state cannot even be written): the same
            # task, with the same id that may take its claim back, runs again after a pause.
            log.warning("scoring photo %s met an outage (%s); trying again", public_id, outage)
            raise self.retry(exc=error, countdown=jobs.OUTAGE_PAUSE_SECONDS, max_retries=jobs.OUTAGE_RETRIES) from error
        log.exception("scoring photo %s failed", public_id)
        delay = jobs.retry_delay(public_id=public_id, retries=self.request.retries)
        if delay is not None:
            raise self.retry(exc=error, countdown=delay) from error


@shared_task
def requeue_stale_photos() -> int:
    """Run by celery beat: resend photos that have waited in `queued` too long."""
    return jobs.requeue_stale(older_than=timedelta(minutes=settings.SCORING_REQUEUE_AFTER_MINUTES))
