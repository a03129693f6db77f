"""The Celery app; every setting lives in Django settings under CELERY_."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

from operations import worker_metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautysite.settings")

app = Celery("beautysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
worker_metrics.connect_signals()  # /metrics on WORKER_METRICS_PORT, when set


@worker_process_init.connect
def close_inherited_connections(**_kwargs) -> None:
    # A forked child must not share the parent's database socket.
    from django.db import connections

    connections.close_all()


@worker_process_init.connect
def keep_freed_memory_for_the_next_batch(**_kwargs) -> None:
    # Each batch reuses blocks of the sizes the last one freed (ml/inference/allocator.py).
    from ml.inference.allocator import keep_freed_memory

    keep_freed_memory()


@worker_process_init.connect
def load_the_model_before_the_first_task(**_kwargs) -> None:
    # In the pool process, after the fork (so CUDA is safe): the first photo does not wait
    # for torch and the weights, and a worker that cannot load the model fails at start.
    from django.conf import settings

    if settings.SCORING_PRELOAD_MODEL:
        from scoring.inference import get_predictor

        get_predictor()


@worker_init.connect
def share_cores_among_pool_processes(sender, **_kwargs) -> None:
    from scoring import inference

    inference.pool_processes = sender.concurrency if isinstance(sender.concurrency, int) else 1
