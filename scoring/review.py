"""Whether staff hold a photo for review, read in one place by the pages that tell its owner."""

from django.db.models import Q

from scoring.models import Photo


def under_review_q(prefix: str = "") -> Q:
    """A filter for photos hidden from their owner pending review (`prefix`: e.g. "photo__")."""
    return Q(**{f"{prefix}review": Photo.Review.FLAGGED})
