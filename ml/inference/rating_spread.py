"""How a rating panel would split over one face: a distribution of single ratings around the score.

A rater's rating is modelled as a latent normal around the face's score, rounded to MEBeauty's
integer 1-10 steps (the two ends take the tails). Its centre is set so that the distribution's
mean is the score itself (doubled to the 1-10 scale), so the score stays what it was; its
width is a function of the score fitted on the training photos' own ratings (`ml.training.fit_spread`):
faces scored near the middle split raters most, the ends of the scale squeeze them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ml.inference.rating_band import HIGHEST, LOWEST, SCALE_FACTOR

STEPS = torch.arange(LOWEST, HIGHEST + 1, dtype=torch.float64)  # the raters' 1-10 scale
MIN_WIDTH = 0.3
_BISECTION_STEPS = 50


@dataclass(frozen=True)
class RatingSpread:
    """Width of the latent rating as `scale * poly(score on 1-10) + offset` (fitted on training ratings)."""

    poly: tuple[float, ...]  # highest power first, as numpy.polyval takes it
    scale: float = 1.0
    offset: float = 0.0

    def width(self, means: torch.Tensor) -> torch.Tensor:
        poly = torch.zeros_like(means)
        for coefficient in self.poly:
            poly = poly * means + coefficient
        return (self.scale * poly + self.offset).clamp(min=MIN_WIDTH)

    def distributions(self, scores: Sequence[float]) -> torch.Tensor:
        """(N, 10) probabilities of a rating 1..10 for faces with these scores (1-5)."""
        means = torch.as_tensor(scores, dtype=torch.float64) * SCALE_FACTOR
        return distributions_with_means(means, self.width(means))

    def to_dict(self) -> dict:
        return {"poly": list(self.poly), "scale": self.scale, "offset": self.offset}

    @classmethod
    def from_dict(cls, record: dict) -> RatingSpread:
        return cls(tuple(record["poly"]), record["scale"], record["offset"])


def rounded_normal(centres: torch.Tensor, widths: torch.Tensor) -> torch.Tensor:
    """A normal rounded to the steps 1..10, the outer steps taking the tails: (N, 10)."""
    edges = STEPS[:-1] + 0.5
    below = torch.special.ndtr((edges[None, :] - centres[:, None]) / widths[:, None])
    zeros, ones = torch.zeros_like(below[:, :1]), torch.ones_like(below[:, :1])
    return torch.diff(torch.cat([zeros, below, ones], dim=1), dim=1)


def distributions_with_means(means: torch.Tensor, widths: torch.Tensor) -> torch.Tensor:
    """Rounded normals of these widths whose means are `means` (1-10): the centre found by bisection."""
    low, high = torch.full_like(means, -10.0), torch.full_like(means, 21.0)
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        too_low = rounded_normal(middle, widths) @ STEPS < means
        low, high = torch.where(too_low, middle, low), torch.where(too_low, high, middle)
    return rounded_normal((low + high) / 2, widths)


def earth_movers_distance(predicted: torch.Tensor, true: torch.Tensor) -> float:
    """Mean over faces of the root mean squared difference of the cumulative distributions
    (the EMD loss of the published MEBeauty work, r = 2)."""
    gaps = predicted.cumsum(1) - true.cumsum(1)
    return float(gaps.pow(2).mean(1).sqrt().mean())
