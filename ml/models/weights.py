"""Saving and loading trained weights together with everything needed to use and judge them.

A weights file is a bundle, as torchvision's weights enums are: the network (architecture from
`ml.models.registry`, settings, tensors; an ensemble's members and mix), its preprocessing
(alignment id, crop size, input size, normalisation: `Preprocessing`), and its figures
(`metrics`, from `python -m ml evaluate --record`; validation figures; the training recipe).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ml.models.alignment import ALIGNMENT, CROP_SIZE
from ml.models.ensemble import EnsembleNet
from ml.models.registry import SEED_CNN, build_network
from ml.models.regressor import INPUT_MEAN, INPUT_STD, HeadedRegressor

DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "beautynet.pt"
FORMAT = 1
ENSEMBLE_ARCH = "ensemble"


@dataclass(frozen=True)
class Preprocessing:
    """How a photo becomes the network's input, as its weights file says."""

    alignment: str  # the crops' id (`ml.models.alignment.ALIGNMENT`) the file was measured with
    crop_size: int  # side of the aligned crop
    input_size: int  # side the network (an ensemble's largest member) takes it at
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def of(cls, metadata: dict) -> Preprocessing:
        return cls(
            metadata["alignment"],
            metadata["crop_size"],
            metadata["input_size"],
            tuple(metadata["input_mean"]),
            tuple(metadata["input_std"]),
        )


def architecture_of(model: nn.Module) -> str:
    if isinstance(model, EnsembleNet):
        return ENSEMBLE_ARCH
    return model.config.backbone if isinstance(model, HeadedRegressor) else SEED_CNN


def _full_precision_keys(model: nn.Module) -> set[str]:
    """State entries a module asks to keep in float32 (`full_precision`: names of its tensors),
    e.g. kernel ridge coefficients, whose large terms cancel in the sum."""
    return {
        f"{name}.{tensor}" if name else tensor
        for name, module in model.named_modules()
        for tensor in getattr(module, "full_precision", ())
    }


def _half_state(model: nn.Module) -> dict[str, torch.Tensor]:
    kept = _full_precision_keys(model)
    return {
        key: value.half() if value.is_floating_point() and key not in kept else value
        for key, value in model.state_dict().items()
    }


@torch.no_grad()
def round_to_stored_precision(model: nn.Module) -> nn.Module:
    """Round the model's tensors as `save_weights` stores them, in place: what is fitted or
    validated on it afterwards is then exactly what the saved file reproduces."""
    tensors = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    for key, value in _half_state(model).items():
        tensors[key].copy_(value.to(tensors[key].dtype))
    return model


def _network_record(model: nn.Module, input_size: int) -> dict:
    """What rebuilds one network: architecture, its regressor settings, input size, weights."""
    return {
        "arch": architecture_of(model),
        "input_size": input_size,
        "regressor": asdict(model.config) if isinstance(model, HeadedRegressor) else {},
        "state_dict": _half_state(model),
    }


def _build_from_record(record: dict) -> nn.Module:
    model = build_network(record["arch"], record["regressor"])
    model.load_state_dict(
        {key: value.float() if value.is_floating_point() else value for key, value in record["state_dict"].items()}
    )
    return model


def save_weights(
    model: nn.Module,
    path: Path,
    input_size: int,
    extra: dict | None = None,
    *,
    crop_size: int = CROP_SIZE,
    alignment: str = ALIGNMENT,
) -> str:
    """Write half-precision weights (small enough for the repo) with everything needed to use them.

    The file carries the architecture, the preprocessing (alignment, crop size, input size and
    normalisation), so a reader needs no other source; an ensemble carries each member's.
    Returns the model version.
    """
    if isinstance(model, EnsembleNet):
        members = [_network_record(m, size) for m, size in zip(model.members, model.input_sizes)]
        record = {"arch": ENSEMBLE_ARCH, "input_size": input_size, "regressor": asdict(model.config)}
        record |= {"members": members, "head_weights": model.head_weights, "mirrored": model.mirrored}
        # How the members are mixed is part of what the model is, as much as their weights.
        hashed = [[member["state_dict"] for member in members], model.head_weights, model.mirrored]
    else:
        record = _network_record(model, input_size)
        hashed = record["state_dict"]
    buffer = io.BytesIO()
    torch.save(_sorted(hashed), buffer)  # by name: the order modules were built in is not the model
    version = f"{record['arch']}-" + hashlib.sha256(buffer.getvalue()).hexdigest()[:10]
    payload = {
        "format": FORMAT,
        "version": version,
        "alignment": alignment,
        "crop_size": crop_size,
        "input_mean": list(INPUT_MEAN),
        "input_std": list(INPUT_STD),
        **record,
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path)
    return version


def _sorted(value):
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def load_weights(path: Path = DEFAULT_WEIGHTS) -> tuple[nn.Module, dict]:
    """Build the network from a weights file; returns (model in eval mode, metadata)."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a BeautyNet weights file of format {FORMAT}")
    if payload["arch"] == ENSEMBLE_ARCH:
        members = [_build_from_record(member) for member in payload["members"]]
        sizes = [member["input_size"] for member in payload["members"]]
        model = EnsembleNet(members, sizes, payload["head_weights"], payload.get("mirrored"))
        model.use_head(model.config.score_head)
    else:
        model = _build_from_record(payload)
    model.eval()
    metadata = {key: value for key, value in payload.items() if key not in ("state_dict", "members")}
    # Files written before normalisation was stored used the backbone's [-1, 1] scaling.
    metadata.setdefault("input_mean", list(INPUT_MEAN))
    metadata.setdefault("input_std", list(INPUT_STD))
    # Files written before the crop was recorded were made and measured on these crops.
    metadata.setdefault("crop_size", CROP_SIZE)
    metadata.setdefault("alignment", ALIGNMENT)
    return model, metadata


def record_metrics(path: Path, listed: str, figures: dict) -> None:
    """Store evaluation figures (e.g. of "scut-60-40" or "mebeauty-val") in the weights file itself.

    The state dict, and so the model version, is left as it was.
    """
    payload = torch.load(path, map_location="cpu", weights_only=True)
    payload.setdefault("metrics", {})[listed] = figures
    torch.save(payload, path)
