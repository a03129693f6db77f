"""`python -m ml fit-spread`: fit how wide a panel's ratings spread around a score, from MEBeauty's single ratings.

The model's own scores of the training photos (not their true means: in use only the score is
known) set the width function; the validation list is only measured, and the figures go into
the weights file beside the fitted parameters.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from ml.inference.predictor import Predictor
from ml.inference.rating_band import SCALE_FACTOR, band, share_inside
from ml.inference.rating_spread import STEPS, RatingSpread, earth_movers_distance
from ml.training import mebeauty
from ml.training.config import default_cache_dir
from ml.training.dataset import CropCache

SCALES = np.arange(0.6, 1.81, 0.05)
OFFSETS = np.arange(-0.6, 0.81, 0.05)


def read_ratings(data_dir: Path) -> dict[str, list[float]]:
    """Every single rating (1-10) of each photo in `ratings.csv`."""
    ratings: dict[str, list[float]] = defaultdict(list)
    with open(data_dir / "ratings.csv", newline="") as rows:
        for row in csv.DictReader(rows):
            ratings[row["image"]].append(float(row["rating"]))
    return dict(ratings)


def histogram(ratings: list[float]) -> np.ndarray:
    """Share of ratings at each step 1..10; a fractional rating (about 2 % are, e.g. 7.5, a rater's
    mean of repeats) is split between its two neighbouring steps."""
    positions = np.asarray(ratings, dtype=np.float64) - 1
    lower = np.floor(positions).astype(int)
    upper_share = positions - lower
    counts = np.bincount(lower, weights=1 - upper_share, minlength=10)[:10]
    counts += np.bincount(np.minimum(lower + 1, 9), weights=upper_share, minlength=10)[:10]
    return counts / counts.sum()


def _scores(predictor: Predictor, cache: CropCache, names: list[str]) -> np.ndarray:
    return np.asarray(predictor.score_crops([cache.get(name) for name in names]))


def measure(spread: RatingSpread, scores: np.ndarray, ratings: list[list[float]], average: torch.Tensor) -> dict:
    """EMD (and that of the training photos' `average` distribution given to every photo), the
    spread's correlation with the raters' and the band's coverage of these photos' ratings."""
    predicted = spread.distributions(scores)
    true = torch.as_tensor(np.stack([histogram(r) for r in ratings]))
    averaged = average[None, :].expand_as(true)
    predicted_sd = (predicted @ STEPS**2 - (predicted @ STEPS) ** 2).sqrt().numpy()
    true_sd = np.array([np.std(r) for r in ratings])
    bands = [band(p) for p in predicted.tolist()]
    inside = sum(share_inside(r, *b) * len(r) for r, b in zip(ratings, bands))
    return {
        "photos": len(ratings),
        "ratings": sum(map(len, ratings)),
        "emd": round(earth_movers_distance(predicted, true), 4),
        "emd_of_average_distribution": round(earth_movers_distance(averaged, true), 4),
        "sd_pc": round(float(np.corrcoef(predicted_sd, true_sd)[0, 1]), 3),
        "band_share": 0.8,
        "band_coverage": round(inside / sum(map(len, ratings)), 4),
        "band_mean_width": round(float(np.mean([high - low for low, high in bands])), 2),
    }


def fit_spread(data_dir: Path, weights: Path, device: str = "auto") -> dict:
    """Fit the width function on the train list, measure val, store both in the weights file."""
    ratings = read_ratings(data_dir)
    names = {which: [s.name for s in mebeauty.load_list(data_dir, which)] for which in ("train", "val")}
    predictor = Predictor(weights, device=device, head=mebeauty.NAME)
    cache = mebeauty.crop_cache(data_dir, default_cache_dir())  # read once: a few hundred MB
    scores = {which: _scores(predictor, cache, names[which]) for which in names}
    train_ratings = [ratings[name] for name in names["train"]]
    # The width's shape: the raters' spread of a training photo against the model's score of it.
    poly = np.polyfit(scores["train"] * SCALE_FACTOR, [np.std(r) for r in train_ratings], 2)
    true = torch.as_tensor(np.stack([histogram(r) for r in train_ratings]))

    def train_emd(scale_offset: tuple[float, float]) -> float:
        spread = RatingSpread(tuple(poly.tolist()), *map(float, scale_offset))
        return earth_movers_distance(spread.distributions(scores["train"]), true)

    scale, offset = min(itertools.product(SCALES, OFFSETS), key=train_emd)
    spread = RatingSpread(tuple(round(c, 6) for c in poly.tolist()), round(float(scale), 3), round(float(offset), 3))
    average = true.mean(0)
    figures = {which: measure(spread, scores[which], [ratings[n] for n in names[which]], average) for which in names}
    payload = torch.load(weights, map_location="cpu", weights_only=True)
    payload["rating_spread"] = spread.to_dict()
    payload.setdefault("metrics", {})["mebeauty-distribution"] = figures
    torch.save(payload, weights)
    return {"rating_spread": spread.to_dict(), **figures}
