"""`python -m ml score`: score photo files, print text or JSON lines, optionally draw results."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from ml.inference import faces
from ml.inference.annotate import annotate
from ml.inference.predictor import ImageResult, Predictor, ScoredFace
from ml.inference.rating_band import score_band
from ml.inference.score_format import rating_text, rounded_score, score_text
from ml.inference.threads import parallel_map
from ml.models.weights import DEFAULT_WEIGHTS


def result_as_dict(path: str, result: ImageResult) -> dict:
    """The JSON contract: path as given, faces largest first, error as a sentence or null."""
    return {
        "path": path,
        "faces": [_face_as_dict(f) for f in result.faces],
        "error": result.error,
    }


def _face_as_dict(face: ScoredFace) -> dict:
    """`distribution`: a rater's chance of each rating 0.5, 1, ... 5 (MEBeauty's 1..10 halved, the
    score's scale); `band`: the range (same scale, rounded as printed) holding the middle 80 % of a panel's ratings.
    Both null without a fitted spread."""
    spread = face.distribution
    return {
        "box": list(face.box),
        "score": rounded_score(face.score),
        "confidence": round(face.face.confidence, 2),
        "distribution": spread,
        "band": list(score_band(spread)) if spread else None,
    }


def result_as_text(path: str, result: ImageResult) -> str:
    if result.error:
        return f"{path}: error: {result.error}"
    lines = [f"{path}: {len(result.faces)} face(s)"]
    for number, face in enumerate(result.faces, start=1):
        x, y, w, h = face.box
        line = f"  #{number} box x={x} y={y} w={w} h={h}  score {score_text(face.score)} / 5"
        if face.distribution:
            low, high = score_band(face.distribution)
            line += f"  (8 raters in 10 would give {rating_text(low)}-{rating_text(high)} of 5)"
        lines.append(line)
    return "\n".join(lines)


def _load(path: str) -> np.ndarray | str:
    """The path's RGB array, or the sentence saying why it could not be read."""
    try:
        return faces.load_image(path)
    except faces.FaceError as error:
        return str(error)


def _load_all(paths: list[str]) -> list[np.ndarray | str]:
    return parallel_map(_load, paths)


def score_files(
    paths: list[str],
    weights: Path = DEFAULT_WEIGHTS,
    device: str = "auto",
    as_json: bool = False,
    out_dir: Path | None = None,
    batch_images: int = 16,
    stream: TextIO = sys.stdout,
) -> int:
    """Score every file; returns the exit code (0 only when every image scored)."""
    predictor = Predictor(weights, device=device)
    failures = 0
    for start in range(0, len(paths), batch_images):
        chunk = paths[start : start + batch_images]
        loaded = _load_all(chunk)
        images = [item for item in loaded if isinstance(item, np.ndarray)]
        scored = iter(predictor.score_images(images))
        for path, item in zip(chunk, loaded):
            result = next(scored) if isinstance(item, np.ndarray) else ImageResult(error=item)
            failures += result.error is not None
            print(
                json.dumps(result_as_dict(path, result)) if as_json else result_as_text(path, result),
                file=stream,
                flush=True,
            )
            if out_dir is not None and result.faces:
                out_dir.mkdir(parents=True, exist_ok=True)
                drawn = annotate(item, [(f.box, f.score) for f in result.faces])
                drawn.save(out_dir / f"{Path(path).stem}.scored.jpg", quality=90)
    return 0 if failures == 0 else 1
