"""Saving and loading trained weights together with the configuration that made them."""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict
from pathlib import Path

import torch

from ml.model import BeautyNet, RegressorConfig

DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "beautynet-lite0.pt"
FORMAT = 1


def save_weights(model: BeautyNet, path: Path, input_size: int, extra: dict | None = None) -> str:
    """Write half-precision weights (small enough for the repo) and return the model version."""
    state = {key: value.half() if value.is_floating_point() else value
             for key, value in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    version = "lite0-" + hashlib.sha256(buffer.getvalue()).hexdigest()[:10]
    payload = {
        "format": FORMAT,
        "arch": "efficientnet-lite0",
        "version": version,
        "input_size": input_size,
        "regressor": asdict(model.config),
        "state_dict": state,
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path)
    return version


def load_weights(path: Path = DEFAULT_WEIGHTS) -> tuple[BeautyNet, dict]:
    """Build the network from a weights file; returns (model in eval mode, metadata)."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a BeautyNet weights file of format {FORMAT}")
    model = BeautyNet(RegressorConfig(**payload["regressor"]))
    model.load_state_dict({key: value.float() if value.is_floating_point() else value
                           for key, value in payload["state_dict"].items()})
    model.eval()
    metadata = {key: value for key, value in payload.items() if key != "state_dict"}
    return model, metadata
