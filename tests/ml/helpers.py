"""What several ml tests use: photos as JPEG bytes, the colour steps of the look-inside's palettes."""

import io

import numpy as np
from PIL import Image


def jpeg_bytes(rgb: np.ndarray, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def one_level_of_either_palette() -> int:
    """The most a stage picture's pixel moves when its colour level moves by one: a grid pixel
    by one step of viridis, an overlay pixel by the heat's share of one step of JET (+1 rounding)."""
    import math

    import cv2

    from ml.inference.activations import HEAT_WEIGHT, _colormap

    def step(colormap: int) -> int:
        return int(np.abs(np.diff(_colormap(colormap).astype(int), axis=0)).max())

    return max(step(cv2.COLORMAP_VIRIDIS), math.ceil(HEAT_WEIGHT * step(cv2.COLORMAP_JET)) + 1)
