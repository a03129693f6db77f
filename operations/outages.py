"""Outages: a server the app depends on (the database, the photo storage) cannot be reached.

Not a bad request and not a bad photo. The web answers 503 with a code the client retries on
(nothing of the request is kept); a worker gives its photos back to the queue without counting
the attempt, since the attempt cap is for photos that break workers, not for outages.
"""

from botocore.exceptions import ConnectionError as StorageConnectionError
from botocore.exceptions import HTTPClientError as StorageHttpError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from operations.probes import check_database, check_storage

DATABASE = "database_unavailable"
STORAGE = "storage_unavailable"
RETRY_AFTER_SECONDS = 10  # what a 503 tells the client to wait before sending again


def unavailable(error: BaseException) -> str | None:
    """The code of the outage `error` reports (DATABASE or STORAGE); None for any other error."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return DATABASE
    if isinstance(error, (StorageConnectionError, StorageHttpError)):
        return STORAGE
    return None


def sentence(code: str) -> str:
    if code == STORAGE:
        return _("Photo storage cannot be reached right now. Try again in a minute; an upload answered so is not kept.")
    return _("Our database cannot be reached right now. Try again in a minute; an upload answered so is not kept.")


def unreachable_now() -> str | None:
    """Ask the servers, after an error: the code of the first one that does not answer, else None."""
    for code, check in ((DATABASE, check_database), (STORAGE, check_storage)):
        try:
            check()
        except Exception:  # whatever it raised, that server is not answering
            return code
    return None
