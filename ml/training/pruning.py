"""Structural pruning of a BeautyNet: its convolutions rebuilt without the channels that stay dark.

Not masks: each pruned convolution is a smaller `nn.Conv2d` (fewer output channels), its batch
norm a smaller `nn.BatchNorm2d`, and the layer reading it takes fewer input channels, so every
pass does less work. In an inverted-residual block (expand 1x1, depthwise kxk, project 1x1,
`ml.models.efficientnet_lite.InvertedResidual`) one channel runs through the expansion and the depthwise
convolution and is read by the projection: a channel dark at either is removed from all three.

What a removed channel gave is not simply dropped where it was not zero:
- a channel whose expansion output is dark (zero) still leaves its depthwise convolution
  putting out a constant, the ReLU6 of its batch norm's shift; that constant times the
  projection's weights is folded into the projection's batch norm (its running mean), exactly;
- a depthwise (or head) channel removed for being dark itself is replaced by its mean over the
  faces measured (`means`; zero where none are given), folded the same way.
So channels that are exactly zero on every face are removed with the same outputs to rounding.

The block outputs (projections) are not pruned: they are summed into the residual stream of
their stage, so one channel there is every block's of the stage at once.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ml.models.efficientnet_lite import BeautyNet
from ml.training.channel_activity import conv_units


def _kept(channels: int, removed: set[int]) -> torch.Tensor:
    return torch.tensor([c for c in range(channels) if c not in removed], dtype=torch.long)


def _conv_slice(conv: nn.Conv2d, out_keep: torch.Tensor | None, in_keep: torch.Tensor | None) -> nn.Conv2d:
    """A copy of `conv` with only the kept output / input channels (a depthwise conv keeps its groups aligned)."""
    depthwise = conv.groups == conv.in_channels and conv.groups > 1
    weight = conv.weight.detach()
    if out_keep is not None:
        weight = weight[out_keep]
    if in_keep is not None and not depthwise:
        weight = weight[:, in_keep]
    out_ch = weight.shape[0]
    in_ch = out_ch if depthwise else weight.shape[1]
    smaller = nn.Conv2d(
        in_ch,
        out_ch,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        groups=out_ch if depthwise else conv.groups,
        bias=conv.bias is not None,
    )
    smaller.weight.data.copy_(weight)
    if conv.bias is not None:
        bias = conv.bias.detach()
        smaller.bias.data.copy_(bias[out_keep] if out_keep is not None else bias)
    return smaller


def _bn_slice(bn: nn.BatchNorm2d, keep: torch.Tensor) -> nn.BatchNorm2d:
    smaller = nn.BatchNorm2d(len(keep), eps=bn.eps, momentum=bn.momentum)
    for name in ("weight", "bias"):
        getattr(smaller, name).data.copy_(getattr(bn, name).detach()[keep])
    for name in ("running_mean", "running_var"):
        getattr(smaller, name).copy_(getattr(bn, name)[keep])
    smaller.num_batches_tracked.copy_(bn.num_batches_tracked)
    return smaller


def _slice_unit(unit: nn.Sequential, out_keep: torch.Tensor | None, in_keep: torch.Tensor | None) -> None:
    """Conv (+ batch norm) of a conv_bn unit, in place, to the kept channels."""
    unit[0] = _conv_slice(unit[0], out_keep, in_keep)
    if out_keep is not None and isinstance(unit[1], nn.BatchNorm2d):
        unit[1] = _bn_slice(unit[1], out_keep)


def _output_for_zero_input(unit: nn.Sequential) -> torch.Tensor:
    """What each channel of a conv_bn unit puts out, everywhere, when its input is zero everywhere."""
    conv = unit[0]
    out = conv.bias.detach().clone() if conv.bias is not None else torch.zeros(conv.out_channels)
    out = out.view(1, -1, 1, 1)
    for layer in list(unit)[1:]:
        out = layer(out)
    return out.flatten()


def _fold_into_next(unit: nn.Sequential, constants: torch.Tensor, removed: torch.Tensor) -> None:
    """Constant input channels `removed` (values `constants`) of a 1x1 conv_bn unit, folded into its
    batch norm (or bias) before they are sliced away: its outputs stay what they were."""
    conv = unit[0]
    shift = (conv.weight.detach()[:, removed, 0, 0] * constants).sum(dim=1)
    if isinstance(unit[1], nn.BatchNorm2d):
        unit[1].running_mean.sub_(shift)  # BN(y + s) with running mean m is BN(y) with mean m - s
    else:
        if conv.bias is None:
            conv.bias = nn.Parameter(torch.zeros(conv.out_channels))
        conv.bias.data.add_(shift)


@torch.no_grad()
def prune_dark_channels(
    model: BeautyNet, dark: dict[str, list[int]], means: dict[str, torch.Tensor] | None = None
) -> tuple[BeautyNet, dict[str, int]]:
    """A structurally smaller copy of `model` (eval mode) without the channels `dark` lists.

    `dark`: conv unit name (`ml.training.channel_activity.conv_units`, e.g. "stage2.0.expand") -> channel
    indices. `means`: the same names -> each channel's mean activation over the faces measured,
    what a removed channel that was not exactly zero is replaced by. Returns the copy and how many
    channels each pruned convolution lost.
    """
    pruned = copy.deepcopy(model).eval()
    means = means or {}
    removed_counts: dict[str, int] = {}
    units = {unit.name: unit.module for unit in conv_units(pruned)}
    previous_name = "stem"
    for stage_name, stage in pruned.stages.named_children():
        for index, block in enumerate(stage):
            name = f"{stage_name}.{index}"
            has_expand = isinstance(block.expand, nn.Sequential)
            # The layer whose channels feed the depthwise convolution one to one.
            producer_name = f"{name}.expand" if has_expand else previous_name
            if not has_expand and (block.residual or producer_name != "stem"):
                # Only the first block of stage1 reads the stem directly (no residual around it).
                producer_name = None
            producer_dark = set(dark.get(producer_name, [])) if producer_name else set()
            depthwise_dark = set(dark.get(f"{name}.depthwise", []))
            removed = producer_dark | depthwise_dark
            previous_name = f"{name}.project"
            if not removed:
                continue
            mid = block.depthwise[0].out_channels
            keep, gone = _kept(mid, removed), torch.tensor(sorted(removed), dtype=torch.long)
            # What the projection read from each removed channel, as a constant.
            with_zero_input = _output_for_zero_input(block.depthwise)
            measured = means.get(f"{name}.depthwise", torch.zeros(mid)).float()
            constants = torch.stack([with_zero_input[c] if c in producer_dark else measured[c] for c in gone.tolist()])
            _fold_into_next(block.project, constants, gone)
            _slice_unit(block.project, None, keep)
            _slice_unit(block.depthwise, keep, None)
            _slice_unit(units[producer_name], keep, None)
            removed_counts[producer_name] = len(gone)
            removed_counts[f"{name}.depthwise"] = len(gone)
    head_dark = sorted(set(dark.get("head", [])))
    if head_dark:
        channels = pruned.head[0].out_channels
        keep, gone = _kept(channels, set(head_dark)), torch.tensor(head_dark, dtype=torch.long)
        measured = means.get("head", torch.zeros(channels)).float()
        # Pooled, a constant channel is that constant: fold it into the outputs' bias.
        pruned.regressor.bias.add_((pruned.regressor.weight[:, gone] * measured[gone]).sum(dim=1))
        pruned.regressor = _linear_inputs(pruned.regressor, keep)
        _slice_unit(pruned.head, keep, None)
        removed_counts["head"] = len(gone)
    return pruned.eval(), removed_counts  # the rebuilt layers are made in training mode


def in_multiples_of(dark: dict[str, list[int]], step: int) -> dict[str, list[int]]:
    """Of each block's dark channels (expansion and depthwise together), the first multiple of
    `step`; the stem's and the head's likewise: widths stay multiples of `step` where they were."""
    blocks = sorted({name.rsplit(".", 1)[0] for name in dark if name.startswith("stage")})
    kept: dict[str, list[int]] = {}
    for block in blocks:
        channels = sorted(set(dark.get(f"{block}.expand", [])) | set(dark.get(f"{block}.depthwise", [])))
        if len(channels) >= step:
            kept[f"{block}.depthwise"] = channels[: len(channels) // step * step]
    for name in ("stem", "head"):
        channels = sorted(dark.get(name, []))
        if len(channels) >= step:
            kept[name] = channels[: len(channels) // step * step]
    return kept


def _linear_inputs(linear: nn.Linear, keep: torch.Tensor) -> nn.Linear:
    smaller = nn.Linear(len(keep), linear.out_features)
    smaller.weight.data.copy_(linear.weight.detach()[:, keep])
    smaller.bias.data.copy_(linear.bias.detach())
    return smaller


@torch.no_grad()
def multiply_adds(model: nn.Module, size: int) -> int:
    """Multiply-adds of one face's pass at `size` pixels (convolutions and linear outputs): the work
    pruning can save, whatever the machine's timing noise."""
    total = 0

    def count(module: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        per_output = (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        total += output[0].numel() * per_output

    convolutions = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks = [conv.register_forward_hook(count) for conv in convolutions]
    try:
        model.eval()(torch.zeros(1, 3, size, size))
    finally:
        for hook in hooks:
            hook.remove()
    return total + sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


def channel_count(model: nn.Module) -> int:
    """Output channels of every convolution: how wide the network is."""
    return sum(m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d))
