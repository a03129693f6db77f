"""Pure functions between aligned uint8 crops and the tensors the network takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ml.models.regressor import INPUT_MEAN, INPUT_STD

SCORE_MIN, SCORE_MAX = 1.0, 5.0


def crops_to_tensor(
    crops: list[np.ndarray] | np.ndarray,
    size: int,
    mean: Sequence[float] = INPUT_MEAN,
    std: Sequence[float] = INPUT_STD,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """(N, H, W, 3) uint8 RGB crops -> normalised float (N, 3, size, size) on `device`."""
    return pixels_to_input(crops_to_pixels(crops, device), size, mean, std)


def crops_to_pixels(crops: list[np.ndarray] | np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """Crops as one uint8 (N, H, W, 3) tensor on `device`: moved while a quarter of the float batch's bytes."""
    stacked = np.ascontiguousarray(np.stack(list(crops)) if isinstance(crops, list) else crops)
    return torch.from_numpy(stacked).to(device)


def pixels_to_input(
    pixels: torch.Tensor, size: int, mean: Sequence[float] = INPUT_MEAN, std: Sequence[float] = INPUT_STD
) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> the network's normalised float input (N, 3, size, size), on the same device."""
    return resize(normalise(pixels.permute(0, 3, 1, 2), mean, std), size)


def resize(batch: torch.Tensor, size: int) -> torch.Tensor:
    """Scale float (N, 3, H, W) to the network's input size, low-pass filtered."""
    if batch.shape[-1] == size and batch.shape[-2] == size:
        return batch
    return F.interpolate(batch, size=(size, size), mode="bilinear", antialias=True, align_corners=False)


def normalise(
    batch_uint8: torch.Tensor, mean: Sequence[float] = INPUT_MEAN, std: Sequence[float] = INPUT_STD
) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> float scaled as the backbone was trained."""
    mean_t = torch.tensor(mean, device=batch_uint8.device).view(1, 3, 1, 1)
    std_t = torch.tensor(std, device=batch_uint8.device).view(1, 3, 1, 1)
    return (batch_uint8.float() / 255 - mean_t) / std_t


def mirrored(batch: torch.Tensor) -> torch.Tensor:
    """Left-right mirror images of a batch (N, 3, H, W)."""
    return batch.flip(3)


# Faces and their mirror images share one pass while together they are at most this many
# images: on a CPU the pass's fixed costs then dominate (one pass of 2 images is 1.3x faster
# than two passes of 1, a pass of 16 a little faster than two of 8, one of 32 as fast as two
# of 16); beyond it two passes keep the activations in the cache.
JOINT_MIRROR_PASS_IMAGES = 32


def mirror_averaged(model: Callable[[torch.Tensor], torch.Tensor], batch: torch.Tensor) -> torch.Tensor:
    """The model's outputs for `batch` averaged with its outputs for the mirror images.

    The score of a face should not depend on which side faced the light or the camera. An
    ensemble mirrors its explained network's share; its other members say themselves
    (`rest_of_score`) whether they average with the mirror image too.
    """
    share = getattr(model, "explained_share", model)
    with torch.inference_mode():
        if 2 * len(batch) <= JOINT_MIRROR_PASS_IMAGES:
            averaged = mean_with_mirrors(share(with_mirrors(batch)))
        else:
            averaged = (share(batch) + share(mirrored(batch))) / 2
        rest = getattr(model, "rest_of_score", None)
        return averaged + rest(batch, flip=True) if rest else averaged


def with_mirrors(batch: torch.Tensor) -> torch.Tensor:
    """The batch followed by its mirror images (2N, 3, H, W): one pass for both."""
    return torch.cat([batch, mirrored(batch)])


def mean_with_mirrors(outputs: torch.Tensor) -> torch.Tensor:
    """Outputs (2N,) of `with_mirrors(batch)` -> each face's mean with its mirror image (N,)."""
    faces, mirrors = outputs.chunk(2)
    return (faces + mirrors) / 2


def to_score_range(raw: torch.Tensor) -> torch.Tensor:
    """Clamp raw regressor outputs to the 1-5 scale of the ratings."""
    return raw.clamp(SCORE_MIN, SCORE_MAX)
