"""A look inside the network: per-stage activations, first-layer filters and Grad-CAM, as images."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ml.inference.stage_timer import StageTimer, stage_of
from ml.models import preprocess
from ml.models.regressor import HeadedRegressor

THUMBNAIL_SIDE = 160  # each half of a stage thumbnail: heat map | channel grid
GRID_CHANNELS = 9  # 3x3 most active channels
# Grad-CAM is taken at stage5 (1/16 of the input: 12x12 cells at 192 pixels), fine
# enough to tell eyes from mouth yet late enough to carry what the score is built from.
GRAD_CAM_STAGE = "stage5"
# Faces and their mirror images share the explained pass while together they are at most this
# many images (timed on a 2-core CPU: 1.27x faster at one face, 1.06x at two, slower from four
# faces on, where the backward pass over the mirrors costs more than a pass saves).
JOINT_EXPLAINED_PASS_IMAGES = 4


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

# Pictures are drawn as packed pixels: one int32 per pixel holding the bytes R, G, B, 0 (in
# memory order). A colour lookup is then one `torch.take` of one element, a blend one int32
# addition, and Pillow unpacks RGBX to RGB in C; a separate channel axis made each of those
# a strided copy that cost more than all the arithmetic.


def packed(rgbx: torch.Tensor) -> torch.Tensor:
    """uint8 (..., 4) RGBX, contiguous -> int32 (...) packed pixels."""
    return rgbx.view(torch.int32).squeeze(-1)


def unpacked(pixels: torch.Tensor) -> torch.Tensor:
    """int32 packed pixels (...) -> uint8 (..., 3)."""
    return pixels.contiguous().view(torch.uint8).view(*pixels.shape, 4)[..., :3]


def to_image(pixels: np.ndarray) -> Image.Image:
    """Packed pixels (h, w) on the host as an RGBX picture that shares their memory (no copy):
    JPEG encodes RGBX as it is; `.convert("RGB")` where three channels are needed."""
    height, width = pixels.shape
    return Image.frombuffer("RGBX", (width, height), np.ascontiguousarray(pixels), "raw", "RGBX", 0, 1)


@cache
def _palette(colormap: int, device: torch.device, weight: float = 1.0) -> torch.Tensor:
    """The colormap on `device` as uint8 rows (256, 3), multiplied by `weight` and rounded.

    A blend is then a plain addition: round(0.45 x 255) + round(0.55 x 255) = 255 cannot
    carry from one byte of a packed pixel into the next.
    """
    table = torch.from_numpy(_colormap(colormap)).to(device)
    return table if weight == 1.0 else table.float().mul_(weight).round_().to(torch.uint8)


@cache
def _packed_palette(colormap: int, device: torch.device, weight: float = 1.0) -> torch.Tensor:
    return packed(F.pad(_palette(colormap, device, weight), (0, 1)))


def _looked_up(table: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
    """Entries of a 1-D `table` at int32 `levels` (any shape): index_select takes 32-bit
    indices, where `take` wants 64-bit ones that cost a conversion twice the size."""
    return table.index_select(0, levels.view(-1)).view(levels.shape)


# Bicubic enlarging (a = -0.75) overshoots a 0..255 map by at most 0.445 x 255 = 113 either
# way; the heat palette is padded with its end colours by more than that, so levels need no clamp.
OVERSHOOT = 128


@cache
def _heat_palette(device: torch.device) -> torch.Tensor:
    """Packed JET at the heat's weight, for levels offset by OVERSHOOT."""
    table = _packed_palette(cv2.COLORMAP_JET, device, HEAT_WEIGHT)
    return torch.cat([table[:1].expand(OVERSHOOT), table, table[-1:].expand(OVERSHOOT)])


@cache
def _bicubic_weights(source: int, target: int, device: torch.device) -> torch.Tensor:
    """(target, source) weights of torch's bicubic resize along one axis.

    The resize is separable and linear, so enlarging maps (N, h, w) is `rows @ maps @ cols.T`:
    the same numbers as F.interpolate's bicubic, from two small matrix products that run
    many times faster than its direct kernel on the CPU.
    """
    impulses = torch.eye(source, device=device)[:, None, :, None]  # one unit impulse per input row
    resized = F.interpolate(impulses, size=(target, 1), mode="bicubic", align_corners=False)
    return resized[:, 0, :, 0].T.contiguous()


