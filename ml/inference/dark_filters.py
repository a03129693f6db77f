"""Which filters of the explained network stay dark on the training faces: the shipped list, read.

`python -m ml prune-bench` measures them (`ml.training.channel_activity`) and writes `dark_filters.json`
beside the weights; the look inside reads it here. Plain JSON and no torch, so the web process
can read it too. A list belongs to one weights file: it names the model version it was measured
on, and a reader given another version gets nothing rather than another network's filters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DARK_FILTERS = Path(__file__).parents[1] / "weights" / "dark_filters.json"

# The rule a pruned network ships by (issue 27), read by prune-bench's decision and by the page
# that reports it: at least this many times the shipped network's faces/s at batch 16 ...
SHIP_SPEED_GAIN = 1.10
# ... and at most this much PC lost on each list (SCUT 60/40 test, MEBeauty val).
SHIP_PC_LOSS = 0.003


@dataclass(frozen=True)
class StageDarkness:
    """One stage of the explained network: its convolutions' output channels ("filters")."""

    name: str
    filters: int  # output channels of every convolution in the stage
    dark: int
    # Per convolution (e.g. "stage2.0.expand"): its channel count and its dark channels' indices.
    layers: dict[str, dict]

    @property
    def share(self) -> float:
        return self.dark / self.filters if self.filters else 0.0

    def dark_channels(self, layer: str) -> list[int]:
        return list(self.layers.get(layer, {}).get("dark", []))


@dataclass(frozen=True)
class DarkFilters:
    model_version: str
    threshold: dict  # how "dark" was decided, in numbers
    faces: dict[str, int]  # the training faces it was measured on, per list
    stages: dict[str, StageDarkness]
    pruned: dict  # whether the shipped network was pruned of them, and why (prune-bench's decision)

    @classmethod
    def from_dict(cls, data: dict) -> DarkFilters:
        stages = {
            name: StageDarkness(name, stage["filters"], stage["dark"], stage["layers"])
            for name, stage in data["stages"].items()
        }
        return cls(data["model_version"], data["threshold"], data["faces"], stages, data.get("pruned", {}))

    def to_dict(self) -> dict:
        return {
            "model_version": self.model_version,
            "threshold": self.threshold,
            "faces": self.faces,
            "pruned": self.pruned,
            "stages": {
                name: {"filters": s.filters, "dark": s.dark, "layers": s.layers} for name, s in self.stages.items()
            },
        }

    @property
    def filters(self) -> int:
        return sum(stage.filters for stage in self.stages.values())

    @property
    def dark(self) -> int:
        return sum(stage.dark for stage in self.stages.values())


def write_dark_filters(found: DarkFilters, path: Path = DARK_FILTERS) -> None:
    # Indices on one line per layer keep the file small and its diffs readable.
    path.write_text(json.dumps(found.to_dict(), indent=1) + "\n")


@cache
def _read(path: Path, modified: float) -> DarkFilters | None:
    return DarkFilters.from_dict(json.loads(path.read_text()))


def dark_filters_for(model_version: str | None, path: Path = DARK_FILTERS) -> DarkFilters | None:
    """The list measured on the weights of `model_version`; None where none was (another or no file)."""
    if not model_version or not path.exists():
        return None
    found = _read(path, path.stat().st_mtime)
    return found if found.model_version == model_version else None
