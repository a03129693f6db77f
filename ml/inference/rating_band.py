"""The range of a panel's ratings that holds its middle share: numpy only, safe in the web process."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BAND_SHARE = 0.8  # the band shown holds the middle 80 % of a panel's ratings
HALF = 0.5
LOWEST, HIGHEST = 1, 10  # MEBeauty's rating steps
# MEBeauty's raters rate 1-10; the product's score is that scale halved (1-5): rating = score x this.
SCALE_FACTOR = 2.0
_STEPS = np.arange(LOWEST, HIGHEST + 1, dtype=np.float64)


def band(distribution: Sequence[float], share: float = BAND_SHARE) -> tuple[float, float]:
    """The range (1-10) holding the middle `share` of the ratings, a step k spread over [k-0.5, k+0.5]."""
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(distribution, dtype=np.float64))])
    cumulative /= cumulative[-1]
    edges = np.concatenate([[_STEPS[0] - 0.5], _STEPS + 0.5])
    tail = (1 - share) / 2
    low, high = np.interp([tail, 1 - tail], cumulative, edges)
    return max(float(low), LOWEST), min(float(high), HIGHEST)  # no rater gives less than 1 or more than 10


def share_inside(ratings: Sequence[float], low: float, high: float) -> float:
    """Share of these ratings inside [low, high], each rating spread over its unit step."""
    values = np.asarray(ratings, dtype=np.float64)
    return float(np.clip(np.minimum(values + 0.5, high) - np.maximum(values - 0.5, low), 0, 1).mean())


def panel_counts(distribution: Sequence[float], raters: int) -> list[int]:
    """How `raters` people would split over the steps 1..10: whole numbers summing to `raters`
    (largest remainders get the people rounding left over)."""
    expected = np.asarray(distribution, dtype=np.float64) * raters / np.sum(distribution)
    counts = np.floor(expected).astype(int)
    for step in np.argsort(counts - expected)[: raters - counts.sum()]:
        counts[step] += 1
    return counts.tolist()


def share_preferring(first: Sequence[float], second: Sequence[float]) -> float:
    """The share of raters who would rate a face of the `second` distribution above one of the
    `first` (two independent raters' ratings; a tie counts half)."""
    joint = np.outer(np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64))
    return float(np.triu(joint, 1).sum() + 0.5 * np.trace(joint))
