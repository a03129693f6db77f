import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.images import jpeg

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ml", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_score_json_is_one_object_per_image_and_a_bad_file_fails_alone(tmp_path, astronaut, grace_hopper):
    good = tmp_path / "astronaut.jpg"
    good.write_bytes(jpeg(astronaut))
    hopper = tmp_path / "hopper.png"
    Image.fromarray(grace_hopper).save(hopper)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not really a jpeg")
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((120, 120, 3), 90, np.uint8)).save(blank)

    done = run_cli("score", "--json", str(good), str(broken), str(hopper), str(blank))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    assert [line["path"] for line in lines] == [str(good), str(broken), str(hopper), str(blank)]
    assert lines[0]["error"] is None and len(lines[0]["faces"]) == 1
    assert len(lines[0]["faces"][0]["box"]) == 4 and 1 <= lines[0]["faces"][0]["score"] <= 5
    distribution, (low, high) = lines[0]["faces"][0]["distribution"], lines[0]["faces"][0]["band"]
    assert len(distribution) == 10 and abs(sum(distribution) - 1) < 1e-3
    assert 0.5 <= low < lines[0]["faces"][0]["score"] < high <= 5  # the band on the score's own scale
    assert "not an image" in lines[1]["error"] and lines[1]["faces"] == []
    assert lines[2]["error"] is None
    assert "No face found" in lines[3]["error"]


def test_score_exits_0_when_all_scored_and_draws_annotated_copies(tmp_path, astronaut):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(jpeg(astronaut))
    done = run_cli("score", str(photo), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "score" in done.stdout and "/ 5" in done.stdout
    drawn = np.asarray(Image.open(tmp_path / "out" / "a.scored.jpg"))
    assert drawn.shape == astronaut.shape and np.abs(drawn.astype(int) - astronaut).max() > 100


def test_weights_load_with_networking_unavailable():
    # Every way out is refused and counted: loading must not even try (a loader that caught the
    # refusal and fell back would still pass a test that only checks the model loads).
    code = (
        "import socket\n"
        "tries = []\n"
        "def refuse(*a, **k):\n"
        "    tries.append(a)\n"
        "    raise OSError('network disabled in this test')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\nsocket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from ml.inference.predictor import Predictor\n"
        "p = Predictor(device='cpu')\n"
        "print(p.version)\n"
        "print(len(tries))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from ml.models.weights import load_weights

    assert done.stdout.split() == [load_weights()[1]["version"], "0"], done.stdout
