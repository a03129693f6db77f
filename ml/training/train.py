"""Fine-tune BeautyNet jointly on SCUT-FBP5500 and MEBeauty, one output head per dataset.

Each epoch is judged on validation data only: a tenth of SCUT's train list carved out by
name, and MEBeauty's official val list. The test lists are never read here.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import time
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel
from tqdm import tqdm

from ml.inference.predictor import resolve_device
from ml.models import preprocess
from ml.models.ensemble import EnsembleNet
from ml.models.registry import FACE_RESNET, SEED_CNN, build_network
from ml.models.regressor import HeadedRegressor, RegressorConfig
from ml.models.weights import architecture_of, load_weights, save_weights
from ml.training import augment, mebeauty
from ml.training.config import TrainConfig
from ml.training.dataset import CropCache, Sample, load_split
from ml.training.dlib_weights import load_dlib_backbone
from ml.training.imagenet import load_imagenet_backbone
from ml.training.metrics import regression_metrics

log = logging.getLogger(__name__)


# One SCUT training photo in this many (chosen by a hash of its name) is held back for validation.
SCUT_VALIDATION_EVERY = 10


@dataclass
class TrainingSet:
    """One dataset's crops for one output head: uint8 (N, 3, H, W) images and 1-5 targets."""

    head: str
    train_images: torch.Tensor
    train_scores: torch.Tensor
    val_images: torch.Tensor
    val_scores: torch.Tensor


def is_scut_validation(name: str) -> bool:
    return zlib.crc32(name.encode()) % SCUT_VALIDATION_EVERY == 0


def scut_set(data_dir: Path, cache_dir: Path, split: str = "60-40", fold: int | None = None) -> TrainingSet:
    cache = CropCache.build(data_dir, cache_dir)
    train_list, _ = load_split(data_dir, split, fold)
    fit = [s for s in train_list if not is_scut_validation(s.name)]
    held = [s for s in train_list if is_scut_validation(s.name)]
    return TrainingSet("scut", *_stack(cache, fit), *_stack(cache, held))


def mebeauty_set(data_dir: Path, cache_dir: Path) -> TrainingSet:
    cache = mebeauty.crop_cache(data_dir, cache_dir)
    return TrainingSet(
        mebeauty.NAME,
        *_stack(cache, mebeauty.load_list(data_dir, "train")),
        *_stack(cache, mebeauty.load_list(data_dir, "val")),
    )


def build_model(config: TrainConfig, heads: tuple[str, ...], score_mean: float) -> torch.nn.Module:
    if config.arch == SEED_CNN:
        return build_network(SEED_CNN)
    regressor = RegressorConfig(
        backbone=config.arch, score_mean=score_mean, heads=heads, score_head=score_head_of(heads)
    )
    model = build_network(config.arch, asdict(regressor))
    if config.init:
        _load_backbone_and_heads(model, Path(config.init))
    elif config.arch == FACE_RESNET:
        load_dlib_backbone(model)
    else:
        load_imagenet_backbone(model)
    _freeze(model, config.frozen_stages)
    return model


def score_head_of(heads: tuple[str, ...]) -> str:
    """The product's score follows the in-the-wild, multi-ethnic panel when it is trained."""
    return mebeauty.NAME if mebeauty.NAME in heads else heads[0]


def _load_backbone_and_heads(model: HeadedRegressor, path: Path) -> None:
    """Start from trained weights; a head the file lacks starts as a copy of its score head."""
    source, _ = load_weights(path)
    if isinstance(source, EnsembleNet):
        log.info("%s is an ensemble: starting from its explained member", path)
        source = source.members[0]
    if type(source) is not type(model) or source.config.kernel_support or source.config.map_components:
        raise ValueError(
            f"{path} holds a {architecture_of(source)} model with fitted heads or another network; "
            f"it cannot start training a {architecture_of(model)} model"
        )
    state = source.state_dict()
    old_heads = source.config.heads
    rows = [old_heads.index(h) if h in old_heads else source.output_index for h in model.config.heads]
    state["regressor.weight"] = state["regressor.weight"][rows]
    state["regressor.bias"] = state["regressor.bias"][rows]
    model.load_state_dict(state)


def correlation_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    p = predicted - predicted.mean()
    t = target - target.mean()
    return 1 - (p * t).sum() / (p.norm() * t.norm() + 1e-8)


