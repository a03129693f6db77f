"""The look inside, computed with tensor ops, against the per-face OpenCV drawing it replaced."""

import math

import cv2
import numpy as np
import torch

from ml.inference import faces
from ml.inference.activations import (
    GRAD_CAM_STAGE,
    GRID_CHANNELS,
    THUMBNAIL_SIDE,
    _colormap,
    channel_grids,
    runs_of_one_size,
)
from ml.models.alignment import CROP_SIZE
from tests.ml.helpers import one_level_of_either_palette


def _reference_heat_overlay(values: np.ndarray, crop: np.ndarray, side: int) -> np.ndarray:
    """The OpenCV drawing of a heat map over the face, one face at a time (the earlier worker's way)."""
    values = np.maximum(values, 0).astype(np.float32)
    values = values / values.max() if values.max() > 0 else values
    smooth = cv2.resize(values, (side, side), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    heat = _colormap(cv2.COLORMAP_JET)[np.uint8(255 * smooth)]
    face = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
    return cv2.addWeighted(face, 0.55, heat, 0.45, 0)


def _reference_thumbnail(maps: np.ndarray, crop: np.ndarray) -> np.ndarray:
    overlay = _reference_heat_overlay(maps.mean(axis=0), crop, THUMBNAIL_SIDE)
    strongest = np.argsort(maps.mean(axis=(1, 2)))[::-1][:GRID_CHANNELS]
    per_row = math.isqrt(GRID_CHANNELS)
    cell = THUMBNAIL_SIDE // per_row
    grid = np.zeros((THUMBNAIL_SIDE, THUMBNAIL_SIDE, 3), np.uint8)
    for i, channel in enumerate(strongest):
        row, col = divmod(i, per_row)
        values = np.maximum(maps[channel], 0)
        scaled = np.uint8(255 * values / values.max()) if values.max() > 0 else np.zeros(values.shape, np.uint8)
        cells = cv2.resize(scaled, (cell, cell), interpolation=cv2.INTER_NEAREST)
        grid[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell] = _colormap(cv2.COLORMAP_VIRIDIS)[cells]
    return np.hstack([overlay, grid])


def _stage_outputs(predictor, crop):
    with torch.enable_grad():
        outputs, raw = predictor.model.forward_intermediates(predictor.tensor([crop]), leaf=GRAD_CAM_STAGE)
        raw.sum().backward()
    return outputs


def test_stage_pictures_match_the_opencv_drawing(predictor, grace_hopper):
    crop = faces.faces_and_crops(grace_hopper, CROP_SIZE)[1][0]
    insight = predictor.score_and_explain_crops([crop])[0][1]
    outputs = _stage_outputs(predictor, crop)
    # The flip twin rides in the worker's batch; its stage outputs are not drawn, so one face alone matches.
    for view, (name, output) in zip(insight.layers, outputs.items()):
        assert view.name == name
        reference = _reference_thumbnail(output[0].detach().float().numpy(), crop)
        drawn = np.asarray(view.image.convert("RGB")).astype(int)
        assert drawn.shape == reference.shape
        # Resampling filters differ slightly (antialiased bilinear for area, torch's bicubic).
        assert np.abs(drawn - reference).mean() < 3, name
        assert np.percentile(np.abs(drawn - reference), 99) < 60, name


def test_grad_cam_matches_the_opencv_drawing(predictor, astronaut):
    crop = faces.faces_and_crops(astronaut, CROP_SIZE)[1][0]
    insight = predictor.score_and_explain_crops([crop])[0][1]
    stage = _stage_outputs(predictor, crop)[GRAD_CAM_STAGE]
    weights = stage.grad[0].mean(dim=(1, 2), keepdim=True)
    cam = torch.relu((weights * stage[0].detach()).sum(dim=0)).numpy()
    reference = _reference_heat_overlay(cam, crop, 2 * THUMBNAIL_SIDE).astype(int)
    assert np.abs(np.asarray(insight.grad_cam.convert("RGB")).astype(int) - reference).mean() < 3


def test_a_batch_draws_each_face_as_it_would_alone(predictor, astronaut, grace_hopper):
    crops = [faces.faces_and_crops(image, CROP_SIZE)[1][0] for image in (astronaut, grace_hopper)]
    together = predictor.score_and_explain_crops(crops)
    # A batch runs other convolution kernels than one face alone: activations differ in the
    # last bits, and a level on the edge of a step of the palette may move by one.
    step = one_level_of_either_palette()
    for crop, (score, insight) in zip(crops, together):
        alone_score, alone = predictor.score_and_explain_crops([crop])[0]
        assert abs(score - alone_score) < 1e-4
        for a, b in zip(insight.layers, alone.layers):
            assert np.abs(np.asarray(a.image).astype(int) - np.asarray(b.image)).max() <= step, a.name


def test_a_channel_grid_of_activations_with_infinities_and_nans_is_still_drawn():
    activations = torch.rand(2, 12, 6, 6).contiguous(memory_format=torch.channels_last)
    activations[0, 3, 2, 2] = float("inf")
    activations[1, 5, 1, 4] = float("nan")
    out = torch.full((2, THUMBNAIL_SIDE, THUMBNAIL_SIDE), -1, dtype=torch.int32)
    channel_grids(activations, out)
    assert (out != -1).all()  # every pixel drawn, none of them from outside the palette


def test_stages_are_drawn_in_runs_of_one_map_size():
    sizes = [(3, 8), (4, 8), (2, 4), (5, 2), (6, 2), (1, 2)]
    maps = [torch.zeros(1, channels, side, side) for channels, side in sizes]
    assert runs_of_one_size(maps) == [range(0, 2), range(2, 3), range(3, 6)]
