"""`python -m ml bench`: median milliseconds per face for the model and for the whole pipeline."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ml import faces
from ml.predictor import CROP_SIZE, Predictor
from ml.seed_net import SEED_INPUT_SIZE, SeedNet
from ml.weights import DEFAULT_WEIGHTS


def median_ms(run: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sample_photo_bytes() -> bytes:
    """A real face photo that ships with scikit-image (NASA portrait of Eileen Collins), as JPEG."""
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _model_timings(model: torch.nn.Module, size: int, repeats: int, prefix: str) -> dict[str, float]:
    model.eval()
    out = {}
    for batch in (1, 16):
        x = torch.randn(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            out[f"{prefix}_ms_per_face_batch{batch}"] = median_ms(lambda x=x: model(x), repeats) / batch
    return out


def run_benchmarks(weights: Path = DEFAULT_WEIGHTS, repeats: int = 30, threads: int | None = None) -> dict:
    if threads:
        torch.set_num_threads(threads)
    predictor = Predictor(weights, device="cpu")
    photo = sample_photo_bytes()
    crop = faces.faces_and_crops(faces.load_image(photo), CROP_SIZE)[1][0]
    figures: dict = {"torch_threads": torch.get_num_threads(), "model_version": predictor.version}
    figures.update(_model_timings(predictor.model, predictor.input_size, repeats, "model"))
    for batch in (1, 16):
        crops = [crop] * batch
        figures[f"predictor_with_flip_ms_per_face_batch{batch}"] = (
            median_ms(lambda crops=crops: predictor.score_crops(crops), repeats) / batch
        )

    def whole_pipeline() -> None:
        predictor.score_image(faces.load_image(photo), explain=True)

    figures["pipeline_ms_per_photo"] = median_ms(whole_pipeline, max(5, repeats // 3))
    figures.update(_model_timings(SeedNet(), SEED_INPUT_SIZE, repeats, "seed"))
    figures["seed_over_model_ratio_batch1"] = figures["seed_ms_per_face_batch1"] / figures["model_ms_per_face_batch1"]
    figures["photo_pixels"] = list(np.asarray(Image.open(io.BytesIO(photo))).shape[:2])
    return figures
