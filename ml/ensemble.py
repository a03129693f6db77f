"""Several scoring networks as one: a weighted mean of their outputs, per rating panel.

The first member is the one explained: its stages are the ones looked inside, and Grad-CAM
follows its share of the score. The others only add to the score. Each head has its own
member weights (chosen on validation data), so a member can help one panel and stay out of
another's score (e.g. the face-ResNet on in-the-wild photos but not on studio portraits).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ml import preprocess
from ml.model import HeadedRegressor


class EnsembleNet(HeadedRegressor):
    def __init__(self, members: list[HeadedRegressor], input_sizes: list[int], head_weights: dict[str, list[float]]):
        first = members[0]
        super().__init__(first.config, 1)
        del self.regressor, self.dropout  # the members have their own
        heads = first.config.heads
        if any(member.config.heads != heads for member in members):
            raise ValueError("every member of an ensemble needs the same heads")
        if set(head_weights) != set(heads) or any(len(w) != len(members) for w in head_weights.values()):
            raise ValueError(f"need {len(members)} member weights for each of the heads {heads}")
        self.members = nn.ModuleList(members)
        self.input_sizes = list(input_sizes)
        self.head_weights = {head: list(map(float, weights)) for head, weights in head_weights.items()}
        # (members, heads): column h holds each member's weight in head h's score.
        table = torch.tensor([head_weights[head] for head in heads]).T
        self.register_buffer("weight_table", table / table.sum(dim=0, keepdim=True), persistent=False)
        self.use_head(first.config.score_head)

    def use_head(self, name: str) -> None:
        super().use_head(name)
        for member in self.members:
            member.use_head(name)

    def named_stage_modules(self) -> list[tuple[str, nn.Module]]:
        return self.members[0].named_stage_modules()

    def _inputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [preprocess.resize(x, size) for size in self.input_sizes]

    def forward_heads(self, x: torch.Tensor) -> torch.Tensor:
        outputs = torch.stack([member.forward_heads(xi) for member, xi in zip(self.members, self._inputs(x))])
        return (outputs * self.weight_table[:, None, :]).sum(dim=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.weight_table[:, self.output_index].tolist()
        inputs = self._inputs(x)
        return sum(w * member(xi) for w, member, xi in zip(weights, self.members, inputs) if w)

    def forward_stages(self, x: torch.Tensor, leaf: str | None = None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The first member's stages; the score is the whole ensemble's."""
        weights = self.weight_table[:, self.output_index].tolist()
        inputs = self._inputs(x)
        outputs, first = self.members[0].forward_stages(inputs[0], leaf)
        others = [w * member(xi) for w, member, xi in zip(weights[1:], self.members[1:], inputs[1:]) if w]
        return outputs, weights[0] * first + sum(others)


# Candidate weights of the second member in a head's score (the first gets the rest).
WEIGHT_GRID = tuple(round(0.05 * step, 2) for step in range(21))


def choose_head_weights(predictions: list[np.ndarray], targets: np.ndarray) -> tuple[list[float], float]:
    """The two members' weights whose mean has the best Pearson correlation on validation data."""
    first, second = predictions

    def pc(weight: float) -> float:
        return float(np.corrcoef((1 - weight) * first + weight * second, targets)[0, 1])

    best = max(WEIGHT_GRID, key=pc)
    return [1 - best, best], pc(best)
