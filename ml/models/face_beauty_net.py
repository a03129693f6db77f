"""A beauty regressor on dlib's face-verification ResNet: the face-specific second opinion.

A network trained to tell people apart encodes the shape of a face (proportions, symmetry,
features) independently of light and pose, which is what an ImageNet backbone learns least
from 1,750 in-the-wild ratings. It takes the same normalised crop as `BeautyNet` and cuts
from it, on the device, the 150-pixel "chip" dlib's network was trained on.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ml.models.alignment import TEMPLATE
from ml.models.face_resnet import DLIB_INPUT_SIZE, DLIB_MEAN_RGB, FaceResNet
from ml.models.heads import KernelRidgeHeads
from ml.models.regressor import INPUT_MEAN, INPUT_STD, HeadedRegressor, RegressorConfig

# dlib's mean face (`get_face_chip_details`, dlib/image_transforms/interpolation.h: the mean
# positions of 68-point landmarks in a unit square) at our five landmarks: the centres of
# the six points of each eye (36-41, 42-47), the nose tip (30) and the mouth corners (48, 54).
DLIB_MEAN_FACE = np.array(
    [
        [0.225492, 0.215990],
        [0.754761, 0.215990],
        [0.490127, 0.515625],
        [0.254149, 0.780233],
        [0.726104, 0.780233],
    ],
    dtype=np.float32,
)
# dlib's embeddings have a norm of about 1.4 (about 0.12 a component); scaled to about 1 a
# component, the new linear heads learn at the pace of the rest of the network.
EMBEDDING_SCALE = 8.0
FACE_STAGES = ("stem", "stage1", "stage2", "stage3", "stage4", "stage5")
# dlib's face recognition example frames chips with 0.25 of the mean face's size around it.
DLIB_CHIP_PADDING = 0.25


@cache
def chip_window() -> tuple[float, float, float]:
    """(left, top, side) of dlib's chip in our aligned crop, as fractions of the crop's side.

    Both framings are similarity transforms of the same five landmarks, so the chip is one
    fixed square of the crop (about 0.15-0.85 across, 0.23-0.93 down: inside it, upright).
    """
    chip_points = (DLIB_CHIP_PADDING + DLIB_MEAN_FACE) / (1 + 2 * DLIB_CHIP_PADDING)
    matrix, _ = cv2.estimateAffinePartial2D(TEMPLATE, chip_points)
    crop_from_chip = cv2.invertAffineTransform(matrix)
    left, top = crop_from_chip[:, 2]
    side = float(np.hypot(*crop_from_chip[:, 0]))
    return float(left), float(top), side


class FaceBeautyNet(HeadedRegressor):
    """dlib's ResNet (stem, stage1..stage5) with one output per panel over its 128-d embedding or
    over principal components of its last map (`RegressorConfig.map_components`)."""

    def __init__(self, config: RegressorConfig):
        network = FaceResNet()
        width = config.map_components or network.embedding_size
        super().__init__(config, width)
        self.network = network
        if config.map_components:
            # Fitted, not trained: principal components of the training faces' last maps.
            self.map_projection = nn.Linear(network.map_size, config.map_components)
        if config.kernel_support:
            self.regressor = KernelRidgeHeads(len(config.heads), config.kernel_support, width)
        # From the crop's [-1, 1] scaling to dlib's (pixel - mean) / 256.
        pixel_scale = torch.tensor(INPUT_STD) * 255 / 256
        pixel_shift = (torch.tensor(INPUT_MEAN) * 255 - torch.tensor(DLIB_MEAN_RGB)) / 256
        self.register_buffer("pixel_scale", pixel_scale.view(1, 3, 1, 1), persistent=False)
        self.register_buffer("pixel_shift", pixel_shift.view(1, 3, 1, 1), persistent=False)

    def named_stage_modules(self) -> list[tuple[str, nn.Module]]:
        return [(name, getattr(self.network, name)) for name in FACE_STAGES]

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """The normalised crop (N, 3, S, S) -> dlib's 150-pixel chip, scaled as dlib scales it."""
        left, top, side = chip_window()
        size = x.shape[-1]
        x0, y0 = round(left * size), round(top * size)
        width = round(side * size)
        chip = x[..., y0 : y0 + width, x0 : x0 + width]
        chip = F.interpolate(chip, size=(DLIB_INPUT_SIZE, DLIB_INPUT_SIZE), mode="bilinear", align_corners=False)
        return chip * self.pixel_scale + self.pixel_shift

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.map_components:
            return self.map_projection(x.flatten(1))
        return self.network.forward_head(x) * EMBEDDING_SCALE


def face_beauty_net(regressor: dict) -> FaceBeautyNet:
    """The registry's builder."""
    return FaceBeautyNet(RegressorConfig(**regressor))
