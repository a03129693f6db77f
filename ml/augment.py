"""Batch augmentation on aligned crops: the small variations alignment leaves in real photos."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_similarity(
    batch: torch.Tensor,
    size: int,
    generator: torch.Generator,
    max_degrees: float = 8.0,
    max_scale: float = 0.06,
    max_shift: float = 0.04,
) -> torch.Tensor:
    """Rotate, scale, shift and mirror each image at random, resampling to `size`."""
    n = batch.shape[0]

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(max_degrees))
    scale = 1 + uniform(max_scale)
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos * mirror, -sin, uniform(max_shift) * 2], dim=1),
            torch.stack([sin * mirror, cos, uniform(max_shift) * 2], dim=1),
        ],
        dim=1,
    ).to(batch.device, batch.dtype)
    grid = F.affine_grid(theta, [n, batch.shape[1], size, size], align_corners=False)
    return F.grid_sample(batch, grid, mode="bilinear", padding_mode="border", align_corners=False)


def random_photometric(
    batch: torch.Tensor,
    generator: torch.Generator,
    brightness: float = 0.15,
    contrast: float = 0.15,
    grey_probability: float = 0.1,
) -> torch.Tensor:
    """Jitter brightness and contrast and turn some images grey (normalised input, any range)."""
    n = batch.shape[0]
    shape = (n, 1, 1, 1)
    gain = (1 + (torch.rand(shape, generator=generator) * 2 - 1) * contrast).to(batch.device)
    offset = ((torch.rand(shape, generator=generator) * 2 - 1) * brightness * 2).to(batch.device)
    mean = batch.mean(dim=(1, 2, 3), keepdim=True)
    out = (batch - mean) * gain + mean + offset
    grey = (torch.rand(shape, generator=generator) < grey_probability).to(batch.device)
    luma = (0.299 * out[:, :1] + 0.587 * out[:, 1:2] + 0.114 * out[:, 2:3]).expand_as(out)
    return torch.where(grey, luma, out)
