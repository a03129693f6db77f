"""Which photos a user may see, with what they need preloaded: every read of photos goes through
`Photo.objects.visible_to`."""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from scoring.models import PHOTO_FILE_NAME, Face, Photo, User


def photo_list_for_user(user: User | AnonymousUser) -> QuerySet[Photo]:
    """The user's photos, newest first, faces preloaded (two queries whatever the count)."""
    return (
        Photo.objects.visible_to(user, own_only=True)
        .prefetch_related(Prefetch("faces", queryset=Face.objects.order_by("rank")), "access_records")
        .order_by("-created", "-id")
    )


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def photo_for_user(user: User | AnonymousUser, public_id: uuid.UUID | str, *, under_review: bool = False) -> Photo:
    """The photo if the user owns it (or is staff); 404 for anyone else, so its existence is not revealed.

    `under_review`: the owner's photo under review too (to delete it, never to show it).
    """
    if not user.is_authenticated or not _is_uuid(public_id):
        raise Http404  # a malformed id names no photo: a 404, not the UUIDField's ValidationError (a 500)
    visible = Photo.objects.visible_to(user, under_review=under_review)
    return get_object_or_404(visible.prefetch_related("faces__layers", "access_records"), public_id=public_id)


def photo_for_file_name(user: User | AnonymousUser, name: str) -> Photo:
    """The photo a stored file belongs to (named by its folder), if the user may see it."""
    match = PHOTO_FILE_NAME.fullmatch(name)
    if match is None:
        raise Http404
    return photo_for_user(user, match["public_id"])


def selected_photos(user: User | AnonymousUser, ids: list[str]) -> tuple[list[Photo], int]:
    """The user's photos for these ids, in order, and how many ids name none the user may see: a
    saved comparison outlives a photo deleted since. Deleted and not theirs look alike, so a link
    reveals nothing about another's photos; 404 when no id names one of the user's."""
    found = []
    for public_id in ids:
        try:
            found.append(photo_for_user(user, public_id))
        except Http404:
            continue
    if ids and not found:
        raise Http404
    return found, len(ids) - len(found)


def photos_for_export(user: User | AnonymousUser) -> QuerySet[Photo]:
    """What the user sees of their photos (flagged ones stay hidden), with faces and layers, oldest first."""
    return photo_list_for_user(user).prefetch_related("faces__layers").order_by("created", "id")