def _levels(maps: torch.Tensor) -> torch.Tensor:
    """Each map (..., h, w) made non-negative and scaled by its own peak to uint8 0..255 (truncated)."""
    maps = maps.float().clamp(min=0)
    peak = maps.amax(dim=(-2, -1), keepdim=True)
    scale = torch.where(peak > 0, 255 / peak.clamp(min=1e-12), torch.zeros_like(peak))
    return (maps * scale).to(torch.uint8)


def dimmed_faces(crops: torch.Tensor, *sides: int) -> tuple[torch.Tensor, ...]:
    """uint8 crops (N, H, W, 3) -> packed pixels (N, side, side) at the face's share of an
    overlay, for each of `sides`.

    Made once per batch and size, shared by every stage's overlay; low-pass filtered when
    shrinking. Dimmed and packed once at the crop's size, then resized as four-byte pixels:
    the CPU's uint8 resize takes packed pixels as they are, so no float copy of a large picture.
    """
    dimmed = crops.float().mul_(1 - HEAT_WEIGHT).round_().to(torch.uint8)
    pixels = F.pad(dimmed, (0, 1)).permute(0, 3, 1, 2)  # channels-last RGBX
    if pixels.device.type != "cpu":
        pixels = pixels.float()  # CUDA resizes floating point only
    faces = []
    for side in sides:
        shrinking = side < crops.shape[1]
        resized = F.interpolate(pixels, size=(side, side), mode="bilinear", antialias=shrinking, align_corners=False)
        rgbx = resized.round().to(torch.uint8) if resized.is_floating_point() else resized
        faces.append(packed(rgbx.permute(0, 2, 3, 1).contiguous()))
    return tuple(faces)


