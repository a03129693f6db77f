"""The benchmark's three figures: Pearson correlation, mean absolute error, root mean square error."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def scut_groups(name: str) -> list[str]:
    """SCUT-FBP5500's subset of a photo, from its name: AF, AM, CF or CM."""
    return [name[:2]]


def metrics_by_subset(
    names: Sequence[str],
    predicted: Sequence[float],
    target: Sequence[float],
    groups_of: Callable[[str], list[str]] = scut_groups,
) -> dict:
    """Overall figures plus one entry per group a photo belongs to (`groups_of` names them)."""
    result = {"overall": regression_metrics(predicted, target)}
    members: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        for group in groups_of(name):
            members.setdefault(group, []).append(i)
    for group in sorted(members):
        rows = members[group]
        result[group] = regression_metrics([predicted[i] for i in rows], [target[i] for i in rows])
    return result
