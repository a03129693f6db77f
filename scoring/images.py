"""Turning an uploaded file into a clean photo: decoded for real, upright, metadata gone."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from scoring.numbers import pixel_count

# What the upload takes: Pillow's format name for each media type a browser gives such a file.
ACCEPTED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ACCEPTED_FORMATS = set(ACCEPTED_TYPES.values())


class UploadRejected(ValueError):
    """The message is shown to the person who uploaded; `code` is its stable name for programs."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes  # JPEG, no metadata
    width: int
    height: int


def clean_upload(upload) -> CleanPhoto:
    """Decode, orient and re-encode an upload, or raise UploadRejected saying what to send instead."""
    if upload.size == 0:
        raise UploadRejected(gettext("The file is empty. Choose a JPEG, PNG or WebP photo."), code="empty_file")
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise UploadRejected(
            gettext("The file is larger than %(megabytes)d MB. Send a smaller photo.")
            % {"megabytes": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise UploadRejected(gettext("Only JPEG, PNG and WebP photos are accepted."), code="unsupported_format")
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise UploadRejected(
                    gettext("The photo has too many pixels (%(width)dx%(height)d); send one under %(pixels)s.")
                    % {"width": image.width, "height": image.height, "pixels": pixel_count(settings.PHOTO_MAX_PIXELS)},
                    code="too_many_pixels",
                )
            if getattr(image, "n_frames", 1) > 1:
                raise UploadRejected(gettext("Animated images are not accepted; send a single photo."), code="animated")
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except UploadRejected:
        raise
    except Image.DecompressionBombError as error:
        # Pillow refuses to open a photo this far over its own limit (a 20000x20000 JPEG) before our
        # check can read its size: it is a photo with too many pixels, not an unreadable file.
        raise UploadRejected(
            gettext("The photo has too many pixels; send one under %(pixels)s.")
            % {"pixels": pixel_count(settings.PHOTO_MAX_PIXELS)},
            code="too_many_pixels",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UploadRejected(
            gettext("This file is not a photo we can read (damaged or not an image). Send a JPEG, PNG or WebP."),
            code="unreadable_image",
        ) from error
    if min(upright.size) < 32:
        raise UploadRejected(
            gettext("The photo is too small to find a face in; send one at least 32 pixels on each side."),
            code="too_small",
        )
    buffer = io.BytesIO()
    # Re-encoding from pixels drops EXIF (GPS included), ICC profiles and comments.
    upright.save(buffer, format="JPEG", quality=92, optimize=True)
    return CleanPhoto(buffer.getvalue(), upright.width, upright.height)