def joint_loss(
    outputs: torch.Tensor, heads: torch.Tensor, target: torch.Tensor, correlation_weight: float, balance: bool = False
):
    """MSE + correlation loss of each head on its own dataset's faces.

    Each head's loss is weighted by its share of the batch, or equally with `balance`.
    """
    total = outputs.new_zeros(())
    present = heads.unique().tolist()
    for head in present:
        rows = heads == head
        predicted, wanted = outputs[rows, head], target[rows]
        loss = torch.nn.functional.mse_loss(predicted, wanted)
        if rows.sum() > 2:
            loss = loss + correlation_weight * correlation_loss(predicted, wanted)
        total = total + loss * (1 / len(present) if balance else rows.float().mean())
    return total


def _stack(cache: CropCache, samples: list[Sample]) -> tuple[torch.Tensor, torch.Tensor]:
    kept = [s for s in samples if cache.get(s.name) is not None]
    if len(kept) < len(samples):
        log.warning("%d of %d photos had no face and are left out", len(samples) - len(kept), len(samples))
    images = torch.from_numpy(np.stack([cache.get(s.name) for s in kept])).permute(0, 3, 1, 2)
    return images, torch.tensor([s.score for s in kept], dtype=torch.float32)


def _freeze(model: HeadedRegressor, stage_names: tuple[str, ...]) -> None:
    if not stage_names:
        return
    for name, module in model.named_stage_modules():
        if name in stage_names:
            module.requires_grad_(False)


def _set_train_mode(model: torch.nn.Module, frozen: tuple[str, ...]) -> None:
    model.train()
    if not frozen:
        return
    for name, module in model.named_stage_modules():
        if name in frozen:
            module.eval()  # keep the ImageNet batch-norm statistics


@torch.no_grad()
def predict_images(
    model: torch.nn.Module, images: torch.Tensor, size: int, batch_size: int = 64, flip: bool = True
) -> np.ndarray:
    """Scores for uint8 (N, 3, H, W) crops, with the flip average used in production (unless not `flip`)."""
    model.eval()
    out = []
    for batch in input_batches(model, images, size, batch_size):
        with torch.inference_mode():
            scores = preprocess.mirror_averaged(model, batch) if flip else model(batch)
        out.append(scores.cpu().numpy())
    return np.concatenate(out)


def input_batches(model: torch.nn.Module, images: torch.Tensor, size: int, batch_size: int = 64):
    """uint8 (N, 3, H, W) crops as the network's normalised input at `size`, batch by batch, on its device."""
    device = next(model.parameters()).device
    for start in range(0, len(images), batch_size):
        batch = preprocess.resize(preprocess.normalise(images[start : start + batch_size].to(device)), size)
        yield batch.contiguous(memory_format=torch.channels_last)


def with_teachers(
    sets: list[TrainingSet], teachers: tuple[str, ...], weight: float, device: torch.device
) -> list[TrainingSet]:
    """Each set's training targets blended with the mean prediction of `teachers` (weights files)."""
    if not teachers:
        return sets
    models = [load_weights(Path(path)) for path in teachers]
    blended = []
    for training_set in sets:
        predictions = []
        for model, metadata in models:
            model.to(device, memory_format=torch.channels_last).use_head(training_set.head)
            predictions.append(predict_images(model, training_set.train_images, metadata["input_size"]))
        taught = torch.from_numpy(np.clip(np.mean(predictions, axis=0), 1, 5)).float()
        agreement = regression_metrics(taught.numpy(), training_set.train_scores.numpy())
        log.info("%s: the teachers against the training ratings: %s", training_set.head, agreement)
        targets = (1 - weight) * training_set.train_scores + weight * taught
        blended.append(replace(training_set, train_scores=targets))
    return blended


def ramped_ema(decay: float):
    """An AveragedModel update (`multi_avg_fn`) whose decay grows with the steps averaged,
    (1 + n) / (10 + n), up to `decay`: a plain moving average would keep decay^n of the first
    steps' weights (a quarter after 1,400 steps at 0.999), taken while the new head still
    predicted about the mean."""

    def update(averages: list[torch.Tensor], currents: list[torch.Tensor], averaged_steps: torch.Tensor) -> None:
        steps = float(averaged_steps)  # once per device and dtype group, not per tensor
        weight = min(decay, (1 + steps) / (10 + steps))
        for average, current in zip(averages, currents):
            if average.is_floating_point():
                average.lerp_(current, 1 - weight)
            else:
                average.copy_(current)  # counters (batch norm's batches seen) are not averaged

    return update


def _lr_at(step: int, total: int, warmup: int, base: float) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * 0.5 * (1 + math.cos(math.pi * progress))


