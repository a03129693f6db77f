"""A look inside the network: per-stage activations, first-layer filters and Grad-CAM, as images."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml import preprocess
from ml.model import BeautyNet

THUMBNAIL_SIDE = 160  # each half of a stage thumbnail: heat map | channel grid
GRID_CHANNELS = 9  # 3x3 most active channels
# Grad-CAM is taken at stage5 (1/16 of the input: 12x12 cells at 192 pixels), fine
# enough to tell eyes from mouth yet late enough to carry what the score is built from.
GRAD_CAM_STAGE = "stage5"


@dataclass
class LayerView:
    name: str
    shape: tuple[int, int, int]  # channels, height, width
    image: Image.Image


@dataclass
class Insight:
    """What one face looked like inside the network."""

    layers: list[LayerView]
    grad_cam: Image.Image


@cache
def _colormap(colormap: int) -> np.ndarray:
    """An OpenCV colormap as 256 RGB rows, built once."""
    ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
    return cv2.cvtColor(cv2.applyColorMap(ramp, colormap), cv2.COLOR_BGR2RGB).reshape(256, 3)


# The heat map's share of each overlay pixel; the face shows through with the rest.
HEAT_WEIGHT = 0.45


@cache
def _palette(colormap: int, device: torch.device, scale: float | None) -> torch.Tensor:
    """The colormap on `device`: uint8 rows, or float rows multiplied by `scale` for blending."""
    table = torch.from_numpy(_colormap(colormap)).to(device)
    return table if scale is None else table.float() * scale


def _levels(maps: torch.Tensor) -> torch.Tensor:
    """Each map (..., h, w) made non-negative and scaled by its own peak to uint8 0..255 (truncated)."""
    maps = maps.float().clamp(min=0)
    peak = maps.amax(dim=(-2, -1), keepdim=True)
    scale = torch.where(peak > 0, 255 / peak.clamp(min=1e-12), torch.zeros_like(peak))
    return (maps * scale).to(torch.uint8)


def dimmed_faces(crops: torch.Tensor, side: int) -> torch.Tensor:
    """uint8 crops (N, H, W, 3) -> float (N, side, side, 3) at the face's share of an overlay.

    Made once per batch and size, shared by every stage's overlay; low-pass filtered when shrinking.
    """
    resized = F.interpolate(
        crops.permute(0, 3, 1, 2).float(), size=(side, side), mode="bilinear", antialias=True, align_corners=False
    )
    return resized.permute(0, 2, 3, 1) * (1 - HEAT_WEIGHT)


def heat_overlays(maps: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """Heat maps (N, h, w), smoothly enlarged and blended over `dimmed_faces`: uint8 (N, side, side, 3)."""
    side = faces.shape[1]
    peak_scaled = _levels(maps).float() / 255  # the 0..1 map, as the colours are drawn from it
    smooth = F.interpolate(peak_scaled[:, None], size=(side, side), mode="bicubic", align_corners=False)[:, 0]
    index = smooth.clamp_(0, 1).mul_(255).to(torch.uint8).long()
    heat = _palette(cv2.COLORMAP_JET, faces.device, HEAT_WEIGHT)[index]
    return heat.add_(faces).round_().to(torch.uint8)


def _nearest_rows(source: int, target: int, device: torch.device) -> torch.Tensor:
    """Source rows a nearest-neighbour resize picks (OpenCV's INTER_NEAREST rule)."""
    return (torch.arange(target, device=device) * (source / target)).floor().long().clamp(max=source - 1)


def channel_grids(activations: torch.Tensor, side: int) -> torch.Tensor:
    """The GRID_CHANNELS most active channels of each face (N, C, h, w) as a square grid, uint8 (N, side, side, 3).

    Coloured at the maps' own size and then enlarged: nearest-neighbour enlarging commutes
    with the colour lookup, and the maps are far smaller than the cells.
    """
    n, _, height, width = activations.shape
    strongest = activations.float().mean(dim=(2, 3)).topk(GRID_CHANNELS).indices
    chosen = torch.gather(activations, 1, strongest[:, :, None, None].expand(-1, -1, height, width))
    coloured = _palette(cv2.COLORMAP_VIRIDIS, activations.device, None)[_levels(chosen).long()]
    per_row = math.isqrt(GRID_CHANNELS)
    cell = side // per_row
    rows = _nearest_rows(height, cell, activations.device)
    cols = _nearest_rows(width, cell, activations.device)
    cells = coloured.index_select(2, rows).index_select(3, cols)  # (N, 9, cell, cell, 3)
    grid = torch.zeros((n, side, side, 3), dtype=torch.uint8, device=activations.device)
    tiled = cells.view(n, per_row, per_row, cell, cell, 3).permute(0, 1, 3, 2, 4, 5)
    grid[:, : per_row * cell, : per_row * cell] = tiled.reshape(n, per_row * cell, per_row * cell, 3)
    return grid


def stage_thumbnails(activations: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """Mean activation over the face | grid of the most active channels: uint8 (N, side, 2 side, 3)."""
    side = faces.shape[1]
    return torch.cat([heat_overlays(activations.float().mean(dim=1), faces), channel_grids(activations, side)], dim=2)


def grad_cams(activations: torch.Tensor, gradients: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """Grad-CAM (Selvaraju et al. 2017) for the score over `dimmed_faces`: where features raised it."""
    weights = gradients.float().mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activations.float()).sum(dim=1))
    return heat_overlays(cam, faces)


def first_layer_filters(model: BeautyNet, cell: int = 24, per_row: int = 8) -> Image.Image:
    """The stem's 3x3 RGB filters, each scaled to its own range and enlarged."""
    weights = model.stem[0].weight.detach().float().cpu().numpy()  # (32, 3, 3, 3)
    rows = math.ceil(len(weights) / per_row)
    gap = 2
    canvas = np.full((rows * (cell + gap) + gap, per_row * (cell + gap) + gap, 3), 255, np.uint8)
    for i, kernel in enumerate(weights):
        rgb = kernel.transpose(1, 2, 0)
        low, high = rgb.min(), rgb.max()
        image = np.uint8(255 * (rgb - low) / (high - low + 1e-8))
        row, col = divmod(i, per_row)
        y, x = gap + row * (cell + gap), gap + col * (cell + gap)
        canvas[y : y + cell, x : x + cell] = cv2.resize(image, (cell, cell), interpolation=cv2.INTER_NEAREST)
    return Image.fromarray(canvas)


def score_and_explain(
    model: BeautyNet, crops: torch.Tensor, batch: torch.Tensor, flip: bool
) -> tuple[torch.Tensor, list[Insight]]:
    """Raw scores for a batch of faces and, from the same forward pass, what each layer saw.

    `crops` are the aligned uint8 faces (N, H, W, 3) and `batch` the network's input made from
    them, both on the model's device. Every picture is computed there with tensor ops for the
    whole batch and copied to the host once; only the PIL wrapping happens on the CPU. With
    `flip` the mirrored faces ride in the same batch and their outputs are averaged in. One
    backward pass serves every face: in eval mode a face's output depends on that face only.
    """
    count = len(batch)
    with torch.enable_grad():
        outputs, raw = model.forward_stages(preprocess.with_mirrors(batch) if flip else batch, leaf=GRAD_CAM_STAGE)
        raw[:count].sum().backward()
    with torch.no_grad():
        small, large = dimmed_faces(crops, THUMBNAIL_SIDE), dimmed_faces(crops, 2 * THUMBNAIL_SIDE)
        stages = torch.stack([stage_thumbnails(output[:count], small) for output in outputs.values()], dim=1)
        cam_stage = outputs[GRAD_CAM_STAGE]
        cams = grad_cams(cam_stage[:count], cam_stage.grad[:count], large)
        pictures = torch.cat([stages.flatten(1), cams.flatten(1)], dim=1).cpu().numpy()
    stage_pixels = stages[0].numel()
    shapes = {name: tuple(output.shape[1:]) for name, output in outputs.items()}
    insights = []
    for row in pictures:
        thumbnails = row[:stage_pixels].reshape(stages.shape[1:])
        insights.append(
            Insight(
                layers=[
                    LayerView(name, shapes[name], Image.fromarray(thumbnails[i])) for i, name in enumerate(outputs)
                ],
                grad_cam=Image.fromarray(row[stage_pixels:].reshape(cams.shape[1:])),
            )
        )
    raw = raw.detach()
    return (preprocess.mirrored_mean(raw) if flip else raw), insights
