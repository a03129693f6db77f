"""The real scoring worker, run as its own process by the fault tests, with one fault injected.

FAULT_STORE_PAUSE (seconds): each pool process pauses that long just before storing a photo's
first layer thumbnail, after the annotated photo, the filters and the Grad-CAM map are on storage,
so a test can kill it with a result half written. Unset, this is the plain worker.
"""

import os
import time

from celery.signals import worker_process_init

from beautysite.celery import app

__all__ = ["app"]


@worker_process_init.connect
def pause_while_storing(**_kwargs) -> None:
    pause = float(os.environ.get("FAULT_STORE_PAUSE", "0"))
    if not pause:
        return
    from scoring.services import storage

    name_file = storage.photo_file_name
    paused_for = set()

    def name_file_slowly(public_id, kind, extension):
        if kind == "layer" and public_id not in paused_for:
            paused_for.add(public_id)
            time.sleep(pause)
        return name_file(public_id, kind, extension)

    storage.photo_file_name = name_file_slowly