def augmented_batch(images: torch.Tensor, config: TrainConfig, generator: torch.Generator, device) -> torch.Tensor:
    """uint8 crops -> the normalised, augmented training batch."""
    if config.wild_augment:
        images = augment.random_jpeg(images, generator)
    batch = preprocess.normalise(images.to(device))
    if config.wild_augment:
        batch = augment.random_similarity(batch, config.input_size, generator, 15.0, 0.12, 0.06)
        batch = augment.random_colour_cast(augment.random_photometric(batch, generator, 0.2, 0.2), generator)
        batch = augment.random_occlusion(augment.random_blur(batch, generator), generator)
    else:
        batch = augment.random_photometric(augment.random_similarity(batch, config.input_size, generator), generator)
    return batch.contiguous(memory_format=torch.channels_last)


def validate(model: torch.nn.Module, sets: list[TrainingSet], size: int) -> dict[str, dict]:
    # The seed network has one output (SCUT-FBP5500's) and no heads to switch.
    heads = isinstance(model, HeadedRegressor)
    result = {}
    for training_set in sets:
        if heads:
            model.use_head(training_set.head)
        predicted = np.clip(predict_images(model, training_set.val_images, size), 1, 5)
        result[training_set.head] = regression_metrics(predicted, training_set.val_scores.numpy())
    if heads:
        model.use_head(model.config.score_head)
    return result


def train(sets: list[TrainingSet], out_path: Path, config: TrainConfig = TrainConfig()) -> dict:
    """Train on every set at once; keep the epoch with the best mean validation PC.

    Writes weights, history JSON and history plot beside `out_path` after each epoch, so a
    stopped run leaves its best model behind. Returns the kept epoch's validation figures.
    """
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    generator = torch.Generator().manual_seed(config.seed)
    device = resolve_device(config.device)
    sets = with_teachers(sets, config.teachers, config.teacher_weight, device)
    heads = tuple(s.head for s in sets)
    images = torch.cat([s.train_images for s in sets])
    scores = torch.cat([s.train_scores for s in sets])
    head_of = torch.cat([torch.full((len(s.train_scores),), i) for i, s in enumerate(sets)])
    log.info("training on %s", ", ".join(f"{len(s.train_scores)} {s.head}" for s in sets))

    model = build_model(config, heads, float(scores.mean())).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.lr, weight_decay=config.weight_decay
    )
    # With `ema_decay` the averaged copy is what is validated and saved; the model trains on.
    averaged = (
        AveragedModel(model, multi_avg_fn=ramped_ema(config.ema_decay), use_buffers=True) if config.ema_decay else None
    )
    kept = averaged.module if averaged is not None else model
    steps_per_epoch = math.ceil(len(images) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    warmup = int(config.warmup_epochs * steps_per_epoch)

    history: list[dict] = []
    best: dict | None = None
    step = 0
    for epoch in range(1, config.epochs + 1):
        _set_train_mode(model, config.frozen_stages)
        order = torch.randperm(len(images), generator=generator)
        started, losses = time.time(), []
        bar = tqdm(range(0, len(order), config.batch_size), desc=f"epoch {epoch}/{config.epochs}")
        for start in bar:
            index = order[start : start + config.batch_size]
            if len(index) < 2:
                continue
            batch = augmented_batch(images[index], config, generator, device)
            outputs = model.forward_head(model.forward_features(batch))
            loss = joint_loss(
                outputs,
                head_of[index].to(device),
                scores[index].to(device),
                config.correlation_weight,
                config.balance_heads,
            )
            for group in optimizer.param_groups:
                group["lr"] = _lr_at(step, total_steps, warmup, config.lr)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if averaged is not None:
                averaged.update_parameters(model)
            step += 1
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}")
        val = validate(kept, sets, config.input_size)
        history.append(
            {"epoch": epoch, "train_loss": float(np.mean(losses)), "val": val, "seconds": time.time() - started}
        )
        log.info("epoch %d: loss %.4f, validation %s", epoch, history[-1]["train_loss"], val)
        selection = float(np.mean([m["pc"] for m in val.values()]))
        if best is None or selection > best["selection"]:
            best = {"epoch": epoch, "selection": selection, "val": val}
            save_weights(
                copy.deepcopy(kept).cpu(),
                out_path,
                input_size=config.input_size,
                extra={"train_config": asdict(config), "selected_epoch": epoch, "val_metrics": val},
            )
        _write_history(out_path, history)
    return best


def _write_history(out_path: Path, history: list[dict]) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.with_suffix(".history.json").write_text(json.dumps(history, indent=1))
    plot_history(history, out_path.with_suffix(".history.png"))


def plot_history(history: list[dict], path: Path) -> None:
    """Training loss and test PC per epoch, side by side, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [h["train_loss"] for h in history], marker="o")
    left.set(title="training loss", xlabel="epoch")
    for head in history[0]["val"]:
        right.plot(epochs, [h["val"][head]["pc"] for h in history], marker="o", label=head)
    right.set(title="validation Pearson correlation", xlabel="epoch")
    right.legend()
    for axis in (left, right):
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
