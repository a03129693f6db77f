"""Take my data: one zip of a user's photos, what scoring made of them, and every score.

The archive is written while it is sent: zipfile writes into a small buffer that the
generator empties after every chunk, and files are copied from storage a chunk at a time,
so memory stays flat however many photos the user has.
"""

import json
import logging
import posixpath
import zipfile
from collections.abc import Iterator
from datetime import datetime

from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scoring import selectors
from scoring.export_names import FolderNames
from scoring.local_time import account_zone
from scoring.models import Photo, User
from scoring.serializers import ArchivedPhotoSerializer
from scoring.time_zones import time_zone_words

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
PHOTOS_PER_QUERY = 20  # rows (with their faces and layers) held at once
SCORES_NAME = "scores.json"
# Read at export time, in the language of the request.
README_TEXT = _("""Your photos from Beauty Evaluator.

photos/<name>/           one folder a photo, named by its label (made safe for any file system;
                         " (2)" added to a name already taken): the original as you uploaded it
                         (location data removed), the annotated copy and the first layer's filters
photos/<name>/face-<n>/  for each face, largest first: the Grad-CAM map and what each layer saw
scores.json              a list, one entry a photo, with these keys:
  id                     the photo's id, as the site and the API name it
  folder                 its folder under photos/
  label                  its name: the one you gave it, or its file's name
  created, time_zone     when it was uploaded, with its UTC offset as the API writes it, in your
                         account's time zone, named by time_zone (%(zone)s)
  status                 done, failed, queued or running; a failed one has error (the sentence)
                         and error_code, as the API gives them
  model_version          the version of the model that scored it
  width, height          the stored photo's size in pixels
  files                  original, annotated and filters: the files above by their paths in
                         this archive (null: the file could not be read when the archive was made)
  faces                  largest first, each with: box (x, y, width, height in pixels), score
                         (1-5, rounded as the pages print it), percentile (the share of the
                         reference faces rated lower), distribution (a rater's chance of giving
                         each rating 0.5, 1, 1.5 ... 5: MEBeauty's 1-10 halved, the score's
                         scale), band (low, high, share: that share of a panel's ratings lies
                         between low and high), grad_cam and layers (each layer's name, shape:
                         channels x height x width, and file)

On the site, only you and the staff who review uploads can open these photos.
""")
# Its own paragraph (issue 34), after the list above.
ACCESS_RECORDS_TEXT = _("""
In scores.json, "opened_by_staff" lists every time a reviewer opened the photo (when, and what:
its page, files, staff page, place in the review queue, or API answer). Reviewers see photos only
after a second sign-in step.
""")


class _Pipe:
    """The file zipfile writes to: it only collects bytes until the generator takes them."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def export_file_name(user: User, now: datetime | None = None) -> str:
    day = timezone.localdate(now or timezone.now(), account_zone(user))
    return f"beauty-evaluator-{user.username}-{day:%Y-%m-%d}.zip"


def _archive_files(photo: Photo, folder_name: str) -> list[tuple[str, str]]:
    """(archive path, storage name) of every stored file of the photo, in its folder."""
    folder = f"photos/{folder_name}"
    files = []
    for kind, field in (("original", photo.image), ("annotated", photo.annotated), ("filters", photo.filters)):
        if field:
            files.append((f"{folder}/{kind}{_extension(field.name)}", field.name))
    for face in photo.faces.all():
        face_folder = f"{folder}/face-{face.rank + 1}"
        if face.grad_cam:
            files.append((f"{face_folder}/grad-cam{_extension(face.grad_cam.name)}", face.grad_cam.name))
        for layer in face.layers.all():
            name = f"{face_folder}/layers/{layer.order + 1:02d}-{layer.name}{_extension(layer.image.name)}"
            files.append((name, layer.image.name))
    return files


def _extension(name: str) -> str:
    return posixpath.splitext(name)[1].lower()


def _scores_entry(photo: Photo, folder_name: str, missing: set[str], zone) -> dict:
    """The API's shape of the photo, its files named by their place in the archive (null where
    one could not be read), and its folder's name."""
    paths = {storage: archive for archive, storage in _archive_files(photo, folder_name) if storage not in missing}
    context = {"archive_paths": paths, "time_zone": zone, "folder": folder_name}
    return ArchivedPhotoSerializer(photo, context=context).data


def _folder_fallback(photo: Photo, zone) -> str:
    """A folder's name for a photo without a label: when it was uploaded, in the account's zone."""
    return timezone.localtime(photo.created, zone).strftime("%Y-%m-%d %H-%M-%S")


def _entry(name: str, compress_type: int, zone) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(timezone=zone).timetuple()[:6])
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    return info


def _copy_file(archive: zipfile.ZipFile, pipe: _Pipe, archive_name: str, storage_name: str, zone) -> Iterator[bytes]:
    """Stream one stored file into the archive.

    Raises OSError before the entry is started when the file cannot be read, so a lost file
    leaves the archive whole.
    """
    with default_storage.open(storage_name, "rb") as source:
        chunk = source.read(CHUNK_BYTES)
        # Photos and PNGs are compressed already: storing them costs nothing and saves CPU.
        with archive.open(_entry(archive_name, zipfile.ZIP_STORED, zone), "w") as target:
            while chunk:
                target.write(chunk)
                yield from _taken(pipe)
                chunk = source.read(CHUNK_BYTES)
    yield from _taken(pipe)


def _taken(pipe: _Pipe) -> Iterator[bytes]:
    data = pipe.take()
    if data:
        yield data


def export_stream(user: User) -> Iterator[bytes]:
    """The user's zip, as chunks of bytes; the file list and the scores are read as it goes."""
    pipe = _Pipe()
    missing: set[str] = set()
    # Each photo's folder, named once in the first pass and found again by the scores' pass.
    names, folders = FolderNames(), {}
    # The account's zone, not the request's: the archive is written after the middleware is done.
    zone = account_zone(user)
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        readme = str(README_TEXT) % {"zone": time_zone_words(str(zone))} + str(ACCESS_RECORDS_TEXT)
        archive.writestr(_entry("README.txt", zipfile.ZIP_DEFLATED, zone), readme)
        yield from _taken(pipe)
        for photo in selectors.photos_for_export(user).iterator(chunk_size=PHOTOS_PER_QUERY):
            folders[photo.pk] = names.name(photo.label, _folder_fallback(photo, zone))
            for archive_name, storage_name in _archive_files(photo, folders[photo.pk]):
                try:
                    yield from _copy_file(archive, pipe, archive_name, storage_name, zone)
                except OSError:
                    # A lost file should not cost the user the rest of the archive.
                    logger.warning("export: %s could not be read", storage_name, exc_info=True)
                    missing.add(storage_name)
        with archive.open(_entry(SCORES_NAME, zipfile.ZIP_DEFLATED, zone), "w") as scores:
            scores.write(b"[")
            written = 0
            for photo in selectors.photos_for_export(user).iterator(chunk_size=PHOTOS_PER_QUERY):
                if photo.pk not in folders:
                    continue  # uploaded while the archive was written: in the next export, with its files
                entry = _scores_entry(photo, folders[photo.pk], missing, zone)
                scores.write((b",\n" if written else b"\n") + json.dumps(entry).encode())
                written += 1
                yield from _taken(pipe)
            scores.write(b"\n]\n")
    yield from _taken(pipe)


def export_response(user: User) -> StreamingHttpResponse:
    """The user's zip as a download, written while it is sent (the account page's and the API's)."""
    response = StreamingHttpResponse(export_stream(user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_file_name(user)}"'
    response["Cache-Control"] = "no-store"
    return response
