"""How far MEBeauty's raters agree, and the model's error beside them: the figures `python -m ml
agreement` wrote beside the weights, read here. Plain JSON and no torch: the web process reads
them for the compare verdict (the model's error) and the pages' cautions."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

AGREEMENT = Path(__file__).parents[1] / "weights" / "agreement.json"


def write_agreement(figures: dict, path: Path = AGREEMENT) -> None:
    path.write_text(json.dumps(figures, indent=1) + "\n")


@cache
def _read(path: Path, modified: float) -> dict:
    return json.loads(path.read_text())


def agreement(path: Path = AGREEMENT) -> dict | None:
    """The figures, or None where none were measured."""
    if not path.exists():
        return None
    return _read(path, path.stat().st_mtime)


def model_error(path: Path = AGREEMENT) -> float | None:
    """The model's root mean square error (1-5) against the panel's mean on MEBeauty's val list."""
    figures = agreement(path)
    return figures["model"]["rmse"] if figures else None
