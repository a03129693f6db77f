"""Several scoring networks as one: a weighted mean of their outputs, per rating panel.

The first member is the one explained: its stages are the ones looked inside, and Grad-CAM
follows its share of the score. The others only add to the score. Each head has its own
member weights (chosen on validation data), so a member can help one panel and stay out of
another's score (e.g. the face-ResNet on in-the-wild photos but not on studio portraits).
"""

from __future__ import annotations

import torch
from torch import nn

from ml.models import preprocess
from ml.models.regressor import HeadedRegressor


class EnsembleNet(HeadedRegressor):
    def __init__(
        self,
        members: list[HeadedRegressor],
        input_sizes: list[int],
        head_weights: dict[str, list[float]],
        mirrored: list[bool] | None = None,
    ):
        first = members[0]
        super().__init__(first.config, features=None)  # the members have the heads
        heads = first.config.heads
        if any(member.config.heads != heads for member in members):
            raise ValueError("every member of an ensemble needs the same heads")
        if set(head_weights) != set(heads) or any(len(w) != len(members) for w in head_weights.values()):
            raise ValueError(f"need {len(members)} member weights for each of the heads {heads}")
        if any(w[0] <= 0 or min(w) < 0 for w in head_weights.values()):
            raise ValueError("the explained (first) member needs a share of every head's score; no weight below 0")
        self.members = nn.ModuleList(members)
        self.input_sizes = list(input_sizes)
        # Whether each member's score is averaged with the mirror image's when the ensemble's
        # is (the explained member always is): a member that is nearly mirror-invariant
        # already (the face-ResNet member, fitted on both) saves a pass for little accuracy
        # (0.004 PC on MEBeauty val, MODEL_CARD.md).
        self.mirrored = [True, *(mirrored or [True] * len(members))[1:]]
        self.head_weights = {head: list(map(float, weights)) for head, weights in head_weights.items()}
        # Each head's member weights summing to 1, as plain numbers: reading them never waits on a GPU.
        self.normalised_weights = [[w / sum(head_weights[head]) for w in head_weights[head]] for head in heads]
        self.use_head(first.config.score_head)

    def use_head(self, name: str) -> None:
        super().use_head(name)
        for member in self.members:
            member.use_head(name)

    def named_stage_modules(self) -> list[tuple[str, nn.Module]]:
        return self.members[0].named_stage_modules()

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("an ensemble has no single feature map; use its members'")

    def forward_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each member's last map, from `x` at that member's input size (no single map is shared)."""
        return [m.forward_features(preprocess.resize(x, size)) for m, size in zip(self.members, self.input_sizes)]

    def forward_head(self, features: list[torch.Tensor]) -> torch.Tensor:
        """Every head's scores (N, heads): the members' heads mixed by each head's weights."""
        outputs = torch.stack([m.forward_head(f) for m, f in zip(self.members, features)])  # (members, N, heads)
        table = torch.tensor(self.normalised_weights, dtype=outputs.dtype, device=outputs.device).T
        return (outputs * table[:, None, :]).sum(dim=0)

    def _weights(self) -> list[float]:
        return self.normalised_weights[self.output_index]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.explained_share(x) + self.rest_of_score(x, flip=False)

    def forward_intermediates(
        self, x: torch.Tensor, leaf: str | None = None
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The first member's stages and its weighted share of the score (`rest_of_score` adds the others')."""
        outputs, first = self.members[0].forward_intermediates(preprocess.resize(x, self.input_sizes[0]), leaf)
        return outputs, self._weights()[0] * first

    def explained_share(self, x: torch.Tensor) -> torch.Tensor:
        return self._weights()[0] * self.members[0](preprocess.resize(x, self.input_sizes[0]))

    def rest_of_score(self, x: torch.Tensor, flip: bool) -> torch.Tensor | float:
        """The other members' weighted scores; with `flip`, averaged with the mirror image where
        that member asks for it (`mirrored`)."""
        rest: torch.Tensor | float = 0.0
        others = list(zip(self._weights(), self.members, self.input_sizes, self.mirrored))[1:]
        for weight, member, size, mirrored in others:
            if weight:
                xi = preprocess.resize(x, size)
                rest = rest + weight * (preprocess.mirror_averaged(member, xi) if flip and mirrored else member(xi))
        return rest
