import numpy as np
import pytest


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """scikit-image's astronaut (Eileen Collins, public domain): one frontal face, as RGB."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    """matplotlib's Grace Hopper (public domain): one face, turned a little, as RGB."""
    import matplotlib.cbook
    from PIL import Image

    return np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))


@pytest.fixture(autouse=True)
def _private_media_folder(request, tmp_path, settings):
    """Every test stores files in its own temporary folder (S3 tests replace this)."""
    if "django" not in request.keywords and not request.node.get_closest_marker("django_db"):
        return
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()  # rate-limit counters start from zero in every test


def pytest_collection_modifyitems(items):
    """A test marked `dataset("<folder>")` is skipped, with the folder named, where that dataset is missing."""
    from tests import datasets

    for item in items:
        marker = item.get_closest_marker("dataset")
        if marker is None:
            continue
        missing = [str(datasets.folder(name)) for name in marker.args if not datasets.folder(name).is_dir()]
        if missing:
            reason = f"dataset not on this machine: {', '.join(missing)} is missing (set DATASETS_DIR to its parent)"
            item.add_marker(pytest.mark.skip(reason=reason))
