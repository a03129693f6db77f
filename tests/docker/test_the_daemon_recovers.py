"""A Docker daemon killed under the tests (as one was mid-build in CI) is started again.

scripts/ensure-docker.sh, which `make test` and scripts/build-images.sh run, must start a new
daemon where the old one and its containerd were killed and left their pid files. Runs after
test_stack.py (file order), whose stack is down by then; it kills only Docker's own processes.
"""

import subprocess
import time
from pathlib import Path

import pytest

from tests.docker.test_stack import DOCKER, ROOT, docker_unavailable

pytestmark = pytest.mark.docker


def _pid(pid_file: str) -> int:
    return int(Path(pid_file).read_text().strip())


def _tagged_images() -> list[str]:
    """name:tag id of every tagged image (ensure-docker prunes the untagged ones)."""
    listing = [DOCKER, "images", "--filter", "dangling=false", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]
    return sorted(subprocess.run(listing, capture_output=True, text=True, check=True).stdout.splitlines())


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().split()[2] == "Z":
            return True
        time.sleep(0.2)
    return False


def test_a_killed_daemon_and_its_containerd_are_started_again():
    reason = docker_unavailable()
    if reason:
        pytest.skip(f"cannot run Docker here: {reason}")
    images_before = _tagged_images()
    assert images_before  # the base image at least: ensure-docker made it
    killed = [_pid("/var/run/docker.pid"), _pid("/var/run/docker/containerd/containerd.pid")]
    for pid in killed:
        subprocess.run(["kill", "-KILL", str(pid)], check=True)
    assert all(_gone(pid) for pid in killed)
    assert subprocess.run([DOCKER, "info"], capture_output=True).returncode != 0

    done = subprocess.run(["bash", "scripts/ensure-docker.sh"], cwd=ROOT, capture_output=True, text=True, timeout=180)

    assert "starting dockerd" in done.stdout, done.stdout + done.stderr
    assert "docker ready" in done.stdout, done.stdout + done.stderr
    new_pid = _pid("/var/run/docker.pid")
    assert new_pid not in killed
    images_after = _tagged_images()
    assert images_after == images_before  # the images outlive the daemon
