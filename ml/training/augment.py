"""Batch augmentation on aligned crops: the small variations alignment leaves in real photos."""

from __future__ import annotations

import math

import cv2
import numpy as np
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


def random_jpeg(crops: torch.Tensor, generator: torch.Generator, probability: float = 0.3) -> torch.Tensor:
    """Re-encode some uint8 (N, 3, H, W) crops as JPEG at quality 20-70: the blocks and ringing of shared photos."""
    out = crops.clone()
    chosen = torch.rand(len(crops), generator=generator) < probability
    qualities = torch.randint(20, 71, (len(crops),), generator=generator)
    for i in torch.nonzero(chosen).flatten().tolist():
        image = np.ascontiguousarray(crops[i].permute(1, 2, 0).numpy())
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(qualities[i])])
        if ok:
            out[i] = torch.from_numpy(cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)).permute(2, 0, 1)
    return out


def random_colour_cast(batch: torch.Tensor, generator: torch.Generator, strength: float = 0.08) -> torch.Tensor:
    """Scale and shift each colour channel a little: white balance of indoor light, sunsets, filters."""
    shape = (batch.shape[0], 3, 1, 1)
    gain = (1 + (torch.rand(shape, generator=generator) * 2 - 1) * strength).to(batch.device)
    shift = ((torch.rand(shape, generator=generator) * 2 - 1) * strength).to(batch.device)
    return batch * gain + shift


def random_blur(
    batch: torch.Tensor, generator: torch.Generator, probability: float = 0.2, max_sigma: float = 2.0
) -> torch.Tensor:
    """Gaussian blur (sigma 0.5-`max_sigma`) on some images: focus misses, motion, phone-camera smoothing."""
    out = batch.clone()
    chosen = torch.nonzero(torch.rand(batch.shape[0], generator=generator) < probability).flatten().tolist()
    for i in chosen:
        sigma = 0.5 + float(torch.rand(1, generator=generator)) * (max_sigma - 0.5)
        radius = max(1, round(2.5 * sigma))
        offsets = torch.arange(-radius, radius + 1, dtype=batch.dtype, device=batch.device)
        kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
        kernel = (kernel / kernel.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)
        image = F.pad(batch[i : i + 1], (radius, radius, 0, 0), mode="replicate")
        image = F.conv2d(image, kernel, groups=3)
        image = F.pad(image, (0, 0, radius, radius), mode="replicate")
        out[i] = F.conv2d(image, kernel.transpose(2, 3), groups=3)[0]
    return out


def random_occlusion(
    batch: torch.Tensor, generator: torch.Generator, probability: float = 0.25, max_fraction: float = 0.35
) -> torch.Tensor:
    """Hide a random rectangle (10-`max_fraction` of each side) of some images: hands, phones, hair, glasses."""
    out = batch.clone()
    n, _, height, width = batch.shape
    chosen = torch.nonzero(torch.rand(n, generator=generator) < probability).flatten().tolist()
    for i in chosen:
        h = int(height * (0.1 + float(torch.rand(1, generator=generator)) * (max_fraction - 0.1)))
        w = int(width * (0.1 + float(torch.rand(1, generator=generator)) * (max_fraction - 0.1)))
        y = int(torch.randint(0, height - h + 1, (1,), generator=generator))
        x = int(torch.randint(0, width - w + 1, (1,), generator=generator))
        fill = (torch.rand(3, 1, 1, generator=generator) * 2 - 1).to(batch.device, batch.dtype)
        out[i, :, y : y + h, x : x + w] = fill
    return out
