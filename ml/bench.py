"""`python -m ml bench`: the model's faces per second by batch size, and the whole pipeline per photo."""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import torch
from PIL import Image

from ml.inference import faces
from ml.inference.predictor import Predictor, set_cpu_threads
from ml.models.seed_net import SEED_INPUT_SIZE, SeedNet
from ml.models.weights import DEFAULT_WEIGHTS

MODEL_BATCHES = (1, 4, 16, 64)


def interleaved_medians_ms(runs: dict, repeats: int, warmup: int = 3, device: torch.device | None = None) -> dict:
    """Median wall time of each run, timed in turns: a slow spell of the machine hits every
    run alike, so the ratios between them hold even when the absolute times drift.
    On a GPU each call is waited for, not just launched."""
    sync = torch.cuda.synchronize if device is not None and device.type == "cuda" else (lambda: None)
    for run in runs.values():
        for _ in range(warmup):
            run()
    sync()
    times: dict = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            sync()
            times[key].append((time.perf_counter() - start) * 1000)
    return {key: statistics.median(values) for key, values in times.items()}


def sample_photo_bytes() -> bytes:
    """A real face photo that ships with scikit-image (NASA portrait of Eileen Collins), as JPEG."""
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def faces_per_second(networks: dict, device: torch.device, repeats: int) -> dict:
    """Each network alone on random input, timed in turns.

    `networks`: {name: (model, input side, batches)}; returns {name: {batch: faces per second}}.
    """
    runs = {}
    for name, (model, size, batches) in networks.items():
        model.eval()
        for batch in batches:
            x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
            runs[name, batch] = lambda model=model, x=x: model(x)
    with torch.inference_mode():
        medians = interleaved_medians_ms(runs, repeats, device=device)
    rates: dict = {name: {} for name in networks}
    for (name, batch), ms in medians.items():
        rates[name][batch] = 1000 * batch / ms
    return rates


def run_benchmarks(
    weights: Path = DEFAULT_WEIGHTS,
    repeats: int = 30,
    threads: int | None = None,
    device: str = "cpu",
    baseline: Path | None = None,
) -> dict:
    if threads:
        set_cpu_threads(threads)
    predictor = Predictor(weights, device=device)
    run_on = predictor.device
    photo = sample_photo_bytes()
    rgb = faces.load_image(photo)
    crop = faces.faces_and_crops(rgb, predictor.preprocessing.crop_size)[1][0]
    figures: dict = {
        "device": torch.cuda.get_device_name(run_on) if run_on.type == "cuda" else "cpu",
        "torch_threads": torch.get_num_threads(),
        "model_version": predictor.version,
        "photo_pixels": list(rgb.shape[:2]),
    }
    networks = {
        "model": (predictor.model, predictor.input_size, MODEL_BATCHES),
        "seed": (SeedNet().to(run_on), SEED_INPUT_SIZE, (1, 16)),
    }
    rates = faces_per_second(networks, run_on, repeats)
    model_rates, seed_rates = rates["model"], rates["seed"]
    figures["model_faces_per_s"] = {str(b): round(r, 1) for b, r in model_rates.items()}
    # What the worker runs per face (the mirrored twin, stage views and Grad-CAM from its pass),
    # and the whole pipeline (decode, detect, align, all of that) with one photo per pass
    # against eight photos sharing each pass.
    runs = {
        ("score", 1): lambda: predictor.score_crops([crop]),
        ("score", 16): lambda: predictor.score_crops([crop] * 16),
        ("explain", 1): lambda: predictor.score_and_explain_crops([crop]),
        ("explain", 16): lambda: predictor.score_and_explain_crops([crop] * 16),
        ("pipeline", 1): lambda: predictor.score_images([faces.load_image(photo)], explain=True),
        ("pipeline", 8): lambda: predictor.score_images([faces.load_image(photo) for _ in range(8)], explain=True),
    }
    if baseline is not None:
        # Other weights (e.g. the previous release) timed in the same turns, for a fair ratio.
        old = Predictor(baseline, device=device)
        runs["baseline_explain", 1] = lambda: old.score_and_explain_crops([crop])
        runs["baseline_explain", 16] = lambda: old.score_and_explain_crops([crop] * 16)
        runs["baseline_pipeline", 8] = lambda: old.score_images(
            [faces.load_image(photo) for _ in range(8)], explain=True
        )
    medians = interleaved_medians_ms(runs, max(5, repeats // 3), device=run_on)
    for batch in (1, 16):
        # "score": the network with its mirror twin; "explain": that plus every picture of the look inside.
        figures[f"score_ms_per_face_batch{batch}"] = round(medians["score", batch] / batch, 2)
        figures[f"score_and_explain_ms_per_face_batch{batch}"] = round(medians["explain", batch] / batch, 2)
        figures[f"look_inside_adds_ms_per_face_batch{batch}"] = round(
            (medians["explain", batch] - medians["score", batch]) / batch, 2
        )
        if baseline is not None:
            figures[f"baseline_score_and_explain_ms_per_face_batch{batch}"] = round(
                medians["baseline_explain", batch] / batch, 2
            )
            figures[f"explain_cost_over_baseline_batch{batch}"] = round(
                medians["explain", batch] / medians["baseline_explain", batch], 2
            )
    for photos in (1, 8):
        figures[f"pipeline_ms_per_photo_{photos}_per_pass"] = round(medians["pipeline", photos] / photos, 1)
    if baseline is not None:
        # The whole per-face path, the rating distribution included (made after the network's pass).
        figures["pipeline_cost_over_baseline_8_per_pass"] = round(
            medians["pipeline", 8] / medians["baseline_pipeline", 8], 3
        )
    figures["seed_faces_per_s"] = {str(b): round(r, 1) for b, r in seed_rates.items()}
    figures["model_over_seed_speed_batch1"] = round(model_rates[1] / seed_rates[1], 2)
    return figures
