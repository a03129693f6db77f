"""The entry point for scoring: load the model once, score many faces per forward pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ml import activations, faces, preprocess
from ml.faces import Face
from ml.model import fuse_batch_norm
from ml.weights import DEFAULT_WEIGHTS, load_weights

# Aligned crops are made at this size (the dataset cache uses it too) and then
# scaled to the network's input size by `preprocess`.
CROP_SIZE = 224


def resolve_device(device: str = "auto") -> torch.device:
    """'auto' picks CUDA when a GPU is visible; only called when a Predictor is built."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


@dataclass
class ScoredFace:
    face: Face
    crop: np.ndarray  # aligned RGB crop, CROP_SIZE square
    score: float  # 1-5

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.face.box


@dataclass
class ImageResult:
    faces: list[ScoredFace] = field(default_factory=list)
    error: str | None = None


class Predictor:
    """Scores faces with the trained BeautyNet.

    Build one per process and reuse it: construction reads the weights and moves the
    network to the device (CUDA is touched here, never at import).
    """

    def __init__(self, weights: Path = DEFAULT_WEIGHTS, device: str = "auto", flip: bool = True, max_batch: int = 64):
        self.device = resolve_device(device)
        model, self.metadata = load_weights(weights)
        # Batch norm folded into the convolutions: same scores, about 1.6x faster at batch 1 on a CPU.
        self.model = fuse_batch_norm(model).to(self.device, memory_format=torch.channels_last)
        self.input_size: int = self.metadata["input_size"]
        self.version: str = self.metadata["version"]
        # Averaging the score of the mirrored face removes left-right bias at the cost of a
        # doubled batch; see MODEL_CARD.md for what it buys.
        self.flip = flip
        self.max_batch = max_batch

    def tensor(self, crops: list[np.ndarray]) -> torch.Tensor:
        """Aligned crops -> the normalised input batch on this predictor's device."""
        batch = preprocess.crops_to_tensor(crops, self.input_size).to(self.device)
        return batch.contiguous(memory_format=torch.channels_last)

    @torch.inference_mode()
    def score_crops(self, crops: list[np.ndarray]) -> list[float]:
        """Scores (1-5) for aligned crops, in chunks of at most `max_batch` per forward pass."""
        scores: list[float] = []
        for start in range(0, len(crops), self.max_batch):
            batch = self.tensor(crops[start : start + self.max_batch])
            raw = self.model(torch.cat([batch, batch.flip(3)]) if self.flip else batch)
            if self.flip:
                raw = (raw[: len(batch)] + raw[len(batch) :]) / 2
            scores.extend(preprocess.to_score_range(raw).float().cpu().tolist())
        return scores

    def score_images(self, images: list[np.ndarray]) -> list[ImageResult]:
        """Detect, align and score every face of every image, all faces in shared batches."""
        results: list[ImageResult] = []
        pending: list[tuple[ImageResult, Face, np.ndarray]] = []
        for rgb in images:
            result = ImageResult()
            results.append(result)
            try:
                found, crops = faces.faces_and_crops(rgb, CROP_SIZE)
            except faces.FaceError as error:
                result.error = str(error)
                continue
            pending.extend((result, face, crop) for face, crop in zip(found, crops))
        scores = self.score_crops([crop for _, _, crop in pending]) if pending else []
        for (result, face, crop), score in zip(pending, scores):
            result.faces.append(ScoredFace(face=face, crop=crop, score=score))
        return results

    def score_image(self, rgb: np.ndarray) -> ImageResult:
        return self.score_images([rgb])[0]

    def look_inside(self, crop: np.ndarray) -> activations.Insight:
        """Per-stage activations, first-layer filters and Grad-CAM for one aligned crop."""
        return activations.look_inside(self.model, self.tensor([crop]), crop)
