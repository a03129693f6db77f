"""The entry point for scoring: load the model once, score many faces per forward pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from ml.inference import activations, faces
from ml.inference.dark_filters import DARK_FILTERS, dark_filters_for
from ml.inference.face_detector import detector_for
from ml.inference.faces import Face
from ml.inference.rating_spread import RatingSpread
from ml.inference.stage_timer import StageTimer, stage_of
from ml.inference.threads import parallel_map
from ml.models import preprocess
from ml.models.alignment import ALIGNMENT
from ml.models.regressor import fuse_batch_norm
from ml.models.weights import DEFAULT_WEIGHTS, Preprocessing, load_weights


def set_cpu_threads(threads: int) -> None:
    """Process-wide torch and OpenCV threads: for callers that share a machine's cores among processes."""
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def resolve_device(device: str = "auto") -> torch.device:
    """'auto' picks CUDA when a GPU is visible; only called when a Predictor is built."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


@dataclass
class ScoredFace:
    face: Face
    crop: np.ndarray  # aligned RGB crop, the weights' crop size square
    score: float  # 1-5
    insight: activations.Insight | None = None  # only when asked for
    # How a panel would split: probabilities of a rating 1..10 on MEBeauty's scale (None when
    # the weights carry no fitted spread, or another panel's head scores).
    distribution: list[float] | None = None

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

    def __init__(
        self,
        weights: Path = DEFAULT_WEIGHTS,
        device: str = "auto",
        flip: bool = True,
        max_batch: int = 64,
        head: str | None = None,
    ):
        self.device = resolve_device(device)
        # YuNet in the runtime fastest on this device: with the networks on a GPU, onnxruntime on a CPU.
        self.detector = detector_for(self.device)
        model, self.metadata = load_weights(weights)
        self.preprocessing = Preprocessing.of(self.metadata)
        if self.preprocessing.alignment != ALIGNMENT:
            raise ValueError(
                f"{weights} was made for {self.preprocessing.alignment!r} crops; this code makes {ALIGNMENT!r} crops"
            )
        # Which rating panel's output scores (the model's own score head unless told).
        self.heads: tuple[str, ...] = model.heads
        self.head: str = model.selected_head
        # Batch norm folded into the convolutions: same scores, about 1.6x faster at batch 1 on a CPU.
        self.model = fuse_batch_norm(model).to(self.device, memory_format=torch.channels_last)
        if head:
            self.use_head(head)
        self.model.requires_grad_(False)  # Grad-CAM needs activation gradients only, never weight gradients
        self.input_size: int = self.preprocessing.input_size
        self.version: str = self.metadata["version"]
        # Averaging the score of the mirrored face removes left-right bias at the cost of a
        # doubled batch; see MODEL_CARD.md for what it buys.
        self.flip = flip
        self.max_batch = max_batch
        # The same for every face; the stem's filters that stay dark on the training faces crossed out.
        self.dark_filters = dark_filters_for(self.version, Path(weights).with_name(DARK_FILTERS.name))
        stem_dark = self.dark_filters.stages["stem"].dark_channels("stem") if self.dark_filters else []
        self.filters = activations.first_layer_filters(self.model, dark=stem_dark)
        fitted = self.metadata.get("rating_spread")
        self.spread: RatingSpread | None = RatingSpread.from_dict(fitted) if fitted else None

    def use_head(self, name: str) -> None:
        """Score with the named rating panel's output (ValueError if the model has none)."""
        self.model.use_head(name)
        self.head = name

    def tensor(self, crops: list[np.ndarray]) -> torch.Tensor:
        """Aligned crops -> the normalised input batch on this predictor's device."""
        return self._input(preprocess.crops_to_pixels(crops, self.device))

    def _input(self, pixels: torch.Tensor) -> torch.Tensor:
        batch = preprocess.pixels_to_input(pixels, self.input_size, self.preprocessing.mean, self.preprocessing.std)
        return batch.contiguous(memory_format=torch.channels_last)

    def _chunks(self, items: list) -> list[list]:
        return [items[start : start + self.max_batch] for start in range(0, len(items), self.max_batch)]

    @torch.inference_mode()
    def score_crops(self, crops: list[np.ndarray]) -> list[float]:
        """Scores (1-5) for aligned crops, in chunks of at most `max_batch` per forward pass."""
        scores: list[float] = []
        for chunk in self._chunks(crops):
            batch = self.tensor(chunk)
            raw = preprocess.mirror_averaged(self.model, batch) if self.flip else self.model(batch)
            scores.extend(preprocess.to_score_range(raw).float().cpu().tolist())
        return scores

    def score_and_explain_crops(
        self, crops: list[np.ndarray], timer: StageTimer | None = None
    ) -> list[tuple[float, activations.Insight]]:
        """Scores and a look inside the network for every crop, one forward pass per chunk."""
        scored: list[tuple[float, activations.Insight]] = []
        for chunk in self._chunks(crops):
            with stage_of(timer, "model"):
                pixels = preprocess.crops_to_pixels(chunk, self.device)
                batch = self._input(pixels)
            raw, insights = activations.score_and_explain(self.model, pixels, batch, self.flip, timer)
            scored.extend(zip(preprocess.to_score_range(raw).float().cpu().tolist(), insights))
        return scored

    def score_images(
        self, images: list[np.ndarray], explain: bool = False, timer: StageTimer | None = None
    ) -> list[ImageResult]:
        """Detect, align and score every face of every image, all faces in shared batches.

        With `explain`, each face also gets its layer thumbnails and Grad-CAM from the same pass.
        With a `timer`, the seconds of each stage (detect, align, model, look_inside) add to it.
        """
        results: list[ImageResult] = []
        pending: list[tuple[ImageResult, Face]] = []
        found_per_image = faces.faces_in_photos(images, self.detector, timer)
        aligning: list[tuple[np.ndarray, Face]] = []
        for rgb, found in zip(images, found_per_image):
            result = ImageResult()
            results.append(result)
            if isinstance(found, faces.FaceError):
                result.error = str(found)
                continue
            pending.extend((result, face) for face in found)
            aligning.extend((rgb, face) for face in found)
        if not pending:
            return results
        with stage_of(timer, "align"):
            crops = parallel_map(self._aligned, aligning)
        if explain:
            scored = self.score_and_explain_crops(crops, timer)
        else:
            with stage_of(timer, "model"):
                scored = [(score, None) for score in self.score_crops(crops)]
        distributions = self.distributions([score for score, _ in scored])
        for (result, face), crop, (score, insight), distribution in zip(pending, crops, scored, distributions):
            result.faces.append(
                ScoredFace(face=face, crop=crop, score=score, insight=insight, distribution=distribution)
            )
        return results

    def _aligned(self, rgb_and_face: tuple[np.ndarray, Face]) -> np.ndarray:
        rgb, face = rgb_and_face
        return faces.align_face(rgb, face, self.preprocessing.crop_size)

    def distributions(self, scores: list[float]) -> list[list[float] | None]:
        """How MEBeauty's panel would split over faces of these scores (the spread was fitted on its ratings)."""
        if self.spread is None or self.head != "mebeauty":
            return [None] * len(scores)
        return [[round(p, 4) for p in row] for row in self.spread.distributions(scores).tolist()]

    def score_image(self, rgb: np.ndarray, explain: bool = False) -> ImageResult:
        return self.score_images([rgb], explain)[0]
