"""PhotoQuerySet.visible_to: the one rule every read uses for who sees which photo."""

from django.contrib.auth.models import AnonymousUser

from scoring.models import Photo
from tests.web.factories import PhotoFactory


def _photo(owner, review=Photo.Review.UNREVIEWED) -> Photo:
    return PhotoFactory(owner=owner, review=review, status=Photo.Status.QUEUED)


def test_owners_see_their_own_unflagged_photos_staff_see_all_and_strangers_none(alice, charlie, staff):
    shown = _photo(alice)
    flagged = _photo(alice, Photo.Review.FLAGGED)
    staffs_flagged = _photo(staff, Photo.Review.FLAGGED)

    assert list(Photo.objects.visible_to(alice)) == [shown]
    assert not Photo.objects.visible_to(charlie).exists()
    assert not Photo.objects.visible_to(AnonymousUser()).exists()
    assert set(Photo.objects.visible_to(staff)) == {shown, flagged, staffs_flagged}
    # Lists of "your photos" hide flagged ones from staff owners too, as for anyone.
    assert not Photo.objects.visible_to(staff, own_only=True).exists()
    assert list(Photo.objects.filter(owner=alice).under_review()) == [flagged]


def test_staff_is_what_opens_every_photo_not_superuser_rights(alice, charlie):
    # The staff fixture is also a superuser (the admin's review needs its permissions): this
    # pins the rule to is_staff alone, both ways.
    photo = _photo(alice)
    charlie.is_staff = True
    assert list(Photo.objects.visible_to(charlie)) == [photo]
    charlie.is_staff, charlie.is_superuser = False, True
    assert not Photo.objects.visible_to(charlie).exists()
