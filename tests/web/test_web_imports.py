"""The web process never imports torch or OpenCV: its image and requirements.txt lack both.

The real WSGI app runs in a fresh process (tests/web/light_web_process.py), serves pages, the API
(an upload included) and /metrics, and reports which of the heavy modules it loaded.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_process_serves_pages_and_the_api_without_torch_or_opencv(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "AWS_STORAGE_BUCKET_NAME", "MEDIA_ROOT")
    }
    env.update(BEAUTY_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="beautysite.settings", PYTHONPATH=str(ROOT),
               METRICS_TOKEN="light-token")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "tests.web.light_web_process"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    wrong = {path: code for path, code in report["statuses"].items() if code not in (200, 201)}
    assert not wrong, f"{wrong}\n{done.stderr[-3000:]}"
    assert report["statuses"]["api upload"] == 201
    assert report["imported"] == [], f"the web process imported {report['imported']}"
