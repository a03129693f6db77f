"""A look inside the network: per-stage activations, first-layer filters and Grad-CAM, as images."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import torch
from PIL import Image

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


@contextmanager
def _recording(model: BeautyNet, leaf_stage: str):
    """Keep every stage's output; make `leaf_stage`'s output a leaf of the autograd graph.

    The weights need no gradient, so the graph starts at that leaf and the backward pass
    runs only through the few layers after it.
    """
    outputs: dict[str, torch.Tensor] = {}

    def hook(name: str):
        def record(_module, _inputs, output):
            if name == leaf_stage:
                output = output.detach().requires_grad_(True)
            outputs[name] = output
            return output

        return record

    handles = [module.register_forward_hook(hook(name)) for name, module in model.named_stage_modules()]
    try:
        with torch.enable_grad():
            yield outputs
    finally:
        for handle in handles:
            handle.remove()


@cache
def _colormap(colormap: int) -> np.ndarray:
    """An OpenCV colormap as 256 RGB rows, built once: cv2.applyColorMap rebuilds it on every
    call, which cost more than the network's forward pass across a face's 90 small maps."""
    ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
    return cv2.cvtColor(cv2.applyColorMap(ramp, colormap), cv2.COLOR_BGR2RGB).reshape(256, 3)


def _colorise(values: np.ndarray, side: int, colormap: int = cv2.COLORMAP_INFERNO) -> np.ndarray:
    """2-D floats -> RGB uint8 `side` x `side`, scaled to their own 0..max range."""
    values = np.maximum(values, 0)
    peak = float(values.max())
    scaled = np.uint8(255 * values / peak) if peak > 0 else np.zeros(values.shape, np.uint8)
    return _colormap(colormap)[cv2.resize(scaled, (side, side), interpolation=cv2.INTER_NEAREST)]


def _heat_overlay(values: np.ndarray, crop: np.ndarray, side: int) -> np.ndarray:
    """Smoothly upsampled heat map blended over the face."""
    values = np.maximum(values, 0).astype(np.float32)
    peak = float(values.max())
    values = values / peak if peak > 0 else values
    smooth = cv2.resize(values, (side, side), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    heat = _colormap(cv2.COLORMAP_JET)[np.uint8(255 * smooth)]
    face = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
    return cv2.addWeighted(face, 0.55, heat, 0.45, 0)


def activation_thumbnail(activation: torch.Tensor, crop: np.ndarray) -> Image.Image:
    """Mean activation over the face beside a grid of the most active channels."""
    maps = activation.detach().float().cpu().numpy()
    overlay = _heat_overlay(maps.mean(axis=0), crop, THUMBNAIL_SIDE)
    strongest = np.argsort(maps.mean(axis=(1, 2)))[::-1][:GRID_CHANNELS]
    per_row = math.isqrt(GRID_CHANNELS)
    cell = THUMBNAIL_SIDE // per_row
    grid = np.zeros((THUMBNAIL_SIDE, THUMBNAIL_SIDE, 3), np.uint8)
    for i, channel in enumerate(strongest):
        row, col = divmod(i, per_row)
        grid[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell] = _colorise(
            maps[channel], cell, cv2.COLORMAP_VIRIDIS
        )
    return Image.fromarray(np.hstack([overlay, grid]))


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


def grad_cam_image(activation: torch.Tensor, gradient: torch.Tensor, crop: np.ndarray) -> Image.Image:
    """Grad-CAM (Selvaraju et al. 2017) for the score: where features raised it."""
    weights = gradient.mean(dim=(1, 2), keepdim=True)
    cam = torch.relu((weights * activation).sum(dim=0)).float().cpu().numpy()
    return Image.fromarray(_heat_overlay(cam, crop, 2 * THUMBNAIL_SIDE))


def score_and_explain(
    model: BeautyNet, batch: torch.Tensor, crops: list[np.ndarray], flip: bool
) -> tuple[torch.Tensor, list[Insight]]:
    """Raw scores for a batch of faces and, from the same forward pass, what each layer saw.

    With `flip` the mirrored faces ride in the same batch and their outputs are averaged in.
    One backward pass serves every face: in eval mode a face's output depends on that face only.
    """
    count = len(batch)
    with _recording(model, GRAD_CAM_STAGE) as outputs:
        raw = model(torch.cat([batch, batch.flip(3)]) if flip else batch)
        raw[:count].sum().backward()
    # One copy to the host per stage, not one per face and stage (on a GPU each is a sync).
    on_host = {name: output[:count].detach().float().cpu() for name, output in outputs.items()}
    cam_gradient = outputs[GRAD_CAM_STAGE].grad[:count].float().cpu()
    insights = [
        Insight(
            layers=[
                LayerView(name, tuple(output.shape[1:]), activation_thumbnail(output[i], crop))
                for name, output in on_host.items()
            ],
            grad_cam=grad_cam_image(on_host[GRAD_CAM_STAGE][i], cam_gradient[i], crop),
        )
        for i, crop in enumerate(crops)
    ]
    raw = raw.detach()
    return ((raw[:count] + raw[count:]) / 2 if flip else raw), insights
