"""`python -m ml fit-face-kernel`: the face-ResNet member of the ensemble, fitted in closed form.

dlib's network stays as dlib trained it; each rating panel gets a kernel ridge over the
features the heads read (principal components of dlib's last map, or its embedding) of its
training faces and their mirror images (`ml.training.kernel_ridge`), its settings chosen by
cross-validation on the training list. Validation data is only reported.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ml.models import preprocess
from ml.models.alignment import CROP_SIZE
from ml.models.registry import FACE_RESNET, build_network
from ml.models.regressor import DEFAULT_MAP_COMPONENTS, RegressorConfig
from ml.models.weights import round_to_stored_precision, save_weights
from ml.training import kernel_ridge
from ml.training.dlib_weights import load_dlib_backbone
from ml.training.train import TrainingSet, input_batches, score_head_of, validate

log = logging.getLogger(__name__)


@torch.inference_mode()
def last_maps(model: torch.nn.Module, images: torch.Tensor, mirrored: bool) -> torch.Tensor:
    """The last stage's maps for uint8 (N, 3, H, W) crops (the chip is cut from the aligned crop
    at its own size, no resizing first)."""
    batches = input_batches(model, images, CROP_SIZE)
    return torch.cat([model.forward_features(preprocess.mirrored(b) if mirrored else b) for b in batches])


@torch.inference_mode()
def head_features(model: torch.nn.Module, maps: torch.Tensor) -> np.ndarray:
    """What the heads read of these maps, rounded to half precision as the stored rows are."""
    return model.pool(maps).cpu().numpy().astype(np.float16).astype(np.float32)


def fit_map_projection(encoder: torch.nn.Module, maps: torch.Tensor) -> None:
    """Set the encoder's projection to the principal components of these maps, then round it as
    the weights file will store it."""
    components, mean = kernel_ridge.principal_components(maps.flatten(1).numpy(), encoder.config.map_components)
    with torch.no_grad():
        encoder.map_projection.weight.copy_(torch.from_numpy(components))
        encoder.map_projection.bias.copy_(torch.from_numpy(-components @ mean))
    round_to_stored_precision(encoder)


def fit_face_kernels(
    sets: list[TrainingSet], out_path: Path, threads: int = 2, map_components: int = DEFAULT_MAP_COMPONENTS
) -> dict:
    """Fit one kernel ridge per set (head), save the model, return its validation figures.

    `map_components`: the kernels read that many principal components of dlib's last map
    (fitted on every set's training faces and their mirrors); 0 reads its 128-d embedding.
    """
    torch.set_num_threads(threads)
    heads = tuple(s.head for s in sets)
    config = RegressorConfig(
        backbone=FACE_RESNET, heads=heads, score_head=score_head_of(heads), map_components=map_components
    )
    encoder = build_network(FACE_RESNET, asdict(config)).eval()
    load_dlib_backbone(encoder)
    # Fitted on the network and features exactly as the weights file stores them (halves).
    round_to_stored_precision(encoder)
    # Each face and its mirror image: the scores are averaged over both in use.
    maps = {
        s.head: torch.cat([last_maps(encoder, s.train_images, mirrored) for mirrored in (False, True)]) for s in sets
    }
    if map_components:
        fit_map_projection(encoder, torch.cat(list(maps.values())))
    fits, chosen = [], {}
    for training_set in sets:
        scores = training_set.train_scores.numpy()
        features = head_features(encoder, maps[training_set.head])
        photo = np.arange(len(scores))
        fitted, chosen[training_set.head] = kernel_ridge.cross_validated_fit(
            features, np.concatenate([scores, scores]), np.concatenate([photo, photo])
        )
        log.info("%s: kernel ridge %s", training_set.head, chosen[training_set.head])
        fits.append(fitted)
    kernel_config = RegressorConfig(**{**asdict(config), "kernel_support": sum(len(f.support) for f in fits)})
    model = build_network(FACE_RESNET, asdict(kernel_config))
    model.network.load_state_dict(encoder.network.state_dict())
    if map_components:
        model.map_projection.load_state_dict(encoder.map_projection.state_dict())
    model.regressor = kernel_ridge.heads_from_fits(fits)
    model.eval()
    val = validate(model, sets, CROP_SIZE)
    log.info("validation %s", val)
    save_weights(model, out_path, CROP_SIZE, extra={"kernel_fit": chosen, "val_metrics": val})
    return {"kernel_fit": chosen, "val_metrics": val}
