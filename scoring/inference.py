"""The worker's one Predictor: built on first use, in the worker child, never in the web process."""

from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def get_predictor():
    # Imported here so web processes never import torch; built lazily so CUDA is first
    # touched after Celery has forked its pool.
    from ml.predictor import Predictor

    return Predictor(device=settings.SCORING_DEVICE)
