"""Where a score stands among the human ratings of a reference population of faces.

The population is the one whose raters the product's score follows (see `ml/MODEL_CARD.md`):
`python -m ml percentiles --data DATASET` rewrites the table from a dataset's own ratings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

QUANTILES_FILE = Path(__file__).parent / "score_quantiles.json"
STEPS = 201  # every half percent


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(QUANTILES_FILE.read_text())


def reference_population() -> str:
    """A sentence-ready description of the faces percentiles are taken against."""
    return _table()["source"]


def score_percentile(score: float) -> float:
    """Percent of the reference faces rated below `score` (0-100), interpolated between half-percent quantiles."""
    quantiles = np.asarray(_table()["quantiles_every_half_percent"])
    levels = np.linspace(0, 100, len(quantiles))
    return float(np.interp(score, quantiles, levels))


def write_quantiles(ratings: Sequence[float], source: str, path: Path = QUANTILES_FILE) -> None:
    """Store the half-percent quantiles of a population's ratings (1-5 scale) and what it is."""
    quantiles = np.quantile(np.asarray(ratings, dtype=np.float64), np.linspace(0, 1, STEPS))
    path.write_text(json.dumps({"source": source, "quantiles_every_half_percent": quantiles.round(4).tolist()}))
    _table.cache_clear()
