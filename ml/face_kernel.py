"""`python -m ml fit-face-kernel`: the face-ResNet member of the ensemble, fitted in closed form.

dlib's network stays as dlib trained it; each rating panel gets a kernel ridge over the
embeddings of its training faces and their mirror images (`ml.kernel_ridge`), its settings
chosen by cross-validation on the training list. Validation data is only reported.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ml import kernel_ridge, preprocess
from ml.model import FACE_RESNET, RegressorConfig
from ml.train import TrainingSet, load_dlib_backbone, validate
from ml.weights import build_network, round_to_stored_precision, save_weights

log = logging.getLogger(__name__)

# The chip is cut from the aligned 224-pixel crop: no resizing before the cut.
FACE_INPUT_SIZE = 224


@torch.inference_mode()
def embeddings(model: torch.nn.Module, images: torch.Tensor, mirrored: bool, batch_size: int = 64) -> np.ndarray:
    """The pooled features the heads see, for uint8 (N, 3, H, W) crops."""
    out = []
    for start in range(0, len(images), batch_size):
        batch = preprocess.resize(preprocess.normalise(images[start : start + batch_size]), FACE_INPUT_SIZE)
        if mirrored:
            batch = preprocess.mirrored(batch)
        out.append(model.pool(model.features(batch)).numpy())
    return np.concatenate(out)


def fit_face_kernels(sets: list[TrainingSet], out_path: Path, threads: int = 2) -> dict:
    """Fit one kernel ridge per set (head), save the model, return its validation figures."""
    torch.set_num_threads(threads)
    heads = tuple(s.head for s in sets)
    score_head = "mebeauty" if "mebeauty" in heads else heads[0]
    config = RegressorConfig(backbone=FACE_RESNET, heads=heads, score_head=score_head)
    encoder = build_network(FACE_RESNET, asdict(config)).eval()
    load_dlib_backbone(encoder)
    # Fitted on the network and embeddings exactly as the weights file stores them (halves).
    round_to_stored_precision(encoder)
    fits, chosen = [], {}
    for training_set in sets:
        images, scores = training_set.train_images, training_set.train_scores.numpy()
        # Each face and its mirror image: the scores are averaged over both in use.
        features = np.concatenate([embeddings(encoder, images, False), embeddings(encoder, images, True)])
        features = features.astype(np.float16).astype(np.float32)
        photo = np.arange(len(scores))
        fitted, chosen[training_set.head] = kernel_ridge.cross_validated_fit(
            features, np.concatenate([scores, scores]), np.concatenate([photo, photo])
        )
        log.info("%s: kernel ridge %s", training_set.head, chosen[training_set.head])
        fits.append(fitted)
    kernel_config = RegressorConfig(**{**asdict(config), "kernel_support": sum(len(f.support) for f in fits)})
    model = build_network(FACE_RESNET, asdict(kernel_config))
    model.network.load_state_dict(encoder.network.state_dict())
    model.regressor = kernel_ridge.KernelRidgeHeads.from_fits(fits)
    model.eval()
    val = validate(model, sets, FACE_INPUT_SIZE)
    log.info("validation %s", val)
    save_weights(model, out_path, FACE_INPUT_SIZE, extra={"kernel_fit": chosen, "val_metrics": val})
    return {"kernel_fit": chosen, "val_metrics": val}
