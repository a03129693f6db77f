"""The words of review, one place for the reviewer's pages, the owner's and the API's sentences."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scoring.models import AccessRecord, Photo

REVIEW_WORDS = {
    Photo.Review.UNREVIEWED: pgettext_lazy("photo review", "unreviewed"),
    Photo.Review.APPROVED: pgettext_lazy("photo review", "approved"),
    Photo.Review.FLAGGED: pgettext_lazy("photo review", "flagged"),
    Photo.Review.SECOND_LOOK: pgettext_lazy("photo review", "second look asked"),
}

# The short list a reviewer picks from, in the order of its keys (1-6 on the review page).
REASON_WORDS = {
    Photo.Reason.NOT_A_FACE: _("No person's face (a drawing, an object, a screenshot)"),
    Photo.Reason.CHILD: _("Seems to show a child"),
    Photo.Reason.NUDITY: _("Nudity or sexual content"),
    Photo.Reason.VIOLENCE: _("Violent or shocking"),
    Photo.Reason.SOMEONE_ELSE: _("Seems to be someone else's photo, shared without their consent"),
    Photo.Reason.OTHER: _("Another reason (in the note)"),
}

# What a staff member opened, as the owner reads it after "Opened by a reviewer on ...".
ACCESS_WORDS = {
    AccessRecord.Kind.PAGE: _("the photo's page"),
    AccessRecord.Kind.FILES: _("the photo's files"),
    AccessRecord.Kind.ADMIN: _("the photo in the staff pages"),
    AccessRecord.Kind.REVIEW: _("the photo in the review queue"),
    AccessRecord.Kind.API: _("the photo through the API"),
}


def access_sentence(record: AccessRecord, when: str, zone: str) -> str:
    """ "Opened by a reviewer on 3 Dec 2026, 16:36 (China (Shanghai) Time): the photo's page." The owner is
    told that staff opened it, not which member of staff."""
    return _("Opened by a reviewer on %(when)s (%(zone)s): %(what)s.") % {
        "when": when,
        "zone": zone,
        "what": ACCESS_WORDS.get(record.kind, record.kind),
    }
