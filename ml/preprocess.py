"""Pure functions between aligned uint8 crops and the tensors the network takes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ml.model import INPUT_MEAN, INPUT_STD

SCORE_MIN, SCORE_MAX = 1.0, 5.0


def crops_to_tensor(crops: list[np.ndarray] | np.ndarray, size: int) -> torch.Tensor:
    """(N, H, W, 3) uint8 RGB crops -> normalised float (N, 3, size, size)."""
    batch = torch.from_numpy(np.ascontiguousarray(np.stack(list(crops)) if isinstance(crops, list) else crops))
    return resize(normalise(batch.permute(0, 3, 1, 2)), size)


def resize(batch: torch.Tensor, size: int) -> torch.Tensor:
    """Scale float (N, 3, H, W) to the network's input size, low-pass filtered."""
    if batch.shape[-1] == size and batch.shape[-2] == size:
        return batch
    return F.interpolate(batch, size=(size, size), mode="bilinear", antialias=True, align_corners=False)


def normalise(batch_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> float scaled as the backbone was trained."""
    mean = torch.tensor(INPUT_MEAN, device=batch_uint8.device).view(1, 3, 1, 1)
    std = torch.tensor(INPUT_STD, device=batch_uint8.device).view(1, 3, 1, 1)
    return (batch_uint8.float() / 255 - mean) / std


def to_score_range(raw: torch.Tensor) -> torch.Tensor:
    """Clamp raw regressor outputs to the 1-5 scale of the ratings."""
    return raw.clamp(SCORE_MIN, SCORE_MAX)
