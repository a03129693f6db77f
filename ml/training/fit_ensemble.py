"""`python -m ml ensemble`: two weights files as one model, their weights per head chosen on validation data."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ml.models.ensemble import EnsembleNet
from ml.models.weights import load_weights, save_weights
from ml.training.train import TrainingSet, predict_images, validate

log = logging.getLogger(__name__)

# Candidate weights of the second member in a head's score (the first gets the rest). Below 1:
# the explained member always has a share, or the look inside would explain nothing.
WEIGHT_GRID = tuple(round(0.05 * step, 2) for step in range(20))


def choose_head_weights(predictions: list[np.ndarray], targets: np.ndarray) -> tuple[list[float], float]:
    """The two members' weights whose mean has the best Pearson correlation on validation data."""
    first, second = predictions

    def pc(weight: float) -> float:
        value = float(np.corrcoef((1 - weight) * first + weight * second, targets)[0, 1])
        return value if np.isfinite(value) else -np.inf  # a constant mix orders nothing

    best = max(WEIGHT_GRID, key=pc)
    return [1 - best, best], pc(best)


def combine(member_paths: list[Path], sets: list[TrainingSet], out_path: Path, mirror_second: bool = False) -> dict:
    """Each head's member weights by the best validation PC of its own set; saves and returns the figures.

    Unless `mirror_second`, the second member scores the face alone, not its mirror image too.
    """
    if len(member_paths) != 2:
        raise ValueError("an ensemble is built from two weights files (the explained one first)")
    loaded = [load_weights(path) for path in member_paths]
    members = [model for model, _ in loaded]
    sizes = [metadata["input_size"] for _, metadata in loaded]
    head_weights, chosen = {}, {}
    for training_set in sets:
        predictions = []
        for member, size, flip in zip(members, sizes, (True, mirror_second)):
            member.use_head(training_set.head)
            predictions.append(predict_images(member, training_set.val_images, size, flip=flip))
        weights, pc = choose_head_weights(predictions, training_set.val_scores.numpy())
        head_weights[training_set.head], chosen[training_set.head] = weights, pc
        log.info("%s: member weights %s, validation PC %.4f", training_set.head, weights, pc)
    model = EnsembleNet(members, sizes, head_weights, mirrored=[True, mirror_second]).eval()
    input_size = max(sizes)
    val = validate(model, sets, input_size)
    extra = {
        "members_of": [metadata["version"] for _, metadata in loaded],
        "val_metrics": val,
        "train_config": {
            "ensemble_of": [str(p) for p in member_paths],
            "head_weights": head_weights,
            "mirror_second": mirror_second,
        },
    }
    save_weights(model, out_path, input_size, extra=extra)
    return {"head_weights": head_weights, "val_metrics": val}
