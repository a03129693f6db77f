"""`python -m ml bench`: the model's faces per second by batch size, and the whole pipeline per photo."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from PIL import Image

from ml import faces
from ml.predictor import CROP_SIZE, Predictor
from ml.seed_net import SEED_INPUT_SIZE, SeedNet
from ml.weights import DEFAULT_WEIGHTS

MODEL_BATCHES = (1, 4, 16, 64)


def median_ms(run: Callable[[], object], repeats: int, warmup: int = 3, device: torch.device | None = None) -> float:
    """Median wall time of `run`; on a GPU each call is waited for, not just launched."""
    sync = torch.cuda.synchronize if device is not None and device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        run()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sample_photo_bytes() -> bytes:
    """A real face photo that ships with scikit-image (NASA portrait of Eileen Collins), as JPEG."""
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def faces_per_second(model: torch.nn.Module, size: int, device: torch.device, repeats: int, batches=MODEL_BATCHES):
    """The network alone on random input: {batch: faces per second}."""
    model.eval()
    out = {}
    for batch in batches:
        x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            ms = median_ms(lambda x=x: model(x), repeats, device=device)
        out[batch] = 1000 * batch / ms
    return out


def run_benchmarks(
    weights: Path = DEFAULT_WEIGHTS, repeats: int = 30, threads: int | None = None, device: str = "cpu"
) -> dict:
    predictor = Predictor(weights, device=device, threads=threads)
    run_on = predictor.device
    photo = sample_photo_bytes()
    rgb = faces.load_image(photo)
    crop = faces.faces_and_crops(rgb, CROP_SIZE)[1][0]
    figures: dict = {
        "device": torch.cuda.get_device_name(run_on) if run_on.type == "cuda" else "cpu",
        "torch_threads": torch.get_num_threads(),
        "model_version": predictor.version,
        "photo_pixels": list(rgb.shape[:2]),
    }
    model_rates = faces_per_second(predictor.model, predictor.input_size, run_on, repeats)
    figures["model_faces_per_s"] = {str(b): round(r, 1) for b, r in model_rates.items()}
    # What the worker runs per face: the mirrored twin, stage views and Grad-CAM in one pass.
    for batch in (1, 16):
        crops = [crop] * batch
        explain = lambda crops=crops: predictor.score_and_explain_crops(crops)  # noqa: E731
        ms = median_ms(explain, max(5, repeats // 3), device=run_on)
        figures[f"score_and_explain_ms_per_face_batch{batch}"] = round(ms / batch, 2)
    # The whole pipeline (decode, detect, align, score, layer views, Grad-CAM), one photo per
    # pass against eight photos sharing each pass.
    for photos in (1, 8):
        ms = median_ms(
            lambda n=photos: predictor.score_images([faces.load_image(photo) for _ in range(n)], explain=True),
            max(5, repeats // 3),
            device=run_on,
        )
        figures[f"pipeline_ms_per_photo_{photos}_per_pass"] = round(ms / photos, 1)
    seed_rates = faces_per_second(SeedNet().to(run_on), SEED_INPUT_SIZE, run_on, repeats, batches=(1, 16))
    figures["seed_faces_per_s"] = {str(b): round(r, 1) for b, r in seed_rates.items()}
    figures["model_over_seed_speed_batch1"] = round(model_rates[1] / seed_rates[1], 2)
    return figures
