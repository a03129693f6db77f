"""How far raters agree (`python -m ml agreement`), computed on synthetic ratings whose answers are known."""

import json
import math

import numpy as np
import pytest

from ml.inference.agreement import agreement, model_error
from ml.training.agreement import listed_ratings, people_like_model, rater_agreement, spearman_brown

PHOTOS, RATERS = 600, 30


def synthetic(truth_sd: float, rater_sd: float, seed: int = 1) -> dict[str, list[float]]:
    """Photos whose raters give a true mean plus independent noise."""
    rng = np.random.default_rng(seed)
    means = rng.normal(5.5, truth_sd, PHOTOS)
    return {f"p{i}.jpg": list(mean + rng.normal(0, rater_sd, RATERS)) for i, mean in enumerate(means)}


def expected_mean_of_k(truth_sd: float, rater_sd: float, k: int, rest: int) -> float:
    """Classical test theory: the correlation of a k-rater mean with a disjoint rest-rater mean."""
    truth = truth_sd**2
    return truth / math.sqrt((truth + rater_sd**2 / k) * (truth + rater_sd**2 / rest))


def test_the_figures_match_what_the_ratings_were_made_with():
    figures = rater_agreement(synthetic(1.0, 1.5), draws=5)
    rest = RATERS - 10  # the curve's rest of panel: every rater past the curve's last k
    for k in (1, 3, 5):
        assert figures["mean_of_k_vs_rest"][str(k)] == pytest.approx(expected_mean_of_k(1.0, 1.5, k, rest), abs=0.03)
    assert figures["one_rater_vs_rest"] == figures["mean_of_k_vs_rest"]["1"]
    assert figures["mean_of_three_vs_rest"] == figures["mean_of_k_vs_rest"]["3"]
    half = expected_mean_of_k(1.0, 1.5, RATERS // 2, RATERS // 2)
    assert figures["split_half"]["halves_pc"] == pytest.approx(half, abs=0.02)
    assert figures["split_half"]["spearman_brown"] == pytest.approx(2 * half / (1 + half), abs=0.02)
    curve = [figures["mean_of_k_vs_rest"][str(k)] for k in range(1, 11)]
    assert curve == sorted(curve)  # more raters, closer to the rest of the panel
    assert (figures["photos"], figures["ratings"]) == (PHOTOS, PHOTOS * RATERS)


def test_raters_who_agree_perfectly_correlate_at_one_and_noise_alone_at_nothing():
    same = {name: [values[0]] * RATERS for name, values in synthetic(1.0, 1.0).items()}
    assert rater_agreement(same, draws=2)["one_rater_vs_rest"] == pytest.approx(1.0)
    noise = rater_agreement(synthetic(0.0001, 1.0), draws=3)
    assert abs(noise["one_rater_vs_rest"]) < 0.1 and abs(noise["split_half"]["halves_pc"]) < 0.1


def test_spearman_brown_and_the_people_a_model_is_worth():
    assert spearman_brown(0.5) == pytest.approx(2 / 3) and spearman_brown(1.0) == 1.0
    curve = {"1": 0.5, "2": 0.62, "3": 0.7, "4": 0.75}
    assert people_like_model(curve, 0.7) == 3 and people_like_model(curve, 0.71) == 4
    assert people_like_model(curve, 0.3) == 1 and people_like_model(curve, 0.9) is None


def test_only_the_train_and_val_lists_photos_count(tmp_path):
    (tmp_path / "train.txt").write_text("a.jpg 5.0\n")
    (tmp_path / "val.txt").write_text("b.jpg 6.0\n")
    ratings = {"a.jpg": [5.0], "b.jpg": [6.0], "held-out-test.jpg": [7.0]}
    assert listed_ratings(ratings, tmp_path) == {"a.jpg": [5.0], "b.jpg": [6.0]}


def test_the_shipped_figures_are_read_by_the_web_side_and_name_the_served_model(tmp_path):
    from ml.models.weights import DEFAULT_WEIGHTS

    figures = agreement()
    assert figures is not None and figures["model"]["list"] == "mebeauty-val"
    assert 0 < figures["one_rater_vs_rest"] < figures["mean_of_three_vs_rest"] < figures["split_half"]["spearman_brown"]
    assert model_error() == figures["model"]["rmse"]
    import torch

    payload = torch.load(DEFAULT_WEIGHTS, map_location="cpu", weights_only=True)
    assert figures["model"]["model_version"] == payload["metrics"]["mebeauty-val"]["model_version"]
    missing = tmp_path / "none.json"
    assert agreement(missing) is None and model_error(missing) is None
    written = tmp_path / "figures.json"
    written.write_text(json.dumps({"model": {"rmse": 0.5}}))
    assert model_error(written) == 0.5
