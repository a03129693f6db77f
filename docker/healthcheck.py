"""The images' HEALTHCHECK: exit 0 when this container's process does its job, 1 when not.

The role is the container's command (its first process), or the first argument:
- web (gunicorn): GET /readyz on port 8000 answers 200 (database, broker and storage answer);
- worker (celery worker): its heartbeat row is fresh, else its own node answers a ping;
- beat (celery beat): its schedule file was written recently (beat saves it every few minutes).
"""

import os
import socket
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the app, beside docker/

HEARTBEAT_FRESH_SECONDS = 60  # a live worker records one every 10 s (scoring.heartbeat)
SCHEDULE_FRESH_SECONDS = 600  # beat saves its schedule at least every 3 minutes while it ticks


def role() -> str:
    if len(sys.argv) > 1:
        return sys.argv[1]
    command = Path("/proc/1/cmdline").read_bytes().split(b"\0")
    words = {Path(word.decode(errors="replace")).name for word in command}
    if "beat" in words:
        return "beat"
    if "worker" in words:
        return "worker"
    return "web"


def web_ready() -> bool:
    with urllib.request.urlopen("http://127.0.0.1:8000/readyz", timeout=8) as answer:
        return answer.status == 200


def worker_alive() -> bool:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautysite.settings")
    import django

    django.setup()
    from django.utils import timezone

    from beautysite.celery import app
    from scoring.models import WorkerHeartbeat

    node = f"celery@{socket.gethostname()}"  # Celery's default node name
    seen = WorkerHeartbeat.objects.filter(hostname=node).values_list("seen", flat=True).first()
    if seen is not None and (timezone.now() - seen).total_seconds() < HEARTBEAT_FRESH_SECONDS:
        return True
    return bool(app.control.ping(destination=[node], timeout=5))


def beat_ticking() -> bool:
    schedule = Path(os.environ.get("BEAUTY_VAR_DIR", "/var/lib/beauty")) / "celerybeat-schedule"
    files = list(schedule.parent.glob(schedule.name + "*"))  # dbm may add .db, .dat, .dir
    return bool(files) and time.time() - max(f.stat().st_mtime for f in files) < SCHEDULE_FRESH_SECONDS


CHECKS = {"web": web_ready, "worker": worker_alive, "beat": beat_ticking}

if __name__ == "__main__":
    try:
        healthy = CHECKS[role()]()
    except Exception as error:  # noqa: BLE001 (any failure is "unhealthy", said in one line)
        print(f"unhealthy: {type(error).__name__}: {error}")
        sys.exit(1)
    print("healthy" if healthy else "unhealthy")
    sys.exit(0 if healthy else 1)
