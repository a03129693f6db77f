"""Probes of the servers the app depends on: each returns when its server answers and raises when not.

Read by the readiness route (operations.health) and by the outage check after an error
(operations.outages); they touch no model, so either may import them from anywhere.
"""

import os
from pathlib import Path

from celery import current_app
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    with current_app.connection_for_write(connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


def check_storage() -> None:
    if isinstance(default_storage, FileSystemStorage):
        # exists() never fails on a local folder; what would fail is saving into it. The folder
        # itself is made by the first save, so its nearest existing ancestor is what must be writable.
        folder = Path(default_storage.location)
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError("the media folder cannot be written")
        return
    default_storage.exists("photos/readyz-probe")  # one HEAD request; raises when the bucket does not answer