def heat_overlays(maps: torch.Tensor, faces: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Heat maps (N, ..., h, w), smoothly enlarged and blended over `dimmed_faces` (N, side, side):
    packed (N, ..., side, side), each map over its own face.

    With `out` (a view into a larger picture), drawn there in place.
    """
    side = faces.shape[1]
    height, width = maps.shape[-2:]
    # The 0..255 map the colours are drawn from, offset into the padded palette (each row of
    # resize weights sums to one, so the offset survives the resize unchanged).
    offset_levels = _levels(maps).float() + OVERSHOOT
    rows = _bicubic_weights(height, side, maps.device)
    cols = _bicubic_weights(width, side, maps.device)
    levels = (rows @ offset_levels @ cols.T).int()
    under_each_map = faces.view(len(faces), *[1] * (maps.dim() - 3), side, side)
    return torch.add(_looked_up(_heat_palette(faces.device), levels), under_each_map, out=out)


@cache
def _nearest_rows(source: int, target: int, device: torch.device) -> torch.Tensor:
    """Source rows a nearest-neighbour resize picks (OpenCV's INTER_NEAREST rule:
    output row i shows source row floor(i x source / target))."""
    return (torch.arange(target, device=device) * (source / target)).floor().long().clamp(max=source - 1)


@cache
def _grid_sources(height: int, width: int, side: int, device: torch.device) -> torch.Tensor:
    """For each pixel of one grid's square of cells, the flat position it shows in one face's
    chosen maps (h, w, GRID_CHANNELS): (cells, cells)."""
    per_row = math.isqrt(GRID_CHANNELS)
    cell = side // per_row
    ys, xs = _nearest_rows(height, cell, device), _nearest_rows(width, cell, device)
    within = (ys[:, None] * width + xs[None, :]) * GRID_CHANNELS  # (cell, cell) in one map
    slots = torch.arange(GRID_CHANNELS, device=device).view(per_row, per_row)
    # (row of cells, y, column of cells, x) -> rows of one grid
    return (slots[:, None, :, None] + within[None, :, None, :]).reshape(per_row * cell, per_row * cell)


def channel_grids(activations: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The GRID_CHANNELS most active channels of each face (N, C, h, w) as a square grid of cells,
    drawn into `out`: packed (N, side, side).

    Coloured at the maps' own size and then placed and enlarged with one `take`:
    nearest-neighbour enlarging commutes with the colour lookup. The channels are picked
    along the last axis of the activations' channels-last layout (as the network leaves
    them), where each pixel's channels lie together.
    """
    n, _, height, width = activations.shape
    per_channel = activations.float()
    strongest = per_channel.mean(dim=(2, 3)).topk(GRID_CHANNELS).indices  # (N, 9)
    pixels_last = per_channel.permute(0, 2, 3, 1)
    # Each channel's peak, over rows and then columns: one amax over both axes of the
    # channels-last maps runs some 20x slower on the CPU.
    peaks = pixels_last.reshape(n, height, -1).amax(dim=1).view(n, width, -1).amax(dim=1).gather(1, strongest)
    scales = torch.where(peaks > 0, 255 / peaks.clamp(min=1e-12), torch.zeros_like(peaks))
    chosen = torch.gather(pixels_last, 3, strongest[:, None, None, :].expand(n, height, width, -1))
    cell = out.shape[1] // math.isqrt(GRID_CHANNELS)
    if height > cell or width > cell:
        # Maps larger than a cell: keep only the rows and columns the cells show (the same
        # nearest-neighbour rule, so enlarging what is left to a cell is then the identity).
        rows = _nearest_rows(height, min(height, cell), activations.device)
        cols = _nearest_rows(width, min(width, cell), activations.device)
        chosen = chosen.index_select(1, rows).index_select(2, cols)
        height, width = len(rows), len(cols)
    # Bounded before the lookup: a non-finite activation must not index outside the palette.
    levels = chosen.clamp_(min=0).mul_(scales[:, None, None, :]).nan_to_num_(0.0).clamp_(max=255).int()
    colours = _looked_up(_packed_palette(cv2.COLORMAP_VIRIDIS, activations.device), levels)
    per_face = torch.arange(n, device=activations.device)[:, None, None] * (height * width * GRID_CHANNELS)
    sources = _grid_sources(height, width, out.shape[1], activations.device) + per_face
    filled = sources.shape[1]
    out[:, filled:].zero_()  # the strip the cells do not fill
    out[:, :filled, filled:].zero_()
    out[:, :filled, :filled] = torch.take(colours, sources)
    return out


def stage_thumbnails(activations: list[torch.Tensor], faces: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Mean activation over the face | grid of the most active channels, for stages whose maps
    have one size (N, C_i, h, w), drawn into `out` (a view into the batch's picture buffer):
    packed (N, stages, side, 2 side).

    The heat maps of those stages are drawn together: a few operations for the run of stages,
    where each costs the same small fixed price whether it draws one map or several.
    """
    side = faces.shape[1]
    means = torch.stack([stage.float().mean(dim=1) for stage in activations], dim=1)
    heat_overlays(means, faces, out=out[..., :side])
    for index, stage in enumerate(activations):
        channel_grids(stage, out=out[:, index, :, side:])
    return out


def runs_of_one_size(maps: list[torch.Tensor]) -> list[range]:
    """Positions of `maps` grouped into runs of neighbours with the same height and width
    (a network's stages: the resolution steps down and stays for a few stages)."""
    runs: list[range] = []
    for index, current in enumerate(maps):
        if runs and current.shape[-2:] == maps[runs[-1].start].shape[-2:]:
            runs[-1] = range(runs[-1].start, index + 1)
        else:
            runs.append(range(index, index + 1))
    return runs


def grad_cams(activations: torch.Tensor, gradients: torch.Tensor) -> torch.Tensor:
    """Grad-CAM maps (Selvaraju et al. 2017) for the score, (N, h, w): where features raised it.

    Drawn over the face by `heat_overlays`.
    """
    weights = gradients.float().mean(dim=(2, 3), keepdim=True)
    return torch.relu((weights * activations.float()).sum(dim=1))


# A filter that stays dark on the training faces (`ml.inference.dark_filters`) is crossed out in this colour.
DARK_FILTER_MARK = (220, 30, 30)


def first_layer_filters(
    model: HeadedRegressor, cell: int = 24, per_row: int = 8, dark: Collection[int] = ()
) -> Image.Image:
    """The stem's RGB filters (the explained network's first convolution), each scaled to its own
    range and enlarged; those listed in `dark` crossed out."""
    _, stem = model.named_stage_modules()[0]
    weights = stem[0].weight.detach().float().cpu().numpy()  # (32, 3, 3, 3)
    rows = math.ceil(len(weights) / per_row)
    gap = 2
    canvas = np.full((rows * (cell + gap) + gap, per_row * (cell + gap) + gap, 3), 255, np.uint8)
    for i, kernel in enumerate(weights):
        rgb = kernel.transpose(1, 2, 0)
        low, high = rgb.min(), rgb.max()
        image = np.uint8(255 * (rgb - low) / (high - low + 1e-8))
        row, col = divmod(i, per_row)
        y, x = gap + row * (cell + gap), gap + col * (cell + gap)
        enlarged = cv2.resize(image, (cell, cell), interpolation=cv2.INTER_NEAREST)
        if i in dark:  # drawn on the cell alone, so the cross stays inside it
            cv2.line(enlarged, (0, 0), (cell - 1, cell - 1), DARK_FILTER_MARK, 2)
            cv2.line(enlarged, (0, cell - 1), (cell - 1, 0), DARK_FILTER_MARK, 2)
        canvas[y : y + cell, x : x + cell] = enlarged
    return Image.fromarray(canvas)


def score_and_explain(
    model: HeadedRegressor, crops: torch.Tensor, batch: torch.Tensor, flip: bool, timer: StageTimer | None = None
) -> tuple[torch.Tensor, list[Insight]]:
    """Raw scores for a batch of faces and, from the same forward pass, what each layer saw.

    `crops` are the aligned uint8 faces (N, H, W, 3) and `batch` the network's input made from
    them, both on the model's device. Every picture is computed there with tensor ops for the
    whole batch and copied to the host once; only the PIL wrapping happens on the CPU. With
    `flip` the mirrored faces are scored too and their outputs averaged in. One backward pass
    serves every face: in eval mode a face's output depends on that face only. With a `timer`,
    the passes count as its "model" stage and the pictures as "look_inside".
    """
    with stage_of(timer, "model"):
        raw, outputs, gradient = _scores_and_gradient(model, batch, flip)
    with stage_of(timer, "look_inside"):
        return raw, _insights(crops, outputs, gradient)


def _scores_and_gradient(
    model: HeadedRegressor, batch: torch.Tensor, flip: bool
) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor]:
    """Raw scores, each stage's activations and the score's gradient at the Grad-CAM stage."""
    faces = len(batch)
    # The mirror images only add to the score. With a face or two they ride in the explained
    # pass (its fixed costs dominate); with more they get a pass of their own, outside the
    # autograd graph, which halves the backward pass and what the forward keeps for it.
    joint = flip and 2 * faces <= JOINT_EXPLAINED_PASS_IMAGES
    with torch.enable_grad():
        outputs, raw = model.forward_intermediates(
            preprocess.with_mirrors(batch) if joint else batch, leaf=GRAD_CAM_STAGE
        )
        (gradient,) = torch.autograd.grad(raw[:faces].sum(), outputs[GRAD_CAM_STAGE])
    raw = raw.detach()
    if joint:
        raw = preprocess.mean_with_mirrors(raw)
        outputs = {name: output[:faces] for name, output in outputs.items()}
        gradient = gradient[:faces]
    elif flip:
        with torch.inference_mode():
            raw = (raw + model.explained_share(preprocess.mirrored(batch))) / 2
    with torch.inference_mode():
        raw = raw + model.rest_of_score(batch, flip)  # an ensemble's other members
    return raw, outputs, gradient


def _insights(crops: torch.Tensor, outputs: dict[str, torch.Tensor], gradient: torch.Tensor) -> list[Insight]:
    """Every face's stage thumbnails and Grad-CAM, drawn on the device and copied to the host once."""
    cam_stage = outputs[GRAD_CAM_STAGE]
    with torch.no_grad():
        small, large = dimmed_faces(crops, THUMBNAIL_SIDE, 2 * THUMBNAIL_SIDE)
        # Every picture of the batch is drawn into one buffer, copied to the host once.
        stage_shape = (len(outputs), THUMBNAIL_SIDE, 2 * THUMBNAIL_SIDE)
        stage_pixels = math.prod(stage_shape)
        cam_side = 2 * THUMBNAIL_SIDE
        pictures = torch.empty((len(crops), stage_pixels + cam_side**2), dtype=torch.int32, device=crops.device)
        stages = pictures[:, :stage_pixels].view(-1, *stage_shape)
        maps = list(outputs.values())
        for run in runs_of_one_size(maps):
            stage_thumbnails(maps[run.start : run.stop], small, out=stages[:, run.start : run.stop])
        cams = pictures[:, stage_pixels:].view(-1, cam_side, cam_side)
        heat_overlays(grad_cams(cam_stage, gradient), large, out=cams)
        pictures = pictures.cpu().numpy()
    shapes = {name: tuple(output.shape[1:]) for name, output in outputs.items()}
    insights = []
    for row in pictures:
        thumbnails = row[:stage_pixels].reshape(stage_shape)
        insights.append(
            Insight(
                layers=[LayerView(name, shapes[name], to_image(thumbnails[i])) for i, name in enumerate(outputs)],
                grad_cam=to_image(row[stage_pixels:].reshape(cam_side, cam_side)),
            )
        )
    return insights
