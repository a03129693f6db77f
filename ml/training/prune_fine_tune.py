"""The pruned network's short fine-tune and the accuracy figures prune-bench reports (training side).

The fine-tune (CPU time is scarce): the pruned member's body is frozen and its last stage's maps
of the training faces and their mirror images are computed once; on them, the head's batch-norm
scale and shift and the linear outputs train for `FINE_TUNE_STEPS` steps, with the training
recipe's loss (MSE + 0.5 x (1 - PC) per head) and targets (half the raters' mean, half the
unpruned network's prediction). The checkpoint kept is the one with the best mean validation PC
of the two heads (SCUT's held-back tenth of the train list, MEBeauty val); no test list is read
to choose. `evaluation_lists` are the lists `python -m ml evaluate` reports (SCUT 60/40 test, MEBeauty val).
"""

from __future__ import annotations

import copy
import logging
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ml.models.efficientnet_lite import BeautyNet
from ml.models.preprocess import mirrored, to_score_range
from ml.models.regressor import fuse_batch_norm
from ml.training import mebeauty
from ml.training.dataset import CropCache, load_split
from ml.training.metrics import regression_metrics
from ml.training.train import TrainingSet, input_batches, joint_loss

log = logging.getLogger(__name__)

FINE_TUNE_STEPS = 300
CHECK_EVERY = 100
FINE_TUNE_BATCH = 64
FINE_TUNE_LR = 3e-4
TEACHER_WEIGHT = 0.5  # the recipe's: half the raters' mean, half the unpruned network's prediction
CORRELATION_WEIGHT = 0.5


def batch_norm_fused(model: nn.Module) -> nn.Module:
    return fuse_batch_norm(copy.deepcopy(model)).eval().to(memory_format=torch.channels_last)


def _stacked(cache: CropCache, samples) -> tuple[torch.Tensor, torch.Tensor]:
    kept = [s for s in samples if cache.get(s.name) is not None]
    images = torch.from_numpy(np.stack([cache.get(s.name) for s in kept])).permute(0, 3, 1, 2)
    return images, torch.tensor([s.score for s in kept])


def evaluation_lists(
    scut_dir: Path, mebeauty_dir: Path, cache_dir: Path
) -> dict[str, tuple[str, torch.Tensor, torch.Tensor]]:
    """{list: (head, uint8 crops, ratings)} of the lists `python -m ml evaluate` reports."""
    _, scut_test = load_split(scut_dir, "60-40")
    return {
        "scut-60-40": ("scut", *_stacked(CropCache.build(scut_dir, cache_dir), scut_test)),
        "mebeauty-val": (
            mebeauty.NAME,
            *_stacked(mebeauty.crop_cache(mebeauty_dir, cache_dir), mebeauty.load_list(mebeauty_dir, "val")),
        ),
    }


def as_tuple(training_set: TrainingSet) -> tuple[torch.Tensor, ...]:
    return (training_set.train_images, training_set.train_scores, training_set.val_images, training_set.val_scores)


def _body(model: BeautyNet) -> list[nn.Module]:
    return [module for name, module in model.named_stage_modules() if name != "head"]


@torch.no_grad()
def last_stage_maps(model: BeautyNet, images: torch.Tensor, size: int, dtype=torch.float32) -> torch.Tensor:
    """The last stage's output (before the head) for every crop and then every mirror image: (2N, C, h, w)."""
    fused = batch_norm_fused(model)
    maps = []
    for flip in (False, True):
        for batch in input_batches(fused, images, size):
            x = mirrored(batch) if flip else batch
            with torch.inference_mode():
                for module in _body(fused):
                    x = module(x)
            maps.append(x.to(dtype).contiguous())
    return torch.cat(maps)


def head_outputs(model: BeautyNet, maps: torch.Tensor, batch: int = 256) -> torch.Tensor:
    """Every head's outputs (2N, heads) from last-stage maps, in eval mode."""
    out = []
    for start in range(0, len(maps), batch):
        x = maps[start : start + batch].float()
        out.append(model.forward_head(model.head(x)))
    return torch.cat(out)


def mirror_mean(outputs: torch.Tensor) -> torch.Tensor:
    faces_, mirrors = outputs.chunk(2)
    return (faces_ + mirrors) / 2


def head_index(model: BeautyNet, head: str) -> int:
    return model.config.heads.index(head)


