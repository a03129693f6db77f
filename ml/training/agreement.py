"""`python -m ml agreement`: how far MEBeauty's raters agree with each other, and the model beside them.

From the single ratings of the train and val lists' photos (never the test list), over random
draws of raters:
- the mean of k raters of a photo against the mean of its other raters (k = 1: one person
  against the rest of the panel), correlated over photos;
- the panel's split-half reliability: each photo's raters split at random into two halves, the
  halves' means correlated, stepped up to the whole panel by Spearman-Brown (2r / (1 + r));
- the model's PC on the val list (from the weights file), and the smallest k whose mean agrees
  with the rest of the panel at least as well: "the model agrees with a panel about as well as
  the mean of k people".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.inference.agreement import write_agreement
from ml.training.dataset import read_list

MOST_RATERS = 10  # the k curve goes to this many raters ...
# ... against at least this many others: the curve counts only photos with MOST_RATERS + REST_RATERS
# ratings, so every k meets a rest of panel as large (a shrinking rest would bend the curve down).
REST_RATERS = 10
DRAWS = 20


def _correlation(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.corrcoef(first, second)[0, 1])


def spearman_brown(half_correlation: float) -> float:
    """The reliability of the whole panel's mean from the correlation of its two halves' means."""
    return 2 * half_correlation / (1 + half_correlation)


def rater_agreement(
    ratings: dict[str, list[float]],
    *,
    most_raters: int = MOST_RATERS,
    rest_raters: int = REST_RATERS,
    draws: int = DRAWS,
    seed: int = 0,
) -> dict:
    """The k-raters curve and the split-half reliability of these photos' ratings (1-10)."""
    rng = np.random.default_rng(seed)
    panels = [np.asarray(values, dtype=np.float64) for _, values in sorted(ratings.items())]
    curve_panels = [panel for panel in panels if len(panel) >= most_raters + rest_raters]
    half_panels = [panel for panel in panels if len(panel) >= 2]
    curve = np.zeros(most_raters)
    halves = np.zeros(draws)
    for draw in range(draws):
        shuffled = [rng.permutation(panel) for panel in curve_panels]
        for k in range(1, most_raters + 1):
            chosen = np.array([panel[:k].mean() for panel in shuffled])
            rest = np.array([panel[most_raters:].mean() for panel in shuffled])  # the same others for every k
            curve[k - 1] += _correlation(chosen, rest) / draws
        split = [rng.permutation(panel) for panel in half_panels]
        first = np.array([panel[: len(panel) // 2].mean() for panel in split])
        second = np.array([panel[len(panel) // 2 :].mean() for panel in split])
        halves[draw] = _correlation(first, second)
    half = float(halves.mean())
    return {
        "photos": len(panels),
        "ratings": int(sum(len(panel) for panel in panels)),
        "photos_in_curve": len(curve_panels),
        "rest_at_least": rest_raters,
        "draws": draws,
        "seed": seed,
        "mean_of_k_vs_rest": {str(k): round(float(r), 3) for k, r in enumerate(curve, start=1)},
        "one_rater_vs_rest": round(float(curve[0]), 3),
        "mean_of_three_vs_rest": round(float(curve[2]), 3) if most_raters >= 3 else None,
        "split_half": {"halves_pc": round(half, 3), "spearman_brown": round(spearman_brown(half), 3)},
    }


def people_like_model(curve: dict[str, float], model_pc: float) -> int | None:
    """The fewest raters whose mean agrees with the rest of the panel at least as well as the
    model does; None when even the curve's last k agrees less."""
    for k, correlation in sorted(curve.items(), key=lambda item: int(item[0])):
        if correlation >= model_pc:
            return int(k)
    return None


def listed_ratings(ratings: dict[str, list[float]], data_dir: Path) -> dict[str, list[float]]:
    """The ratings of the photos on the train and val lists only (the test list is held out)."""
    listed = {sample.name for name in ("train.txt", "val.txt") for sample in read_list(data_dir / name)}
    return {image: values for image, values in ratings.items() if image in listed}


def model_figures(weights: Path) -> dict:
    """The model's PC, MAE and RMSE (1-5) on MEBeauty's val list, as `ml evaluate --record` stored them."""
    import torch

    payload = torch.load(weights, map_location="cpu", weights_only=True)
    measured = payload["metrics"]["mebeauty-val"]
    overall = measured["overall"]
    return {
        "model_version": measured["model_version"],
        "list": "mebeauty-val",
        "photos": overall["n"],
        "pc": round(overall["pc"], 3),
        "mae": round(overall["mae"], 3),
        "rmse": round(overall["rmse"], 3),
    }


def measure_agreement(data_dir: Path, weights: Path, out: Path) -> dict:
    """Compute every figure, write them beside the weights, and return them."""
    from ml.training.fit_spread import read_ratings

    figures = rater_agreement(listed_ratings(read_ratings(data_dir), data_dir))
    figures["model"] = model_figures(weights)
    figures["model_like_mean_of"] = people_like_model(figures["mean_of_k_vs_rest"], figures["model"]["pc"])
    write_agreement(figures, out)
    return figures
