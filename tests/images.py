"""Photos as the bytes a user or a script would send: JPEG (with EXIF where asked) and PNG."""

import io

import numpy as np
from PIL import Image


def jpeg(
    rgb: np.ndarray, exif: Image.Exif | None = None, *, orientation: int | None = None, quality: int = 92
) -> bytes:
    """`orientation`: the EXIF tag a phone writes when the picture is stored on its side."""
    if orientation:
        exif = exif or Image.Exif()
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()
