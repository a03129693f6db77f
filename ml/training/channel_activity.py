"""How active each convolution channel of the explained network is over many faces, and which stay dark.

Every convolution of a BeautyNet (with its batch norm and ReLU6 where it has one) is watched
through a forward hook: per face, each output channel's mean and its peak (largest absolute
value over the map). A channel is **dark on a face** when its peak is under `DARK_FRACTION` of
that convolution's typical peak on that face (the median over its channels), and **dark** when
it is dark on at least `DARK_FACE_SHARE` of the faces.

Why those numbers: the look inside draws activations on 256 colour levels, so a channel under
1/256 (0.0039) of its layer's typical peak is drawn black even on the layer's common scale;
1e-3 is four times below that, so "dark" means black with margin, not merely dim. Measured per
convolution, not per stage, because an expansion, a depthwise and a projection convolution of
one stage work on different scales. 99 % of faces, not all, so that one odd photo among
thousands does not keep a channel that is black on every other face (a dark channel's removal
is then measured, not assumed harmless: `python -m ml prune-bench`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from ml.inference.dark_filters import DarkFilters, StageDarkness
from ml.models.efficientnet_lite import BeautyNet

DARK_FRACTION = 1e-3
DARK_FACE_SHARE = 0.99


@dataclass
class ConvUnit:
    """One convolution of the network with what follows it up to the next convolution's input."""

    stage: str  # the look inside's stage name: stem, stage1..stage7, head
    name: str  # e.g. "stage2.0.expand"
    module: nn.Sequential  # conv, batch norm (or Identity once fused), ReLU6 where there is one

    @property
    def conv(self) -> nn.Conv2d:
        return self.module[0]


def conv_units(model: BeautyNet) -> list[ConvUnit]:
    """Every convolution of the network, input side first, named by stage and block."""
    units = [ConvUnit("stem", "stem", model.stem)]
    for stage_name, stage in model.stages.named_children():
        for index, block in enumerate(stage):
            for part in ("expand", "depthwise", "project"):
                module = getattr(block, part)
                if isinstance(module, nn.Sequential):
                    units.append(ConvUnit(stage_name, f"{stage_name}.{index}.{part}", module))
    units.append(ConvUnit("head", "head", model.head))
    return units


@dataclass
class ChannelActivity:
    """Each convolution's channels over the faces seen so far."""

    faces: int = 0
    mean: dict[str, torch.Tensor] = field(default_factory=dict)  # mean activation over faces and positions
    peak: dict[str, torch.Tensor] = field(default_factory=dict)  # largest |activation| on any face
    dark_faces: dict[str, torch.Tensor] = field(default_factory=dict)  # faces on which each channel was dark

    def add(self, name: str, output: torch.Tensor) -> None:
        """One batch's output (N, C, H, W) of convolution `name`."""
        per_face_peak = output.detach().abs().amax(dim=(2, 3)).float()  # (N, C)
        per_face_mean = output.detach().mean(dim=(2, 3)).float()
        typical = per_face_peak.median(dim=1, keepdim=True).values
        dark = (per_face_peak < DARK_FRACTION * typical).sum(dim=0)
        if name not in self.mean:
            self.mean[name] = per_face_mean.sum(dim=0)
            self.peak[name] = per_face_peak.amax(dim=0)
            self.dark_faces[name] = dark
            return
        self.mean[name] += per_face_mean.sum(dim=0)
        self.peak[name] = torch.maximum(self.peak[name], per_face_peak.amax(dim=0))
        self.dark_faces[name] += dark

    def channel_means(self, name: str) -> torch.Tensor:
        return self.mean[name] / max(self.faces, 1)

    def dark_channels(self, name: str) -> list[int]:
        """Channels dark on at least DARK_FACE_SHARE of the faces."""
        share = self.dark_faces[name].float() / max(self.faces, 1)
        return torch.nonzero(share >= DARK_FACE_SHARE).flatten().tolist()


@torch.no_grad()
def measure(model: BeautyNet, batches: Iterable[torch.Tensor]) -> ChannelActivity:
    """Run normalised input batches through `model` (eval mode) and record every convolution's channels."""
    activity = ChannelActivity()
    units = conv_units(model)
    hooks = [
        unit.module.register_forward_hook(lambda _m, _i, output, name=unit.name: activity.add(name, output))
        for unit in units
    ]
    model.eval()
    try:
        for batch in batches:
            with torch.inference_mode():
                model(batch)
            activity.faces += len(batch)
    finally:
        for hook in hooks:
            hook.remove()
    return activity


def dark_filters(model: BeautyNet, activity: ChannelActivity, model_version: str, faces: dict[str, int]) -> DarkFilters:
    """The per-stage lists of dark channels, in the shape shipped beside the weights."""
    stages: dict[str, dict] = {}
    for unit in conv_units(model):
        dark = activity.dark_channels(unit.name)
        peak, mean = activity.peak[unit.name], activity.channel_means(unit.name)
        layer = {
            "channels": unit.conv.out_channels,
            "dark": dark,
            # How dark they were: the largest value any face gave each (0 when never lit at all).
            "dark_peaks": [float(f"{float(peak[c]):.3g}") for c in dark],
            "typical_peak": float(f"{float(peak.median()):.4g}"),
            "typical_mean": float(f"{float(mean.median()):.4g}"),
        }
        stage = stages.setdefault(unit.stage, {"filters": 0, "dark": 0, "layers": {}})
        stage["filters"] += unit.conv.out_channels
        stage["dark"] += len(dark)
        stage["layers"][unit.name] = layer
    threshold = {
        "peak_below_fraction_of_layer_median_peak": DARK_FRACTION,
        "on_share_of_faces": DARK_FACE_SHARE,
    }
    return DarkFilters(
        model_version=model_version,
        threshold=threshold,
        faces=faces,
        stages={name: StageDarkness(name, s["filters"], s["dark"], s["layers"]) for name, s in stages.items()},
        pruned={},
    )
