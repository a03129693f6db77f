"""The seed article's network rebuilt in PyTorch, kept as the baseline our model is measured against.

Six "same"-padded convolutions with 64-64-128-128-256-512 filters (the first two 5x5, the
rest 3x3), a 2x2 max-pool after each of the first five, then fully connected layers of
256 and 512 units and one output, on a 160x160 grey face, trained with MSE from scratch.
"""

from __future__ import annotations

import torch
from torch import nn

SEED_INPUT_SIZE = 160
FILTERS = (64, 64, 128, 128, 256, 512)
KERNELS = (5, 5, 3, 3, 3, 3)


class SeedNet(nn.Module):
    """One output, SCUT-FBP5500's panel (it was trained on that set alone)."""

    heads: tuple[str, ...] = ("scut",)
    selected_head = "scut"

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 1
        for i, (out_ch, kernel) in enumerate(zip(FILTERS, KERNELS)):
            layers += [nn.Conv2d(in_ch, out_ch, kernel, padding="same"), nn.ReLU(inplace=True)]
            if i < 5:
                layers.append(nn.MaxPool2d(2))
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        side = SEED_INPUT_SIZE // 2**5
        self.regressor = nn.Sequential(
            nn.Flatten(),
            nn.Linear(FILTERS[-1] * side * side, 256),
            nn.ReLU(inplace=True),
            nn.Linear(256, 512),
            nn.ReLU(inplace=True),
            nn.Linear(512, 1),
        )

    def use_head(self, name: str) -> None:
        if name not in self.heads:
            raise ValueError(f"this model has no {name!r} head; it has {', '.join(self.heads)}")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last convolution's map for normalised RGB (N, 3, 160, 160), converted to grey here."""
        grey = 0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
        return self.features(grey)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """The one head's scores (N, 1)."""
        return self.regressor(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores (N,) for normalised RGB (N, 3, 160, 160)."""
        return self.forward_head(self.forward_features(x)).squeeze(1)


def seed_cnn(regressor: dict) -> SeedNet:
    """The registry's builder: the seed network has no regressor settings."""
    return SeedNet()
