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
from rest_framework.test import APIClient

from scoring.models import Photo
from tests.web.conftest import jpeg, stored_names

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
    }


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_every_bad_file_gets_a_400_with_a_sentence_and_leaves_nothing_behind(api, client, alice, face_rgb):
    client.force_login(alice)
    cases = rejected_cases(face_rgb)
    assert len(cases) >= 13
    for name, content in cases.items():
        response = api.post("/api/photos/", {"image": SimpleUploadedFile(name, content)}, format="multipart")
        assert response.status_code == 400, name
        detail = response.json().get("detail") or response.json().get("image", [""])[0]
        assert detail.endswith(".") and len(detail) > 20, (name, detail)
        page = client.post(reverse("scoring:upload"), {"photos": [SimpleUploadedFile(name, content)]})
        assert page.status_code == 400, name
    assert Photo.objects.count() == 0
    assert stored_names(default_storage) == []


def test_odd_but_valid_images_are_stored_as_clean_rgb_jpegs(api, face_rgb):
    for name, content in accepted_cases(face_rgb).items():
        response = api.post("/api/photos/", {"image": SimpleUploadedFile(name, content)}, format="multipart")
        assert response.status_code == 201, (name, response.content)
        photo = Photo.objects.get(public_id=response.json()["id"])
        with default_storage.open(photo.image.name) as stored:
            image = Image.open(stored)
            assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (512, 512)), name
