"""The benchmark's three figures: Pearson correlation, mean absolute error, root mean square error."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def regression_metrics(predicted: Sequence[float], target: Sequence[float]) -> dict[str, float]:
    p = np.asarray(predicted, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    return {
        "pc": float(np.corrcoef(p, t)[0, 1]) if len(p) > 1 else float("nan"),
        "mae": float(np.abs(p - t).mean()),
        "rmse": float(np.sqrt(((p - t) ** 2).mean())),
        "n": int(len(p)),
    }


def metrics_by_subset(names: Sequence[str], predicted: Sequence[float], target: Sequence[float]) -> dict:
    """Overall figures plus one entry per SCUT-FBP5500 subset (AF, AM, CF, CM)."""
    result = {"overall": regression_metrics(predicted, target)}
    for subset in sorted({name[:2] for name in names}):
        rows = [i for i, name in enumerate(names) if name.startswith(subset)]
        result[subset] = regression_metrics([predicted[i] for i in rows], [target[i] for i in rows])
    return result
