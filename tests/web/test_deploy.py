import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    done = run(production(), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def production(**overrides) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "beauty.example.com",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"DJANGO_SECRET_KEY": None}, "scoring.E001"),
        ({"DJANGO_SECRET_KEY": settings.DEVELOPMENT_SECRET_KEY}, "scoring.E001"),
        ({"CACHE_URL": None}, "scoring.E002"),
    ],
)
def test_unsafe_production_settings_stop_check_and_the_web_process(overrides, error):
    env = production(**overrides)
    check = run(env, "manage.py", "check")
    assert check.returncode != 0 and error in check.stderr, check.stdout + check.stderr
    start = run(env, "-c", "import beautysite.wsgi")
    assert start.returncode != 0 and error in start.stderr, start.stderr


def test_safe_production_settings_start_and_rate_limits_may_be_turned_off_instead_of_shared():
    assert run(production(), "-c", "import beautysite.wsgi").returncode == 0
    assert run(production(CACHE_URL=None, RATE_LIMITS="false"), "-c", "import beautysite.wsgi").returncode == 0


def test_debug_mode_starts_on_the_development_defaults():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "true"}
    assert run(env, "manage.py", "check").returncode == 0


def test_every_setting_read_from_the_environment_is_in_the_readme():
    settings_source = (ROOT / "beautysite" / "settings.py").read_text()
    names = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source))
    assert {"DJANGO_DEBUG", "BEAUTY_VAR_DIR", "SCORING_QUEUE"} <= names  # the pattern finds them
    readme = (ROOT / "README.md").read_text()
    assert [name for name in sorted(names) if f"`{name}`" not in readme] == []
