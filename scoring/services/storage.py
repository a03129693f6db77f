"""A photo's files: stored under random names in the photo's own folders, found and removed from there."""

import contextlib
import io
import os
import uuid
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from PIL import Image

from scoring.models import Photo, photo_file_name, photo_folder, results_folder


def file_store(*, public_id: uuid.UUID | str, kind: str, content: ContentFile, extension: str) -> str:
    """Save one file of the photo under a fresh random name; returns the name storage chose."""
    return default_storage.save(photo_file_name(public_id, kind, extension), content)


def jpeg_content(*, image: Image.Image) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return ContentFile(buffer.getvalue())


def _files_in(folder: str) -> list[str]:
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{name}" for name in files]


def result_files_delete(*, photo: Photo) -> None:
    """Everything scoring stored for the photo, orphans of an attempt killed mid-way included."""
    names = set(_files_in(results_folder(photo.public_id))) | {f.name for f in photo.stored_files()}
    for name in names - {photo.image.name}:
        default_storage.delete(name)


def photo_file_names(*, photo: Photo) -> set[str]:
    """The original and whatever else lies in the photo's own folder (results are in their own)."""
    return set(_files_in(photo_folder(photo.public_id))) | {photo.image.name}


def files_delete(*, names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def empty_folders_delete(*, public_id: uuid.UUID | str) -> None:
    """A local folder outlives its last file, and its name is the photo's id: remove it too.
    (A bucket has no folders, only names.)"""
    if not isinstance(default_storage, FileSystemStorage):
        return
    for folder in (results_folder(public_id), photo_folder(public_id)):
        with contextlib.suppress(OSError):  # already gone, or not empty: never remove a file here
            os.rmdir(default_storage.path(folder))
