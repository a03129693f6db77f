"""What every scoring network shares: its settings, one output per rating panel, named stages.

Networks speak timm's vocabulary: `forward_features` (input -> last feature map),
`forward_head` (feature map -> every panel's score), `forward_intermediates` (every stage's
output and the selected panel's score, for the look inside), `forward` (the selected score).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ml.models.face_resnet import FaceResNet
from ml.models.registry import EFFICIENTNET_LITE0, FACE_RESNET, SEED_CNN, architecture

# Every network takes the aligned crop scaled to [-1, 1] (the Lite models were trained so);
# the face network converts it to dlib's scaling itself.
INPUT_MEAN = (0.5, 0.5, 0.5)
INPUT_STD = (0.5, 0.5, 0.5)
# The shipped face member reads this many (`python -m ml fit-face-kernel`'s default; MODEL_CARD.md).
DEFAULT_MAP_COMPONENTS = 256


@dataclass(frozen=True)
class RegressorConfig:
    backbone: str = EFFICIENTNET_LITE0
    dropout: float = 0.2
    drop_path: float = 0.1
    score_mean: float = 3.0  # starting bias of the outputs, near the datasets' mean
    # One output per rating panel over the shared backbone: SCUT-FBP5500's and MEBeauty's
    # raters score different things on different scales, so the relation is learned.
    heads: tuple[str, ...] = ("scut",)
    # The head whose output is the product's score.
    score_head: str = "scut"
    # Face-ResNet only: the heads are kernel ridges over this many stored feature rows
    # (`ml.models.heads`) instead of linear layers; 0 keeps the linear heads.
    kernel_support: int = 0
    # Face-ResNet only: the heads read this many principal components of the network's last
    # map (256 x 2 x 2, before dlib's pooling and embedding; fitted on the training faces by
    # `ml.training.fit_face_kernel`) instead of the 128-d embedding; 0 reads the embedding.
    map_components: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "heads", tuple(self.heads))
        if architecture(self.backbone).name == SEED_CNN:
            raise ValueError(f"{SEED_CNN} has one output and no regressor settings")
        if self.map_components and self.backbone != FACE_RESNET:
            raise ValueError(f"map_components is for the {FACE_RESNET} backbone, not {self.backbone}")
        if not 0 <= self.map_components <= FaceResNet.map_size:
            raise ValueError(f"map_components must be 0-{FaceResNet.map_size}, not {self.map_components}")
        if self.score_head not in self.heads:
            raise ValueError(f"score head {self.score_head!r} is not one of {self.heads}")


class HeadedRegressor(nn.Module):
    """Pooled features, one linear output per rating panel, one of them selected as `forward`'s
    score, and named stages to look inside.

    A subclass defines `named_stage_modules` (input side first), `prepare` (from the
    normalised [-1, 1] crop to what its first stage takes) and `pool` (last stage -> (N, F)).
    """

    def __init__(self, config: RegressorConfig, features: int | None):
        """`features`: the pooled width the linear heads take; None for a model whose heads are
        its members' (an ensemble)."""
        super().__init__()
        self.config = config
        self.output_index = config.heads.index(config.score_head)
        if features is None:
            return
        self.dropout = nn.Dropout(config.dropout)
        self.regressor = nn.Linear(features, len(config.heads))
        nn.init.zeros_(self.regressor.weight)
        nn.init.constant_(self.regressor.bias, config.score_mean)

    @property
    def heads(self) -> tuple[str, ...]:
        return self.config.heads

    @property
    def selected_head(self) -> str:
        """The rating panel whose score `forward` returns."""
        return self.config.heads[self.output_index]

    def named_stage_modules(self) -> list[tuple[str, nn.Module]]:
        raise NotImplementedError

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def use_head(self, name: str) -> None:
        """Make `forward` return the named head (e.g. "scut" to evaluate on SCUT-FBP5500)."""
        if name not in self.config.heads:
            raise ValueError(f"this model has no {name!r} head; it has {', '.join(self.config.heads)}")
        self.output_index = self.config.heads.index(name)

    def stage_names(self) -> list[str]:
        """Names of the layers whose activations can be looked at, input side first."""
        return [name for name, _ in self.named_stage_modules()]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last stage's map for normalised images (N, 3, H, W)."""
        x = self.prepare(x)
        for _, module in self.named_stage_modules():
            x = module(x)
        return x

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Every head's scores (N, heads) from `forward_features`' map."""
        return self.regressor(self.dropout(self.pool(features)))

    def forward_intermediates(
        self, x: torch.Tensor, leaf: str | None = None
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Every stage's output (input side first) and the selected head's scores, from one pass.

        The output of stage `leaf` is cut from the graph and made a leaf that wants a gradient:
        with frozen weights a backward pass then runs through the layers after it only.
        """
        outputs: dict[str, torch.Tensor] = {}
        x = self.prepare(x)
        for name, module in self.named_stage_modules():
            x = module(x)
            if name == leaf:
                x = x.detach().requires_grad_(True)
            outputs[name] = x
        return outputs, self.forward_head(x)[:, self.output_index]

    # A score is the explained network's share (what `forward_intermediates` returns, averaged
    # with the mirror image when asked) plus the rest, which an ensemble's other members add.
    def explained_share(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)

    def rest_of_score(self, x: torch.Tensor, flip: bool) -> torch.Tensor | float:
        return 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores (N,) of the selected head for normalised images (N, 3, H, W)."""
        return self.forward_head(self.forward_features(x))[:, self.output_index]


def fuse_batch_norm(model: nn.Module) -> nn.Module:
    """Fold every eval-mode batch norm into the convolution before it (same outputs, half the ops).

    A module with its own per-channel scaling after a convolution (dlib's `affine_` layers of
    the face-ResNet) folds it in its `fuse` method, called here too.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for module in list(model.modules()):
        if callable(getattr(module, "fuse", None)):
            module.fuse()
        if isinstance(module, nn.Sequential) and len(module) >= 2:
            conv, bn = module[0], module[1]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                module[0] = fuse_conv_bn_eval(conv, bn)
                module[1] = nn.Identity()
    return model
