"""Fixtures of the ml tests: real face photos and the shipped predictor; helpers are in helpers.py."""

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    import matplotlib.cbook

    return np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))


@pytest.fixture(scope="session")
def predictor():
    from ml.inference.predictor import Predictor

    return Predictor(device="cpu")
