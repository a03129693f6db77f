"""`python -m ml evaluate`: the benchmark figures on a list, through the full face pipeline.

Takes either dataset: SCUT-FBP5500 (its 60/40 test list or a fold's, scored by the `scut`
head) or MEBeauty (its val list by default, scored by the `mebeauty` head on the authors'
scale halved to 1-5), and reports each group beside the overall figures.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tqdm import tqdm

from ml.inference import faces
from ml.inference.predictor import Predictor
from ml.models.weights import DEFAULT_WEIGHTS
from ml.training import mebeauty
from ml.training.dataset import Sample, load_split
from ml.training.metrics import metrics_by_subset, scut_groups

log = logging.getLogger(__name__)


def evaluate(
    data_dir: Path,
    weights: Path = DEFAULT_WEIGHTS,
    split: str = "60-40",
    fold: int | None = None,
    device: str = "auto",
    chunk: int = 32,
    mebeauty_list: str = "val",
) -> dict:
    """Detect, align and score each photo of the list (largest face) and compare with its mean rating."""
    if mebeauty.is_mebeauty(data_dir):
        head, samples, listed = mebeauty.NAME, mebeauty.load_list(data_dir, mebeauty_list), f"mebeauty-{mebeauty_list}"
        path_of, groups_of = (lambda name: mebeauty.image_path(data_dir, name)), mebeauty.groups
    else:
        head, (_, samples) = "scut", load_split(data_dir, split, fold)
        listed = f"scut-fold-{fold}" if fold is not None else f"scut-{split}"
        path_of, groups_of = (lambda name: data_dir / "Images" / name), scut_groups
    predictor = Predictor(weights, device=device)
    if head in predictor.heads:  # a model trained before MEBeauty is measured through its one head
        predictor.use_head(head)
    names, predicted, target, unscored = [], [], [], []
    for start in tqdm(range(0, len(samples), chunk), desc="evaluating"):
        batch: list[Sample] = samples[start : start + chunk]
        images = [faces.load_image(path_of(sample.name)) for sample in batch]
        for sample, result in zip(batch, predictor.score_images(images)):
            if result.error:
                unscored.append(sample.name)
                continue
            names.append(sample.name)
            predicted.append(result.faces[0].score)
            target.append(sample.score)
    if unscored:
        log.warning("%d photos could not be scored: %s", len(unscored), unscored[:10])
    return {
        "model_version": predictor.version,
        "list": listed,
        "head": predictor.head,
        "flip_average": predictor.flip,
        "alignment": predictor.preprocessing.alignment,
        "faces_found": f"{len(names)} of {len(samples)}",
        "unscored": unscored,
        **metrics_by_subset(names, predicted, target, groups_of),
    }
