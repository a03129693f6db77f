"""Where a score stands among the 5500 mean ratings of SCUT-FBP5500."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

QUANTILES_FILE = Path(__file__).parent / "score_quantiles.json"


@lru_cache(maxsize=1)
def _quantiles() -> np.ndarray:
    return np.asarray(json.loads(QUANTILES_FILE.read_text())["quantiles_every_half_percent"])


def score_percentile(score: float) -> float:
    """Percent of the dataset's faces rated below `score` (0-100), interpolated between half-percent quantiles."""
    quantiles = _quantiles()
    levels = np.linspace(0, 100, len(quantiles))
    return float(np.interp(score, quantiles, levels))
