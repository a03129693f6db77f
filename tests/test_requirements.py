"""Every runtime requirement installs from wheels on each Python and machine the product runs on.

pip resolves the web's and the worker's requirements for another interpreter and platform without
installing (`--dry-run --only-binary=:all:`): a package with no wheel there fails the resolution.
torch is left out: GPU workers install the CUDA build of the same release from PyTorch's index.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ("requirements.txt", "requirements-worker.txt")  # the web's set, and what a worker adds
PLATFORMS = {
    "x86_64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "aarch64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
}


def _requirements_without_torch() -> list[str]:
    lines = [line for name in RUNTIME for line in (ROOT / name).read_text().splitlines()]
    return [line for line in lines if line.strip() and not line.startswith(("#", "-r", "torch"))]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.parametrize("machine", sorted(PLATFORMS))
@pytest.mark.parametrize("python", ["3.11", "3.12", "3.13"])
def test_runtime_requirements_resolve_to_wheels(tmp_path, python, machine):
    wanted = _requirements_without_torch()
    (tmp_path / "requirements.txt").write_text("\n".join(wanted) + "\n")
    platforms = [arg for tag in PLATFORMS[machine] for arg in ("--platform", tag)]
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--only-binary=:all:",
         "--python-version", python, *platforms, "--target", str(tmp_path / "target"),
         "-r", str(tmp_path / "requirements.txt"), "--report", str(report)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"CPython {python} on {machine}: {done.stderr[-2000:]}"
    resolved = {_name(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}
    assert {_name(r) for r in wanted} <= resolved
