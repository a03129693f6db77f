"""Operating the workers: soft shutdown, pool processes renewed, error reports only when asked for."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = (
    "import django; django.setup(); import sys, sentry_sdk; from beautysite.celery import app; "
    "client = sentry_sdk.get_client(); "
    "print(client.is_active(), sorted(client.integrations) if client.is_active() else [], "
    "app.conf.worker_soft_shutdown_timeout, app.conf.worker_max_tasks_per_child, app.conf.worker_max_memory_per_child)"
)


def report(**env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "beautysite.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_a_dsn_nothing_reports_errors_and_workers_shut_down_softly():
    assert report() == "False [] 60.0 1000 4000000"


def test_with_a_dsn_django_and_celery_errors_are_reported():
    line = report(SENTRY_DSN="https://public@sentry.example.com/1")
    assert line.startswith("True ") and "'celery'" in line and "'django'" in line


def test_the_worker_limits_follow_the_environment():
    settings = {"CELERY_SOFT_SHUTDOWN_SECONDS": "120", "CELERY_MAX_TASKS_PER_CHILD": "0"}
    assert report(**settings, CELERY_MAX_MEMORY_PER_CHILD_KB="0") == "False [] 120.0 None None"
