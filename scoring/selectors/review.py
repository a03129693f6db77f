"""Reads of review: the staff's queue, and what the owner of a photo is told about it."""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from scoring.models import Face, Photo, User


def review_queue() -> QuerySet[Photo]:
    """Photos waiting for a reviewer, second looks first, then the oldest; faces preloaded."""
    return (
        Photo.objects.to_review()
        .select_related("owner")
        .prefetch_related(Prefetch("faces", queryset=Face.objects.order_by("rank")))
    )


def next_to_review() -> Photo | None:
    return review_queue().first()


def own_photo_under_review(user: User | AnonymousUser, public_id: uuid.UUID | str) -> Photo | None:
    """The user's own photo while staff review it (hidden from them), for what they may still do."""
    if not user.is_authenticated:
        return None
    own = Photo.objects.visible_to(user, own_only=True, under_review=True).under_review()
    return own.prefetch_related("access_records").filter(public_id=public_id).first()
