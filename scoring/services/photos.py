"""What people and staff ask of a photo: upload it, review it, score it again, delete it."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scoring.images import UploadRejected, clean_upload
from scoring.labels import clean_label, label_from_file_name
from scoring.limits import upload_limit_wait
from scoring.models import Photo, User
from scoring.services import jobs, storage


@dataclass
class Intake:
    """What became of the files one request sent: stored, refused (each with its reason, in the
    order sent), and whether the upload limit stopped the rest."""

    created: list[Photo] = field(default_factory=list)
    rejected: list[tuple[str, UploadRejected]] = field(default_factory=list)  # (file name, why)
    wait: int | None = None  # seconds until the limit renews; None when it did not stop anything


def photos_intake(*, request: HttpRequest, uploads: Iterable[UploadedFile], label: str | None = None) -> Intake:
    """The one upload intake of the page and the API: each file, in turn, counted against the
    request's user's upload limit and stored for scoring; a file refused alone does not stop the
    others, the limit stops every file after it. Each photo is named `label` when the caller gave
    one (the API's field), else by its file's name."""
    intake = Intake()
    for upload in uploads:
        intake.wait = upload_limit_wait(request)
        if intake.wait is not None:
            break
        try:
            intake.created.append(photo_create(owner=request.user, upload=upload, label=label))
        except UploadRejected as error:
            intake.rejected.append((upload.name, error))
    return intake


def photo_create(*, owner: User, upload: UploadedFile, label: str | None = None) -> Photo:
    """Clean and store an upload, save its row as queued, and send it for scoring once committed.

    Its label is `label` when one is given, else the uploaded file's name, cleaned either way.
    """
    clean = clean_upload(upload)
    label = clean_label(label) or label_from_file_name(getattr(upload, "name", ""))
    public_id = uuid.uuid4()
    name = storage.file_store(public_id=public_id, kind="original", content=ContentFile(clean.content), extension="jpg")
    try:
        with transaction.atomic():
            photo = Photo.objects.create(
                public_id=public_id, owner=owner, image=name, label=label, width=clean.width, height=clean.height
            )
            transaction.on_commit(lambda: jobs.send(public_id=photo.public_id))
    except Exception:
        storage.files_delete(names=[name])  # no orphan file when the row could not be saved
        raise
    return photo


def photo_label_set(*, photo: Photo, label: str) -> None:
    """The owner's new name for the photo (cleaned; the form refuses one that cleans to nothing)."""
    photo.label = clean_label(label)
    Photo.objects.filter(pk=photo.pk).update(label=photo.label)


class ReviewRefused(ValueError):
    """A review step the photo's state does not allow; the message is a sentence for the person."""

    NEEDS_REASON = _("Choose why the photo is flagged: its owner is told.")


def photo_review(
    *, photos: QuerySet[Photo], review: Photo.Review, reason: Photo.Reason | str = "", note: str = ""
) -> int:
    """Staff's verdict on photos (a flagged photo is hidden from its owner, who reads the reason
    and note); returns how many were set. Approving clears the reason; flagging needs one."""
    if review == Photo.Review.FLAGGED and not reason:
        raise ReviewRefused(ReviewRefused.NEEDS_REASON)
    if review == Photo.Review.APPROVED:
        reason, note = "", ""
    return photos.update(review=review, review_reason=reason, review_note=note.strip(), reviewed=timezone.now())


def photo_second_look_ask(*, photo: Photo) -> None:
    """The owner of a flagged photo asks, once, for another look: back in the review queue, first,
    marked as a second look, and still hidden from them meanwhile."""
    if photo.review != Photo.Review.FLAGGED:
        raise ReviewRefused(_("Only a flagged photo can be looked at again."))
    if photo.second_look_asked is not None:
        raise ReviewRefused(_("You already asked for another look at this photo; it can be asked once."))
    asked = timezone.now()
    updated = Photo.objects.filter(pk=photo.pk, review=Photo.Review.FLAGGED, second_look_asked=None).update(
        review=Photo.Review.SECOND_LOOK, second_look_asked=asked
    )
    if not updated:  # another request asked meanwhile
        raise ReviewRefused(_("You already asked for another look at this photo; it can be asked once."))
    photo.review, photo.second_look_asked = Photo.Review.SECOND_LOOK, asked


def photo_rescore(*, photo: Photo) -> None:
    """Drop previous results and send the photo again (admin action)."""
    with transaction.atomic():
        storage.result_files_delete(photo=photo)
        photo.faces.all().delete()
        Photo.objects.filter(pk=photo.pk).update(
            status=Photo.Status.QUEUED, error="", attempts=0, annotated="", filters="", scored=None
        )
        transaction.on_commit(lambda: jobs.send(public_id=photo.public_id))


def photo_delete(*, photo: Photo) -> None:
    """Remove the photo, its results and every file stored in its folders.

    Its row is held first, so results a worker writes at that moment are either in before (and
    go with it) or wait and are refused after (the worker drops them): never a face left pointing
    at a photo being deleted, which failed the deletion's commit (a 500; the fuzzer found it).
    """
    with transaction.atomic():
        held = _hold(photo)
        if held is None:
            return  # deleted meanwhile, by another request
        storage.result_files_delete(photo=held)
        names = storage.photo_file_names(photo=held)
        held.delete()
    storage.files_delete(names=names)
    storage.empty_folders_delete(public_id=photo.public_id)


def _hold(photo: Photo) -> Photo | None:
    """The photo as it is now, its row held until the transaction ends. PostgreSQL: FOR UPDATE,
    which a worker's face insert (its foreign-key check) waits for. SQLite: the first write of
    a transaction takes the database's write lock, which the worker's insert waits for."""
    if not list(Photo.objects.select_for_update().filter(pk=photo.pk).values_list("pk", flat=True)):
        return None
    Photo.objects.filter(pk=photo.pk).update(status=F("status"))
    return Photo.objects.prefetch_related("faces__layers").get(pk=photo.pk)


def user_delete(*, user: User) -> None:
    """Delete an account and everything it uploaded."""
    for photo in Photo.objects.filter(owner=user).prefetch_related("faces__layers"):
        photo_delete(photo=photo)
    user.delete()
