"""What several ml tests use: the colour steps of the look-inside's palettes (photos: tests/images.py)."""

import numpy as np


def one_level_of_either_palette() -> int:
    """The most a stage picture's pixel moves when its colour level moves by one: a grid pixel
    by one step of viridis, an overlay pixel by the heat's share of one step of JET (+1 rounding)."""
    import math

    import cv2

    from ml.inference.activations import HEAT_WEIGHT, _colormap

    def step(colormap: int) -> int:
        return int(np.abs(np.diff(_colormap(colormap).astype(int), axis=0)).max())

    return max(step(cv2.COLORMAP_VIRIDIS), math.ceil(HEAT_WEIGHT * step(cv2.COLORMAP_JET)) + 1)
