"""Saving and loading trained weights together with the configuration that made them."""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ml.model import INPUT_MEAN, INPUT_STD, BeautyNet, RegressorConfig
from ml.seed_net import SeedNet

DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "beautynet-lite0.pt"
FORMAT = 1
SEED_ARCH = "seed-cnn"


def architecture_of(model: nn.Module) -> str:
    return model.config.backbone if isinstance(model, BeautyNet) else SEED_ARCH


def build_network(arch: str, regressor: dict) -> nn.Module:
    """The registry: the seed baseline or a BeautyNet on a known backbone; anything else is refused."""
    if arch == SEED_ARCH:
        return SeedNet()
    return BeautyNet(RegressorConfig(**{"backbone": arch, **regressor}))


def save_weights(model: nn.Module, path: Path, input_size: int, extra: dict | None = None) -> str:
    """Write half-precision weights (small enough for the repo) with everything needed to use them.

    The file carries the architecture, input size and normalisation, so a reader needs no
    other source; returns the model version.
    """
    arch = architecture_of(model)
    state = {key: value.half() if value.is_floating_point() else value for key, value in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    version = f"{arch}-" + hashlib.sha256(buffer.getvalue()).hexdigest()[:10]
    payload = {
        "format": FORMAT,
        "arch": arch,
        "version": version,
        "input_size": input_size,
        "input_mean": list(INPUT_MEAN),
        "input_std": list(INPUT_STD),
        "regressor": asdict(model.config) if isinstance(model, BeautyNet) else {},
        "state_dict": state,
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path)
    return version


def load_weights(path: Path = DEFAULT_WEIGHTS) -> tuple[nn.Module, dict]:
    """Build the network from a weights file; returns (model in eval mode, metadata)."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a BeautyNet weights file of format {FORMAT}")
    model = build_network(payload["arch"], payload["regressor"])
    model.load_state_dict(
        {key: value.float() if value.is_floating_point() else value for key, value in payload["state_dict"].items()}
    )
    model.eval()
    metadata = {key: value for key, value in payload.items() if key != "state_dict"}
    # Files written before normalisation was stored used the backbone's [-1, 1] scaling.
    metadata.setdefault("input_mean", list(INPUT_MEAN))
    metadata.setdefault("input_std", list(INPUT_STD))
    return model, metadata


def record_metrics(path: Path, listed: str, figures: dict) -> None:
    """Store evaluation figures (e.g. of "scut-60-40" or "mebeauty-val") in the weights file itself.

    The state dict, and so the model version, is left as it was.
    """
    payload = torch.load(path, map_location="cpu", weights_only=True)
    payload.setdefault("metrics", {})[listed] = figures
    torch.save(payload, path)
