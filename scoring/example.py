"""The example result on the front page: pre-rendered by `manage.py make_example` into static files."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings

EXAMPLE_FOLDER = "scoring/example"  # under the static folder
EXAMPLE_STAGES = ("stem", "stage4", "stage7")  # early, middle and late, enough to show the idea


def example_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / EXAMPLE_FOLDER


@lru_cache(maxsize=1)
def example_result() -> dict | None:
    """The example's score, percentile and file names (relative to the static root), if made."""
    path = example_dir() / "example.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())
