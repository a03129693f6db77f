"""YuNet (the 2023mar face detector, MIT, OpenCV Zoo) as a PyTorch module, with OpenCV's decoding.

The worker runs the detector in the runtime that runs its networks, on the same device and in
batches: a GPU worker detects there, and the faces of a batch are refined in one pass. Weights
and decoding are those of OpenCV's `FaceDetectorYN` (modules/objdetect/src/face_detect.cpp):
the same rows, boxes and landmarks (`tests/ml/test_yunet.py` holds them against OpenCV's).
The weights are converted once from the ONNX file by `python -m ml convert-yunet`.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS_PATH = Path(__file__).parent / "assets" / "yunet_2023mar.pt"
STRIDES = (8, 16, 32)
# Inputs are padded on the right and bottom to a multiple of the coarsest stride, as OpenCV does.
DIVISOR = 32
TOP_K = 5000  # FaceDetectorYN's default
# A level's outputs per cell, in this order: class score, objectness, box (4), landmarks (10).
OUTPUTS = (("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10))
LEVEL_CHANNELS = 16


def _conv(inputs: int, outputs: int, kernel: int = 1, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inputs, outputs, kernel, stride=stride, padding=kernel // 2, groups=groups)


class _PointDepth(nn.Sequential):
    """A 1x1 convolution, a depthwise 3x3 one, then ReLU: YuNet's building block."""

    def __init__(self, inputs: int, outputs: int):
        super().__init__(_conv(inputs, outputs), _conv(outputs, outputs, 3, groups=outputs), nn.ReLU())


class _Head(nn.Sequential):
    """One output of one level: a 1x1 convolution to `outputs` maps, then a 3x3 one (depthwise
    where there are several maps)."""

    def __init__(self, outputs: int):
        super().__init__(_conv(64, outputs), _conv(outputs, outputs, 3, groups=outputs))


class YuNet(nn.Module):
    """BGR 0-255 float (N, 3, H, W), H and W multiples of 32 -> per stride the raw outputs of
    each cell (N, H / stride, W / stride, LEVEL_CHANNELS), as the ONNX graph computes them."""

    def __init__(self) -> None:
        super().__init__()
        pool = nn.MaxPool2d(2)
        self.to_stride8 = nn.Sequential(
            _conv(3, 16, 3, stride=2),
            nn.ReLU(),
            _PointDepth(16, 16),
            pool,
            _PointDepth(16, 16),
            _PointDepth(16, 32),
            _PointDepth(32, 32),
            _PointDepth(32, 64),
            pool,
            _PointDepth(64, 64),
            _PointDepth(64, 64),
        )
        self.to_stride16 = nn.Sequential(pool, _PointDepth(64, 64), _PointDepth(64, 64))
        self.to_stride32 = nn.Sequential(pool, _PointDepth(64, 64), _PointDepth(64, 64))
        self.lateral = nn.ModuleList(_PointDepth(64, 64) for _ in STRIDES)
        self.heads = nn.ModuleDict(
            {
                name: nn.ModuleList(_Head(maps) for _ in STRIDES)
                for name, maps in (("cls", 1), ("bbox", 4), ("obj", 1), ("kps", 10))
            }
        )

    def forward(self, bgr: torch.Tensor) -> list[torch.Tensor]:
        stride8 = self.to_stride8(bgr)
        stride16 = self.to_stride16(stride8)
        stride32 = self.to_stride32(stride16)
        # The feature pyramid, top down: each level adds the coarser one, enlarged (nearest).
        top = self.lateral[2](stride32)
        middle = self.lateral[1](stride16 + F.interpolate(top, scale_factor=2.0, mode="nearest"))
        bottom = self.lateral[0](stride8 + F.interpolate(middle, scale_factor=2.0, mode="nearest"))
        levels = (bottom, middle, top)
        return [
            torch.cat(
                [
                    self.heads["cls"][i](level).sigmoid(),
                    self.heads["obj"][i](level).sigmoid(),
                    self.heads["bbox"][i](level),
                    self.heads["kps"][i](level),
                ],
                dim=1,
            ).permute(0, 2, 3, 1)  # (N, rows, cols, LEVEL_CHANNELS)
            for i, level in enumerate(levels)
        ]

    def convolutions_in_graph_order(self) -> list[nn.Conv2d]:
        """The convolutions in the order the ONNX graph lists them (its weights are assigned so)."""
        backbone = [m for part in (self.to_stride8, self.to_stride16, self.to_stride32) for m in part.modules()]
        lateral = [m for index in (2, 1, 0) for m in self.lateral[index].modules()]
        # The graph's heads: every level's class scores, then boxes, objectness, landmarks.
        heads = [m for name in ("cls", "bbox", "obj", "kps") for head in self.heads[name] for m in head.modules()]
        return [m for m in backbone + lateral + heads if isinstance(m, nn.Conv2d)]


def load_yunet(device: torch.device | str = "cpu", path: Path = WEIGHTS_PATH) -> YuNet:
    network = YuNet()
    network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    # Channels-last: the layout its depthwise convolutions run fastest in (2.5x on a CPU), and the
    # one a batch of HWC photos arrives in.
    return network.eval().requires_grad_(False).to(device, memory_format=torch.channels_last)


def padded_side(side: int) -> int:
    return (side - 1) // DIVISOR * DIVISOR + DIVISOR


def candidates(levels: list[np.ndarray], min_confidence: float) -> list[np.ndarray]:
    """Every cell at or above `min_confidence`, decoded as FaceDetectorYN does, per image: rows
    (K, 15) float32 of x, y, w, h, five landmarks (x, y), score; before suppression.

    `levels`: per stride, the cells' outputs (N, rows, cols, LEVEL_CHANNELS) float32.
    """
    images, found = [], []
    for stride, level in zip(STRIDES, levels):
        score = np.sqrt(level[..., 0].clip(0, 1) * level[..., 1].clip(0, 1))  # (N, rows, cols)
        image, row, col = np.nonzero(score >= min_confidence)  # image by image, each row-major: OpenCV's order
        cells = level[image, row, col]  # (K, LEVEL_CHANNELS)
        cell = np.stack([col, row], axis=1).astype(np.float32)  # x, y
        centre = (cell + cells[:, 2:4]) * stride
        size = np.exp(cells[:, 4:6]) * stride
        landmarks = ((cells[:, 6:16].reshape(-1, 5, 2) + cell[:, None, :]) * stride).reshape(-1, 10)
        found.append(np.concatenate([centre - size / 2, size, landmarks, score[image, row, col][:, None]], axis=1))
        images.append(image)
    rows, of_image = np.concatenate(found).astype(np.float32), np.concatenate(images)
    return [rows[of_image == index] for index in range(len(levels[0]))]


def suppressed(rows: np.ndarray, min_confidence: float, nms_threshold: float) -> np.ndarray:
    """The rows OpenCV keeps: non-maximum suppression over integer boxes, as FaceDetectorYN runs it."""
    if len(rows) <= 1:
        return rows
    boxes = [[int(x), int(y), int(w), int(h)] for x, y, w, h in rows[:, :4].tolist()]
    keep = cv2.dnn.NMSBoxes(boxes, rows[:, 14].tolist(), min_confidence, nms_threshold, top_k=TOP_K)
    return rows[np.asarray(keep, dtype=np.int64).reshape(-1)]
