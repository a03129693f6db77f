"""`python -m ml ensemble`: two weights files as one model, their weights per head chosen on validation data."""

from __future__ import annotations

import logging
from pathlib import Path

from ml.ensemble import EnsembleNet, choose_head_weights
from ml.train import TrainingSet, predict_images, validate
from ml.weights import load_weights, save_weights

log = logging.getLogger(__name__)


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
