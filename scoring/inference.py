"""The worker's one Predictor: built on first use, in the worker child, never in the web process."""

import os
from functools import lru_cache

from django.conf import settings

# Set by the worker's main process before it forks its pool (beautysite.celery).
pool_processes = 1


def torch_threads() -> int:
    """Threads for this process's model: the pool's processes share the cores instead of each taking all."""
    return settings.SCORING_TORCH_THREADS or max(1, (os.cpu_count() or 1) // max(1, pool_processes))


@lru_cache(maxsize=1)
def get_predictor():
    # Imported here so web processes never import torch; built lazily so CUDA is first
    # touched after Celery has forked its pool.
    from ml.inference.predictor import Predictor, set_cpu_threads

    set_cpu_threads(torch_threads())
    return Predictor(device=settings.SCORING_DEVICE)
