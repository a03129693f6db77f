import pytest


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
