"""dlib's face-recognition ResNet, rebuilt in PyTorch.

The network is the metric-learning ResNet behind dlib's `face_recognition_model_v1`
(`dlib_face_recognition_resnet_model_v1.dat`, trained by Davis King and released as
CC0). We read that file as shipped in the PyPI package `face_recognition_models`.
It maps a 150x150 aligned face chip to a 128-d embedding in which two photos of the
same person lie closer than 0.6.

Input: RGB (N, 3, 150, 150) scaled as dlib's `input_rgb_image_sized` does:
(pixel_0_255 - DLIB_MEAN_RGB) / 256, per channel.

Its weights are read from dlib's `.dat` file by `ml.training.dlib_weights` (only to fit or
train; a weights file of this project carries them).
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

DLIB_INPUT_SIZE = 150
DLIB_MEAN_RGB = (122.782, 117.001, 104.298)
DLIB_PIXEL_SCALE = 256.0
EMBEDDING_SIZE = 128

# (channels, blocks, first block downsamples) per stage, input side first.
STAGE_LAYOUT = (
    ("stage1", 32, 3, False),
    ("stage2", 64, 4, True),
    ("stage3", 128, 3, True),
    ("stage4", 256, 3, True),
    ("stage5", 256, 1, True),
)
STEM_CHANNELS = 32


class Affine(nn.Module):
    """Per-channel gamma * x + beta: dlib's `affine_`, the inference form of its batch norm."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


@torch.no_grad()
def fold_affine(conv: nn.Conv2d, affine: nn.Module) -> nn.Conv2d:
    """The convolution with the affine after it folded in: one pass over the map instead of two."""
    if not isinstance(affine, Affine):
        return conv  # folded already
    folded = copy.deepcopy(conv)
    folded.weight.mul_(affine.weight.view(-1, 1, 1, 1))
    folded.bias.mul_(affine.weight).add_(affine.bias)
    return folded


def dlib_conv(in_channels: int, out_channels: int, kernel: int, stride: int) -> nn.Conv2d:
    """A conv with dlib's default padding: half the kernel at stride 1, none otherwise."""
    padding = kernel // 2 if stride == 1 else 0
    return nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding)


def add_zero_padded(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a + b where the smaller tensor is zero-filled at the end of each axis (dlib's add_prev).

    A downsampling block's two paths can disagree in channels (the skip has fewer) and in
    size (at 8x8 the stride-2 conv gives 3x3, the 2x2 pool 4x4); dlib keeps the larger
    of each and aligns both at index 0.
    """
    if a.shape == b.shape:
        return a + b
    channels, rows, cols = (max(a.shape[i], b.shape[i]) for i in (1, 2, 3))
    return _pad_to(a, channels, rows, cols) + _pad_to(b, channels, rows, cols)


def _pad_to(x: torch.Tensor, channels: int, rows: int, cols: int) -> torch.Tensor:
    return F.pad(x, (0, cols - x.shape[3], 0, rows - x.shape[2], 0, channels - x.shape[1]))


class ResidualBlock(nn.Module):
    """dlib's `ares` (or `ares_down`): relu(skip + affine(conv(relu(affine(conv(x)))))).

    Downsampling blocks stride the first conv and take the skip through a 2x2 average pool.
    """

    def __init__(self, in_channels: int, out_channels: int, downsample: bool):
        super().__init__()
        if not downsample and in_channels != out_channels:
            raise ValueError("A block that keeps its size must also keep its channel count.")
        stride = 2 if downsample else 1
        self.conv1 = dlib_conv(in_channels, out_channels, 3, stride)
        self.affine1 = Affine(out_channels)
        self.conv2 = dlib_conv(out_channels, out_channels, 3, 1)
        self.affine2 = Affine(out_channels)
        self.shortcut = nn.AvgPool2d(2, stride=2) if downsample else nn.Identity()

    def fuse(self) -> None:
        """For inference: each affine folded into its convolution (see `ml.models.regressor.fuse_batch_norm`)."""
        self.conv1, self.affine1 = fold_affine(self.conv1, self.affine1), nn.Identity()
        self.conv2, self.affine2 = fold_affine(self.conv2, self.affine2), nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.affine2(self.conv2(F.relu(self.affine1(self.conv1(x)))))
        return F.relu(add_zero_padded(main, self.shortcut(x)))


def _stem() -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=dlib_conv(3, STEM_CHANNELS, 7, 2),
            affine=Affine(STEM_CHANNELS),
            relu=nn.ReLU(),
            pool=nn.MaxPool2d(3, stride=2),
        )
    )


def _stage(in_channels: int, channels: int, blocks: int, downsample: bool) -> nn.Sequential:
    first = ResidualBlock(in_channels, channels, downsample)
    return nn.Sequential(first, *(ResidualBlock(channels, channels, False) for _ in range(blocks - 1)))


class FaceResNet(nn.Module):
    """dlib's 29-conv metric ResNet: (N, 3, 150, 150) dlib-normalised RGB -> (N, 128).

    Spatial sizes at 150: stem 72 -> 35, stage1 35, stage2 17, stage3 8, stage4 4, stage5 2.
    """

    embedding_size = EMBEDDING_SIZE
    # The last stage's map at 150 input, flattened (its 2 x 2 cells still tell regions apart).
    map_size = STAGE_LAYOUT[-1][1] * 2 * 2

    def __init__(self):
        super().__init__()
        self.stem = _stem()
        in_channels = STEM_CHANNELS
        for name, channels, blocks, downsample in STAGE_LAYOUT:
            self.add_module(name, _stage(in_channels, channels, blocks, downsample))
            in_channels = channels
        self.embed = nn.Linear(in_channels, EMBEDDING_SIZE, bias=False)

    def fuse(self) -> None:
        """For inference: the stem's affine folded into its convolution (the blocks fold their own)."""
        self.stem.conv, self.stem.affine = fold_affine(self.stem.conv, self.stem.affine), nn.Identity()

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last stage's map, (N, 256, 2, 2) at 150 input."""
        x = self.stem(x)
        for name, *_ in STAGE_LAYOUT:
            x = getattr(self, name)(x)
        return x

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.embed(features.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))
