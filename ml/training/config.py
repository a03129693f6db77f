"""What a training run is told: `python -m ml train`'s options, one per field (read by the CLI
without loading the training loop), and where aligned crops are cached."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ml.models.registry import SEED_CNN
from ml.models.seed_net import SEED_INPUT_SIZE


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 8
    batch_size: int = 32
    input_size: int = 192
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_epochs: float = 0.5
    # Weight of (1 - Pearson correlation) in the loss, beside the mean squared error:
    # the benchmark's main figure is correlation, which MSE alone optimises only indirectly.
    correlation_weight: float = 0.5
    # Frozen at their ImageNet weights: the high-resolution early layers are generic and
    # are where most of the CPU time of a backward pass goes.
    frozen_stages: tuple[str, ...] = ("stem", "stage1")
    # In-the-wild augmentation (JPEG, colour casts, blur, occlusion, wider pose) on top of
    # the studio set's small jitter.
    wild_augment: bool = True
    # Start from a weights file (e.g. the shipped SCUT model) instead of ImageNet.
    init: str | None = None
    # Weigh each dataset's loss equally within a batch instead of by its share of the faces:
    # the smaller in-the-wild set then gets as much say as the studio set.
    balance_heads: bool = False
    # Distillation: weights files whose mean prediction (each through the head of the set it
    # scores) is blended into the training targets with `teacher_weight`, so one network
    # learns what an ensemble predicts at the cost of one.
    teachers: tuple[str, ...] = ()
    teacher_weight: float = 0.5
    # Validate and keep an exponential moving average of the weights (at most this decay per
    # step, less over the first steps; 0 keeps the weights as they are): on ~1,750 noisy
    # in-the-wild ratings the last steps' weights jump from batch to batch, and their average
    # generalises more steadily. The average spans about 1 / (1 - decay) steps.
    ema_decay: float = 0.0
    seed: int = 0
    threads: int = 2
    # An architecture of `ml.models.registry`, e.g. "seed-cnn": the seed article's network, trained
    # from scratch with plain MSE as that article did, for comparison.
    arch: str = "efficientnet-lite0"
    device: str = "auto"


# The seed article's recipe: its network from scratch on grey 160-pixel faces, plain MSE, nothing frozen.
SEED_BASELINE = dict(arch=SEED_CNN, input_size=SEED_INPUT_SIZE, correlation_weight=0.0, frozen_stages=())


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "beauty-evaluator"
