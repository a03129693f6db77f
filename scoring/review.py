"""Whether staff hold a photo for review, read in one place.

The Photo model is moving from two booleans (flagged, approved) to one `review` field; this
module is the only place outside the model, services and admin that needs to know which.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from scoring.models import Photo


def _has_review_field() -> bool:
    try:
        Photo._meta.get_field("review")
    except FieldDoesNotExist:
        return False
    return True


def under_review_q(prefix: str = "") -> Q:
    """A filter for photos hidden from their owner pending review (`prefix`: e.g. "photo__")."""
    if _has_review_field():
        return Q(**{f"{prefix}review": Photo.Review.FLAGGED})
    return Q(**{f"{prefix}flagged": True})


def is_under_review(photo: Photo) -> bool:
    if _has_review_field():
        return photo.review == Photo.Review.FLAGGED
    return bool(photo.flagged)
