"""Face photos that ship with the installed packages (nothing downloaded), as JPEG bytes."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image


def _jpeg(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def sample_photos() -> list[bytes]:
    """scikit-image's astronaut (512x512) and matplotlib's Grace Hopper (512x600): one face each."""
    import matplotlib.cbook
    from skimage import data

    hopper = np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))
    return [_jpeg(data.astronaut()), _jpeg(hopper)]
