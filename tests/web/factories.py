"""Rows for tests, made with factory-boy: users, and photos as the worker leaves them (rows only,
no files and no model; for what a photo's files and scores look like, score a real one)."""

import factory
from factory.django import DjangoModelFactory, Password

from scoring.models import Face, LayerImage, Photo, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    # What the browser tests type to sign in: "pw-alice-123" for alice.
    password = Password(factory.LazyAttribute(lambda user: f"pw-{user.username}-123"))


class StaffFactory(UserFactory):
    """A superuser: staff pages, the admin, and every photo are open to them."""

    is_staff = True
    is_superuser = True


class PhotoFactory(DjangoModelFactory):
    """A scored photo's row (status done) pointing at files that were never written."""

    class Meta:
        model = Photo

    owner = factory.SubFactory(UserFactory)
    image = "photos/x.jpg"
    width = 1
    height = 1
    status = Photo.Status.DONE


class FaceFactory(DjangoModelFactory):
    class Meta:
        model = Face

    photo = factory.SubFactory(PhotoFactory)
    rank = 0
    x = y = 0
    w = h = 1
    score = 3
    percentile = 50
    grad_cam = "g.png"


class LayerImageFactory(DjangoModelFactory):
    class Meta:
        model = LayerImage

    face = factory.SubFactory(FaceFactory)
    order = 0
    name = "stem"
    shape = "32x96x96"
    image = "l.png"
