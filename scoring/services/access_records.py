"""Staff opening another user's photo leave a record its owner reads (scoring.models.AccessRecord)."""

from datetime import timedelta

from django.utils import timezone

from scoring.models import AccessRecord, Photo, User

# One page shows a photo's many files, and a reviewer may reload it: the same reviewer opening the
# same photo the same way within this window is one record, not dozens.
SAME_VISIT = timedelta(minutes=10)


def access_record(*, photo: Photo, reader: User, kind: AccessRecord.Kind) -> AccessRecord | None:
    """Record that `reader` opened `photo` (`kind`: its page, files, admin page, review, API) unless
    it is their own photo; None when nothing was recorded (the owner, or the same visit)."""
    if not reader.is_authenticated or reader.pk == photo.owner_id:
        return None
    now = timezone.now()
    recent = AccessRecord.objects.filter(photo=photo, staff=reader, kind=kind, opened__gt=now - SAME_VISIT)
    if recent.exists():
        return None
    return AccessRecord.objects.create(
        photo=photo, staff=reader, staff_name=reader.get_username(), kind=kind, opened=now
    )
