"""`python -m ml evaluate`: the benchmark figures on a test list, through the full face pipeline."""

from __future__ import annotations

import logging
from pathlib import Path

from tqdm import tqdm

from ml import faces
from ml.dataset import load_split
from ml.metrics import metrics_by_subset
from ml.predictor import Predictor
from ml.weights import DEFAULT_WEIGHTS

log = logging.getLogger(__name__)


def evaluate(
    data_dir: Path,
    weights: Path = DEFAULT_WEIGHTS,
    split: str = "60-40",
    fold: int | None = None,
    device: str = "auto",
    chunk: int = 32,
) -> dict:
    """Detect, align and score each test photo (largest face) and compare with its mean rating."""
    predictor = Predictor(weights, device=device)
    _, test = load_split(data_dir, split, fold)
    names, predicted, target, unscored = [], [], [], []
    for start in tqdm(range(0, len(test), chunk), desc="evaluating"):
        samples = test[start : start + chunk]
        images = [faces.load_image(data_dir / "Images" / sample.name) for sample in samples]
        for sample, result in zip(samples, predictor.score_images(images)):
            if result.error:
                unscored.append(sample.name)
                continue
            names.append(sample.name)
            predicted.append(result.faces[0].score)
            target.append(sample.score)
    if unscored:
        log.warning("%d test photos could not be scored: %s", len(unscored), unscored[:10])
    return {
        "model_version": predictor.version,
        "split": f"fold-{fold}" if fold is not None else split,
        "flip_average": predictor.flip,
        "unscored": unscored,
        **metrics_by_subset(names, predicted, target),
    }
