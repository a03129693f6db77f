import io

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    import matplotlib.cbook

    return np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))


@pytest.fixture(scope="session")
def predictor():
    from ml.predictor import Predictor

    return Predictor(device="cpu")


def jpeg_bytes(rgb: np.ndarray, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()
