"""Kernel ridge regression on frozen face features: fitted in closed form, run as a layer.

With a few thousand ratings, a Gaussian-kernel ridge over fixed features keeps what the
features know (dlib's network was trained on millions of faces to tell people apart) where
fine-tuning them towards the same targets as the other network of the ensemble learns the
same thing again (MODEL_CARD.md, "Other runs"). Its settings are chosen by k-fold
cross-validation on the training list, never on validation or test data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

# Kernel widths in units of the features' mean squared norm, so the grid fits any scaling.
GAMMAS = (0.5, 1.0, 2.0, 4.0, 8.0)
ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5


@dataclass(frozen=True)
class KernelRidge:
    """f(x) = offset + sum_i coefficients_i * exp(-gamma * |x - support_i|^2)."""

    support: np.ndarray  # (S, D)
    coefficients: np.ndarray  # (S,)
    gamma: float
    offset: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        return gaussian_kernel(features, self.support, self.gamma) @ self.coefficients + self.offset


def gaussian_kernel(a: np.ndarray, b: np.ndarray, gamma: float) -> np.ndarray:
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.exp(-gamma * np.maximum(squared, 0))


def fit(features: np.ndarray, targets: np.ndarray, gamma: float, alpha: float) -> KernelRidge:
    features = features.astype(np.float64)
    offset = float(targets.mean())
    gram = gaussian_kernel(features, features, gamma)
    coefficients = np.linalg.solve(gram + alpha * np.eye(len(features)), targets - offset)
    return KernelRidge(features, coefficients, gamma, offset)


def cross_validated_fit(
    features: np.ndarray, targets: np.ndarray, groups: np.ndarray | None = None
) -> tuple[KernelRidge, dict]:
    """The (gamma, alpha) of the grid with the best k-fold Pearson correlation, refitted on all rows.

    `groups` keeps rows of one photo (e.g. a face and its mirror image) in the same fold, so a
    fold is never scored on the mirror of a face it was fitted on.
    """
    groups = np.arange(len(targets)) if groups is None else groups
    fold_of = np.unique(groups, return_inverse=True)[1] % FOLDS
    unit = 1 / float(np.mean((features.astype(np.float64) ** 2).sum(1)))
    trials = {}
    for gamma in (g * unit for g in GAMMAS):
        for alpha in ALPHAS:
            predicted = np.empty(len(targets))
            for fold in range(FOLDS):
                held = fold_of == fold
                predicted[held] = fit(features[~held], targets[~held], gamma, alpha).predict(features[held])
            trials[gamma, alpha] = float(np.corrcoef(predicted, targets)[0, 1])
    gamma, alpha = max(trials, key=trials.get)
    chosen = {"gamma": gamma, "alpha": alpha, "cv_pc": trials[gamma, alpha], "folds": FOLDS}
    return fit(features, targets, gamma, alpha), chosen


def principal_components(features: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(components (count, D), mean (D,)): the rows' `count` directions of largest variance, largest first."""
    features = features.astype(np.float64)
    mean = features.mean(0)
    _, directions = np.linalg.eigh(np.cov(features, rowvar=False))
    return directions[:, ::-1][:, :count].T.copy(), mean


class KernelRidgeHeads(nn.Module):
    """One kernel ridge per rating panel as a layer: (N, D) features -> (N, heads) scores.

    The support vectors of every head sit in one matrix (a head's coefficients are zero on
    the others' rows), so one distance computation serves all heads.
    """

    # Kept in float32 in weights files: thousands of terms of both signs cancel in the sum, so
    # half precision would move a score by up to 0.01. The support rows are fitted in half
    # precision already (`ml.face_kernel`), so they are stored exactly as halves.
    full_precision = ("coefficients", "gammas", "offsets")

    def __init__(self, heads: int, support: int, dimensions: int):
        super().__init__()
        self.register_buffer("support", torch.zeros(support, dimensions))
        self.register_buffer("coefficients", torch.zeros(heads, support))
        self.register_buffer("gammas", torch.ones(heads))
        self.register_buffer("offsets", torch.zeros(heads))

    @classmethod
    def from_fits(cls, fits: list[KernelRidge]) -> KernelRidgeHeads:
        sizes = [len(f.support) for f in fits]
        layer = cls(len(fits), sum(sizes), fits[0].support.shape[1])
        layer.support.copy_(torch.from_numpy(np.concatenate([f.support for f in fits])))
        start = 0
        for head, (f, size) in enumerate(zip(fits, sizes)):
            layer.coefficients[head, start : start + size] = torch.from_numpy(f.coefficients)
            start += size
        layer.gammas.copy_(torch.tensor([f.gamma for f in fits]))
        layer.offsets.copy_(torch.tensor([f.offset for f in fits]))
        return layer

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        features, support = features.float(), self.support.float()
        # |x|^2 + |s|^2 - 2 x.s: one matrix product; cdist took 1.5-2 ms a face at batch 1 on
        # the 2-core CPU for the same numbers (its mm path costs 0.2 ms there).
        squared = features.square().sum(1, keepdim=True) + support.square().sum(1) - 2 * features @ support.T
        squared = squared.clamp_min(0)  # (N, S); rounding can make a near-zero distance negative
        kernels = torch.exp(-self.gammas[:, None, None] * squared)  # (heads, N, S)
        return (kernels * self.coefficients[:, None, :]).sum(-1).T + self.offsets
