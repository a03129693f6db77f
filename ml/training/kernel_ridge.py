"""Kernel ridge regression on frozen face features, fitted in closed form (run by `ml.models.heads`).

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

from ml.models.heads import KernelRidgeHeads

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


def heads_from_fits(fits: list[KernelRidge]) -> KernelRidgeHeads:
    """One layer running every panel's fitted kernel ridge (a head's coefficients are zero on the
    others' support rows)."""
    sizes = [len(f.support) for f in fits]
    layer = KernelRidgeHeads(len(fits), sum(sizes), fits[0].support.shape[1])
    layer.support.copy_(torch.from_numpy(np.concatenate([f.support for f in fits])))
    start = 0
    for head, (f, size) in enumerate(zip(fits, sizes)):
        layer.coefficients[head, start : start + size] = torch.from_numpy(f.coefficients)
        start += size
    layer.gammas.copy_(torch.tensor([f.gamma for f in fits]))
    layer.offsets.copy_(torch.tensor([f.offset for f in fits]))
    return layer
