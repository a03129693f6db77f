"""The range of a panel's ratings that holds its middle share: numpy only, safe in the web process."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ml.inference.score_format import rounded_rating

BAND_SHARE = 0.8  # the band shown holds the middle 80 % of a panel's ratings
HALF = 0.5
LOWEST, HIGHEST = 1, 10  # MEBeauty's rating steps
# MEBeauty's raters rate 1-10; the product's score is their mean halved (kept to 1-5): rating = score x this.
# A single rater's rating goes on the same scale the same way, so a panel's mean there is the score
# (one scale: a rater's 1 shows as 0.5, below any score, as a panel's mean is never that low).
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


def on_score_scale(rating: float) -> float:
    """A rating of MEBeauty's 1-10 on the score's scale (halved: a 7 is 3.5): every place that shows
    a rater's rating (steps, bands, their words) goes through it."""
    return rating / SCALE_FACTOR


def score_band(distribution: Sequence[float], share: float = BAND_SHARE) -> tuple[float, float]:
    """`band` on the score's scale, rounded as printed (`rating_text`): the one range the pages, the
    chart, the API, the export and the command line all give."""
    low, high = band(distribution, share)
    return rounded_rating(on_score_scale(low)), rounded_rating(on_score_scale(high))


def share_inside(ratings: Sequence[float], low: float, high: float) -> float:
    """Share of these ratings inside [low, high], each rating spread over its unit step."""
    values = np.asarray(ratings, dtype=np.float64)
    return float(np.clip(np.minimum(values + 0.5, high) - np.maximum(values - 0.5, low), 0, 1).mean())


def panel_counts(distribution: Sequence[float], raters: int) -> list[int]:
    """How `raters` people would split over the steps 1..10: whole numbers summing to `raters`,
    each as near its expected share as can be while their mean stays the distribution's (the
    score) as nearly as whole people allow: a page that draws them beside the score must not
    show a panel averaging to another number."""
    expected = np.asarray(distribution, dtype=np.float64) * raters / np.sum(distribution)
    counts = np.floor(expected).astype(int)
    for step in np.argsort(counts - expected)[: raters - counts.sum()]:
        counts[step] += 1  # largest remainders first
    # Each move of one person by one step changes the ratings' sum by one: make the moves that
    # stray least from the expected shares until the sum is the nearest whole one to the expected.
    target = round(float(expected @ _STEPS))
    while (total := int(counts @ _STEPS)) != target:
        up = total < target
        sources = np.arange(len(counts) - 1) + (0 if up else 1)  # who moves; they go to source +-1
        destinations = sources + (1 if up else -1)
        off = counts - expected
        costs = 2 * (off[destinations] - off[sources]) + 2  # growth of the squared distance from `expected`
        costs[counts[sources] == 0] = np.inf
        best = int(np.argmin(costs))
        counts[sources[best]] -= 1
        counts[destinations[best]] += 1
    return counts.tolist()


def share_preferring(first: Sequence[float], second: Sequence[float], score_error: float = 0.0) -> float:
    """The share of raters who would rate a face of the `second` distribution above one of the
    `first` (two independent raters' ratings; a tie counts half).

    `score_error` (1-5 scale) is the model's own error on each score (its RMSE against panels'
    means): the faces' true means may sit apart from where the model put them, by a normal
    difference of sd sqrt(2) x that error (the two errors taken as independent), which moves
    every pair of ratings with it. With no error this is the plain share of the two distributions.
    """
    joint = np.outer(np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64))
    steps = np.arange(joint.shape[0])
    gaps = steps[None, :] - steps[:, None]  # the second rating minus the first, in steps of 1-10
    if score_error <= 0:
        above = np.where(gaps > 0, 1.0, np.where(gaps == 0, 0.5, 0.0))
    else:
        spread = math.sqrt(2) * score_error * SCALE_FACTOR
        above = np.vectorize(lambda gap: 0.5 * (1 + math.erf(gap / (spread * math.sqrt(2)))))(gaps)
    return float((joint * above).sum())
