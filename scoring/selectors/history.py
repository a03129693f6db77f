"""The history page's reads: the chart over every photo, filters, and live status of tiles."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery
from django.utils.translation import get_language

from ml.inference.score_format import rounded_score
from scoring.compare import photo_label
from scoring.errors import failure_short
from scoring.media import private_url
from scoring.models import Face, Photo, User
from scoring.selectors.photos import photo_list_for_user
from scoring.serializers import band_of
from scoring.text_search import containing
from scoring.time_format import local_time_text
from scoring.time_zones import active_time_zone

FILTERS = {"all": None, "done": Photo.Status.DONE, "failed": Photo.Status.FAILED}
PENDING = (Photo.Status.QUEUED, Photo.Status.RUNNING)
# The orders the history offers; photos without a score go last in either score order.
SORTS = {
    "newest": (F("created").desc(), F("id").desc()),
    "oldest": (F("created").asc(), F("id").asc()),
    "highest": (F("top_score").desc(nulls_last=True), F("created").desc(), F("id").desc()),
    "lowest": (F("top_score").asc(nulls_last=True), F("created").desc(), F("id").desc()),
}
SEARCH_MAX_LENGTH = 120  # a photo's label is no longer (scoring.labels)
MAX_POLLED = 48  # tiles one status request may ask about (two pages' worth)
CHART_CACHE_SECONDS = 3600


def photos_for_filter(user: User | AnonymousUser, name: str) -> QuerySet[Photo]:
    """The user's visible photos, newest first, narrowed to one status when the filter names one."""
    photos = photo_list_for_user(user)
    status = FILTERS.get(name)
    return photos.filter(status=status) if status else photos


def photos_for_history(user: User | AnonymousUser, *, status: str, sort: str, search: str = "") -> QuerySet[Photo]:
    """The history's photos: narrowed by status filter and by a search in their names (labels),
    in one of SORTS's orders (unknown names are the caller's to refuse)."""
    photos = photos_for_filter(user, status)
    if search:
        photos = containing(photos, "label", search)
    if sort in ("highest", "lowest"):
        top_score = Face.objects.filter(photo=OuterRef("pk"), rank=0).values("score")[:1]
        photos = photos.annotate(top_score=Subquery(top_score))
    return photos.order_by(*SORTS[sort])


def chart_points(user: User | AnonymousUser) -> list[dict]:
    """One point per scored photo of the user (its largest face), oldest first.

    Cached under the count and latest scoring time of the photos it covers: a new score, a
    re-score, a deletion or a review changes one of them, and the cheap aggregate saves
    building a thousand points on every visit of a long history.
    """
    visible = Photo.objects.visible_to(user, own_only=True).filter(status=Photo.Status.DONE)
    faces = Face.objects.filter(photo__in=visible, rank=0)
    state = faces.aggregate(count=Count("id"), latest=Max("photo__scored"), last_id=Max("photo__id"))
    latest = state["latest"].timestamp() if state["latest"] else 0
    # The points carry their times as the reader reads them: the zone and language are part of the key.
    zone, language = active_time_zone(), get_language()
    key = f"history-chart:{user.pk}:{state['count']}:{latest}:{state['last_id']}:{zone}:{language}"
    return cache.get_or_set(key, lambda: _points(faces), timeout=CHART_CACHE_SECONDS)


def _points(faces: QuerySet[Face]) -> list[dict]:
    rows = faces.order_by("photo__created", "photo__id").values_list(
        "photo__public_id", "photo__created", "photo__label", "score", "percentile", "distribution"
    )
    return [
        {
            "id": str(public_id),
            "t": created.isoformat(),
            "when": local_time_text(created),
            "label": label or local_time_text(created),
            "score": rounded_score(score),
            "percentile": round(percentile),
            "band": band_of(distribution),
        }
        for public_id, created, label, score, percentile, distribution in rows
    ]


def under_review(user: User) -> list[Photo]:
    """The user's photos under review, oldest first: the history links each to its page, which says why."""
    return list(Photo.objects.visible_to(user, own_only=True, under_review=True).under_review().order_by("created"))


def tile_states(user: User | AnonymousUser, ids: list[str]) -> list[dict]:
    """Status, score and thumbnail of some of the user's photos, for tiles waiting on a score."""
    wanted = []
    for value in ids[:MAX_POLLED]:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue  # not one of ours; say nothing about it
    photos = photo_list_for_user(user).filter(public_id__in=wanted)
    return [
        {
            "id": str(photo.public_id),
            "status": photo.status,
            "failure": failure_short(photo.error_code) if photo.error_code else None,
            "t": photo.created.isoformat(),
            "when": local_time_text(photo.created),
            "label": photo_label(photo),
            "score": rounded_score(photo.best_score) if photo.top_face else None,
            "percentile": round(photo.top_face.percentile) if photo.top_face else None,
            "image_url": private_url(photo.image),
        }
        for photo in photos
    ]
