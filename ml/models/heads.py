"""Kernel ridge regressions as a layer: fitted in closed form (`ml.training.kernel_ridge`), run here."""

from __future__ import annotations

import torch
from torch import nn


class KernelRidgeHeads(nn.Module):
    """One kernel ridge per rating panel as a layer: (N, D) features -> (N, heads) scores.

    The support vectors of every head sit in one matrix (a head's coefficients are zero on
    the others' rows), so one distance computation serves all heads.
    """

    # Kept in float32 in weights files: thousands of terms of both signs cancel in the sum, so
    # half precision would move a score by up to 0.01. The support rows are fitted in half
    # precision already (`ml.training.fit_face_kernel`), so they are stored exactly as halves.
    full_precision = ("coefficients", "gammas", "offsets")

    def __init__(self, heads: int, support: int, dimensions: int):
        super().__init__()
        self.register_buffer("support", torch.zeros(support, dimensions))
        self.register_buffer("coefficients", torch.zeros(heads, support))
        self.register_buffer("gammas", torch.ones(heads))
        self.register_buffer("offsets", torch.zeros(heads))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        features, support = features.float(), self.support.float()
        # |x|^2 + |s|^2 - 2 x.s: one matrix product; cdist took 1.5-2 ms a face at batch 1 on
        # the 2-core CPU for the same numbers (its mm path costs 0.2 ms there).
        squared = features.square().sum(1, keepdim=True) + support.square().sum(1) - 2 * features @ support.T
        squared = squared.clamp_min(0)  # (N, S); rounding can make a near-zero distance negative
        kernels = torch.exp(-self.gammas[:, None, None] * squared)  # (heads, N, S)
        return (kernels * self.coefficients[:, None, :]).sum(-1).T + self.offsets
