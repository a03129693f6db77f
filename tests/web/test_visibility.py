"""PhotoQuerySet.visible_to: the one rule every read uses for who sees which photo."""

from django.contrib.auth.models import AnonymousUser

from scoring.models import Photo
from scoring.second_factor import MARK
from tests.web.factories import PhotoFactory


def _photo(owner, review=Photo.Review.UNREVIEWED) -> Photo:
    return PhotoFactory(owner=owner, review=review, status=Photo.Status.QUEUED)


def passed_second_factor(user):
    """The user as StaffSecondFactorMiddleware leaves it for a session that passed a second factor."""
    setattr(user, MARK, True)
    return user


def test_owners_see_their_own_unflagged_photos_staff_see_all_and_strangers_none(alice, charlie, staff):
    passed_second_factor(staff)
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
    passed_second_factor(charlie)
    charlie.is_staff = True
    assert list(Photo.objects.visible_to(charlie)) == [photo]
    charlie.is_staff, charlie.is_superuser = False, True
    assert not Photo.objects.visible_to(charlie).exists()


def test_staff_without_a_second_factor_see_only_their_own_photos(alice, staff):
    _photo(alice)
    own = _photo(staff)
    assert list(Photo.objects.visible_to(staff)) == [own]
    setattr(staff, MARK, False)
    assert list(Photo.objects.visible_to(staff)) == [own]


def test_an_owner_reaches_their_photo_under_review_only_when_asking_for_it(alice, charlie):
    flagged = _photo(alice, Photo.Review.FLAGGED)
    second_look = _photo(alice, Photo.Review.SECOND_LOOK)
    assert not Photo.objects.visible_to(alice).exists()
    assert set(Photo.objects.visible_to(alice, under_review=True)) == {flagged, second_look}
    assert not Photo.objects.visible_to(charlie, under_review=True).exists()
