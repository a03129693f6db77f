import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from scoring.models import User


@pytest.fixture(autouse=True)
def _media_everywhere(_private_media_folder):
    return _private_media_folder


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", "alice@example.com", "pw-alice-123")


@pytest.fixture
def bob(db):
    return User.objects.create_user("bob", "bob@example.com", "pw-bob-123", is_staff=True, is_superuser=True)


@pytest.fixture
def charlie(db):
    return User.objects.create_user("charlie", "charlie@example.com", "pw-charlie-123")


@pytest.fixture
def scored_photo(alice, face_upload):
    """Alice's photo, scored by the real model."""
    from scoring import services
    from scoring.models import Photo

    photo = services.photo_create(owner=alice, upload=face_upload)
    services.photo_score(photo.public_id)
    return Photo.objects.get(pk=photo.pk)


@pytest.fixture(scope="session")
def face_rgb():
    from skimage import data

    return data.astronaut()


def gps_exif() -> Image.Exif:
    """EXIF placing the photo in Paris, as a phone would."""
    exif = Image.Exif()
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 29.0), "E", (2.0, 17.0, 40.0)
    return exif


def jpeg(rgb, exif=None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=92, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


@pytest.fixture
def face_upload(face_rgb):
    return SimpleUploadedFile("me.jpg", jpeg(face_rgb), content_type="image/jpeg")


@pytest.fixture
def blank_upload():
    return SimpleUploadedFile("wall.png", _png(np.full((200, 200, 3), 120, np.uint8)), content_type="image/png")


def _png(rgb) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def stored_names(storage, folder: str = "") -> list[str]:
    names = []

    def walk(folder):
        dirs, files = storage.listdir(folder)
        names.extend(f"{folder}/{f}".lstrip("/") for f in files)
        for d in dirs:
            walk(f"{folder}/{d}".lstrip("/"))

    try:
        walk(folder)
    except FileNotFoundError:  # nothing was ever stored
        return []
    return sorted(names)


def add_scored_rows(owner, n: int) -> None:
    """Rows of scored photos (no files): for counting queries, not for viewing."""
    from scoring.models import Face, LayerImage, Photo

    for _ in range(n):
        photo = Photo.objects.create(owner=owner, image="photos/x.jpg", width=1, height=1, status="done")
        face = Face.objects.create(photo=photo, rank=0, x=0, y=0, w=1, h=1, score=3, percentile=50, grad_cam="g.png")
        LayerImage.objects.create(face=face, order=0, name="stem", shape="32x96x96", image="l.png")
