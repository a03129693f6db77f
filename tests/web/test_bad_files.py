"""Hostile and odd files, through the upload page and the API: a 4xx with a sentence, or a clean photo."""

import io
import struct
import zlib

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from scoring.models import Photo
from tests.images import jpeg
from tests.web.helpers import gps_exif, scoring_worker, stored_names, wait_until_finished

pytestmark = pytest.mark.django_db


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_bomb(side: int = 30000) -> bytes:
    """A PNG of a few kB that claims side x side pixels."""
    raw = zlib.compress(b"\x00" * (side // 8 + 1) * 64)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def broken_crc_png(rgb) -> bytes:
    data = bytearray(encode(Image.fromarray(rgb), "PNG"))
    data[29] ^= 0xFF  # inside IHDR's CRC
    return bytes(data)


def frames(fmt: str) -> bytes:
    images = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue", "green")]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], duration=100, loop=0)


def huge_dimensions_jpeg(rgb, side: int = 30000) -> bytes:
    """A normal small JPEG whose frame header claims side x side pixels."""
    data = bytearray(jpeg(rgb))
    frame = data.index(b"\xff\xc0")  # baseline start-of-frame: length, precision, height, width
    data[frame + 5 : frame + 9] = struct.pack(">HH", side, side)
    return bytes(data)


def rejected_cases(face):
    small = np.zeros((1, 1, 3), np.uint8)
    return {
        "empty.jpg": b"",
        "text.jpg": b"hello, this is not a photo",
        "truncated.jpg": jpeg(face)[:2000],
        "broken-crc.png": broken_crc_png(face),
        "bomb.png": png_bomb(),
        "one-pixel.png": encode(Image.fromarray(small), "PNG"),
        "animated.gif": frames("GIF"),
        "animated.webp": frames("WEBP"),
        "polyglot.jpg": b"<html><script>alert(1)</script></html>" + jpeg(face)[:100],
        "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "too-big.jpg": jpeg(face) + b"\x00" * (10 * 1024 * 1024),
        "bitmap.bmp": encode(Image.fromarray(face), "BMP"),
        "tiff.tif": encode(Image.fromarray(face), "TIFF"),
        "huge-dimensions.jpg": huge_dimensions_jpeg(face),
        "document.jpg": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    }


def accepted_cases(face):
    grey = Image.fromarray(face).convert("L")
    rgba = Image.fromarray(face).convert("RGBA")
    return {
        "sixteen-bit.png": encode(Image.fromarray(np.asarray(grey).astype(np.uint16) * 257), "PNG"),
        "cmyk.jpg": encode(Image.fromarray(face).convert("CMYK"), "JPEG"),
        "palette.png": encode(rgba.convert("P", palette=Image.Palette.ADAPTIVE), "PNG", transparency=0),
        "grey.jpg": encode(grey, "JPEG"),
        "rgba.png": encode(rgba, "PNG"),
        "photo.webp": encode(Image.fromarray(face), "WEBP"),
        "jpeg-named.png": jpeg(face),  # the content decides, not the name
    }


def test_every_bad_file_gets_a_400_with_a_sentence_and_leaves_nothing_behind(api, client, alice, astronaut):
    client.force_login(alice)
    cases = rejected_cases(astronaut)
    assert len(cases) >= 15
    for name, content in cases.items():
        response = api.post("/api/photos/", {"image": SimpleUploadedFile(name, content)}, format="multipart")
        assert response.status_code == 400, name
        detail = response.json().get("detail") or response.json().get("image", [""])[0]
        assert detail.endswith(".") and len(detail) > 20, (name, detail)
        page = client.post(reverse("scoring:upload"), {"photos": [SimpleUploadedFile(name, content)]})
        assert page.status_code == 400, name
    assert Photo.objects.count() == 0
    assert stored_names(default_storage) == []


def test_odd_but_valid_images_are_stored_as_clean_rgb_jpegs(api, astronaut):
    for name, content in accepted_cases(astronaut).items():
        response = api.post("/api/photos/", {"image": SimpleUploadedFile(name, content)}, format="multipart")
        assert response.status_code == 201, (name, response.content)
        photo = Photo.objects.get(public_id=response.json()["id"])
        with default_storage.open(photo.image.name) as stored:
            image = Image.open(stored)
            assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (512, 512)), name


def test_a_gps_tagged_photo_sent_through_the_api_is_stored_without_exif(api, astronaut):
    content = jpeg(astronaut, exif=gps_exif())
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    response = api.post("/api/photos/", {"image": SimpleUploadedFile("home.jpg", content)}, format="multipart")
    assert response.status_code == 201
    with default_storage.open(Photo.objects.get().image.name) as stored:
        data = stored.read()
    assert not Image.open(io.BytesIO(data)).getexif() and b"Exif" not in data


def scored_cases(face) -> dict[str, bytes]:
    """Files that decode fine; what matters is what the worker makes of them."""
    upright = jpeg(face)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view": stored on its side
    on_its_side = io.BytesIO()
    Image.fromarray(np.rot90(face, k=1)).save(on_its_side, format="JPEG", quality=92, exif=exif)
    group = np.full((700, 1000, 3), 230, np.uint8)
    tile = np.asarray(Image.fromarray(face).resize((300, 300)))
    for y, x in [(20, 20), (20, 350), (20, 680), (380, 180), (380, 520)]:
        group[y : y + 300, x : x + 300] = tile
    distant = np.full((800, 800, 3), 200, np.uint8)
    distant[300:380, 300:380] = face[::6, ::6][:80, :80]
    from skimage import data

    return {
        "upright.jpg": upright,
        "exif-rotated.jpg": on_its_side.getvalue(),
        "five-faces.jpg": jpeg(group),
        "tiny-face.jpg": jpeg(distant),
        "cat-no-face.jpg": jpeg(data.chelsea()),
        "grey.jpg": encode(Image.fromarray(face).convert("L"), "JPEG"),
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_odd_photos_are_scored_or_failed_with_a_sentence_and_the_worker_goes_on(api, client, alice, astronaut):

    client.force_login(alice)
    results = {}
    with scoring_worker():
        for name, content in scored_cases(astronaut).items():
            response = api.post("/api/photos/", {"image": SimpleUploadedFile(name, content)}, format="multipart")
            assert response.status_code == 201, name
            by_api = Photo.objects.get(public_id=response.json()["id"])
            assert (
                client.post(reverse("scoring:upload"), {"photos": [SimpleUploadedFile(name, content)]}).status_code
                == 302
            )
            by_page = Photo.objects.exclude(pk=by_api.pk).latest("id")
            results[name] = [wait_until_finished(photo) for photo in (by_api, by_page)]
        last = Photo.objects.get(
            public_id=api.post(
                "/api/photos/", {"image": SimpleUploadedFile("last.jpg", jpeg(astronaut))}, format="multipart"
            ).json()["id"]
        )
        assert wait_until_finished(last).status == "done"  # the worker kept going after all of them

    def scores(name):
        return [[face.score for face in photo.faces.all()] for photo in results[name]]

    for name in ("upright.jpg", "exif-rotated.jpg", "five-faces.jpg", "grey.jpg"):
        assert all(photo.status == "done" for photo in results[name]), (name, [p.error for p in results[name]])
    upright = scores("upright.jpg")[0][0]
    assert all(abs(face[0] - upright) < 0.05 for face in scores("exif-rotated.jpg"))
    assert all(len(faces) == 5 for faces in scores("five-faces.jpg"))
    assert all(abs(face[0] - upright) < 0.5 for face in scores("grey.jpg"))
    assert all(p.status == "failed" and p.error.startswith("The face is too small") for p in results["tiny-face.jpg"])
    assert all(p.status == "failed" and p.error.startswith("No face found") for p in results["cat-no-face.jpg"])
    for photo in results["tiny-face.jpg"] + results["cat-no-face.jpg"]:
        assert photo.faces.count() == 0 and stored_names(default_storage, f"photos/{photo.public_id}") == [
            photo.image.name
        ]
        page = client.get(reverse("scoring:photo", args=[photo.public_id]))
        assert page.status_code == 200 and photo.error.encode() in page.content