def _val_pc(model: BeautyNet, val: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> dict[str, float]:
    with torch.no_grad():
        return {
            head: regression_metrics(
                to_score_range(mirror_mean(head_outputs(model, maps))[:, head_index(model, head)]).numpy(),
                scores.numpy(),
            )["pc"]
            for head, (maps, scores) in val.items()
        }


def fine_tune_head(
    pruned: BeautyNet, sets: list[TrainingSet], size: int, steps: int = FINE_TUNE_STEPS, seed: int = 0
) -> tuple[BeautyNet, dict]:
    """The head's batch norm and the linear outputs trained on the frozen body's maps; the
    checkpoint with the best mean validation PC of the heads is returned with the history."""
    generator = torch.Generator().manual_seed(seed)
    train_maps, targets, head_of = [], [], []
    val: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    for training_set in sets:
        maps = last_stage_maps(pruned, training_set.train_images, size, torch.float16)
        index = head_index(pruned, training_set.head)
        with torch.no_grad():
            own = mirror_mean(head_outputs(pruned, maps))[:, index]
        target = (1 - TEACHER_WEIGHT) * training_set.train_scores + TEACHER_WEIGHT * own
        train_maps.append(maps)
        targets.append(target.repeat(2))  # a face and its mirror image share the target
        head_of.append(torch.full((len(maps),), index))
        val[training_set.head] = (last_stage_maps(pruned, training_set.val_images, size), training_set.val_scores)
    maps, target, heads = torch.cat(train_maps), torch.cat(targets), torch.cat(head_of)
    tuned = copy.deepcopy(pruned).eval()  # eval: the batch norm keeps its statistics, only its affine trains
    tuned.requires_grad_(False)
    trained = [*tuned.head[1].parameters(), *tuned.regressor.parameters()]
    for parameter in trained:
        parameter.requires_grad_(True)
    optimizer = torch.optim.AdamW(trained, lr=FINE_TUNE_LR, weight_decay=1e-4)
    history = [{"step": 0, "val_pc": _val_pc(tuned, val)}]
    best: tuple[float, int, list[torch.Tensor]] | None = None
    order = torch.randperm(len(maps), generator=generator)
    cursor = 0
    for step in range(1, steps + 1):
        if cursor + FINE_TUNE_BATCH > len(order):
            order, cursor = torch.randperm(len(maps), generator=generator), 0
        rows = order[cursor : cursor + FINE_TUNE_BATCH]
        cursor += FINE_TUNE_BATCH
        for group in optimizer.param_groups:  # cosine decay, no warm-up: the start is the trained model
            group["lr"] = FINE_TUNE_LR * 0.5 * (1 + math.cos(math.pi * (step - 1) / steps))
        outputs = tuned.regressor(tuned.pool(tuned.head(maps[rows].float())))
        loss = joint_loss(outputs, heads[rows], target[rows], CORRELATION_WEIGHT)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % CHECK_EVERY == 0 or step == steps:
            pcs = _val_pc(tuned, val)
            history.append({"step": step, "loss": round(loss.item(), 4), "val_pc": pcs})
            selection = float(np.mean(list(pcs.values())))
            if best is None or selection > best[0]:
                best = (selection, step, [p.detach().clone() for p in trained])
            log.info("fine-tune step %d: loss %.4f, validation PC %s", step, loss.item(), pcs)
    assert best is not None
    with torch.no_grad():
        for parameter, value in zip(trained, best[2]):
            parameter.copy_(value)
    tuned.requires_grad_(False)
    return tuned, {"steps": steps, "kept_step": best[1], "history": history}


def _figures(predicted: np.ndarray, target: torch.Tensor) -> dict:
    return {
        k: round(v, 4) if isinstance(v, float) else v for k, v in regression_metrics(predicted, target.numpy()).items()
    }


def accuracy(
    arms: dict[str, dict[str, np.ndarray]],
    face_scores: dict[str, np.ndarray],
    lists: dict,
    head_weights: dict[str, list[float]],
) -> dict:
    """Each arm's Lite0 member alone and the product's score (the shipped mix with the face member), per list."""
    result: dict = {}
    for arm, lite in arms.items():
        result[arm] = {}
        for listed, (head, _, scores) in lists.items():
            weights = head_weights[head]
            total = sum(weights)
            mixed = (weights[0] * lite[listed] + weights[1] * face_scores[listed]) / total
            result[arm][listed] = {
                "lite0": _figures(np.clip(lite[listed], 1, 5), scores),
                "product": _figures(np.clip(mixed, 1, 5), scores),
            }
    return result
