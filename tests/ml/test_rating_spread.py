"""How a panel would split: the distribution, its band and its measures, on data made here."""

import numpy as np
import pytest
import torch

from ml.inference.rating_band import band, panel_counts, share_inside
from ml.inference.rating_spread import STEPS, RatingSpread, earth_movers_distance, rounded_normal
from ml.training.fit_spread import histogram, measure

SPREAD = RatingSpread(poly=(-0.08, 0.8, 0.0), scale=0.9, offset=0.4)


@pytest.mark.parametrize("score", [1.0, 1.7, 3.0, 4.2, 5.0])
def test_a_distribution_sums_to_one_and_its_mean_is_the_score_on_the_raters_scale(score):
    distribution = SPREAD.distributions([score])[0]
    assert float(distribution.sum()) == pytest.approx(1.0)
    assert float(distribution @ STEPS) == pytest.approx(2 * score, abs=1e-6)
    assert (distribution >= 0).all()


def test_faces_scored_near_the_middle_split_a_panel_more_than_faces_at_an_end():
    middle, end = SPREAD.distributions([3.0, 4.8])

    def sd(p):
        return float((p @ STEPS**2 - (p @ STEPS) ** 2).sqrt())

    assert sd(middle) > sd(end)


def test_the_band_holds_its_share_of_ratings_drawn_from_the_distribution():
    distribution = SPREAD.distributions([3.1])[0].numpy()
    ratings = np.random.default_rng(0).choice(np.arange(1, 11), size=20000, p=distribution / distribution.sum())
    low, high = band(distribution)
    assert 1 <= low < 2 * 3.1 < high <= 10
    assert share_inside(ratings, low, high) == pytest.approx(0.8, abs=0.01)
    half_low, half_high = band(distribution, 0.5)
    assert low < half_low < half_high < high


def test_a_panel_of_25_is_whole_people_summing_to_25():
    distribution = SPREAD.distributions([2.6])[0].tolist()
    counts = panel_counts(distribution, 25)
    assert sum(counts) == 25 and all(c >= 0 for c in counts)
    assert np.abs(np.array(counts) - 25 * np.array(distribution)).max() <= 1


@pytest.mark.parametrize("score", [1.2, 2.05, 2.78, 3.08, 3.46, 3.61, 3.7, 4.4])
def test_a_panel_of_25_averages_to_the_score_as_nearly_as_whole_people_can(score):
    """The page draws the panel beside the score: 25 people's ratings (1-10, halved) move in
    steps of 0.02, so their mean is within 0.01 of the score, never the 0.07 that rounding each
    count alone left (3.61 drawn as a panel averaging 3.68)."""
    distribution = SPREAD.distributions([score])[0].numpy()
    steps = np.arange(1, 11)
    counts = np.array(panel_counts(distribution.tolist(), 25))
    assert counts.sum() == 25 and (counts >= 0).all()
    assert abs(counts @ steps / 25 / 2 - distribution @ steps / 2) <= 0.01 + 1e-9
    assert np.abs(counts - 25 * distribution).max() < 1.5  # still the distribution's shape


def test_a_fractional_rating_is_split_between_its_neighbouring_steps():
    assert histogram([7.5, 3]).tolist() == pytest.approx([0, 0, 0.5, 0, 0, 0, 0.25, 0.25, 0, 0])


def test_emd_is_zero_for_the_truth_and_grows_with_the_distance_moved():
    truth = rounded_normal(torch.tensor([5.0], dtype=torch.float64), torch.tensor([1.5], dtype=torch.float64))
    near = rounded_normal(torch.tensor([5.5], dtype=torch.float64), torch.tensor([1.5], dtype=torch.float64))
    far = rounded_normal(torch.tensor([7.0], dtype=torch.float64), torch.tensor([1.5], dtype=torch.float64))
    assert earth_movers_distance(truth, truth) == 0
    assert 0 < earth_movers_distance(near, truth) < earth_movers_distance(far, truth)


def test_measure_beats_the_average_distribution_when_scores_know_the_photos():
    rng = np.random.default_rng(1)
    scores = rng.uniform(1.5, 4.5, size=60)
    panels = [SPREAD.distributions([s])[0].numpy() for s in scores]
    ratings = [rng.choice(np.arange(1, 11), size=40, p=p / p.sum()).tolist() for p in panels]
    average = torch.as_tensor(np.stack([histogram(r) for r in ratings])).mean(0)
    figures = measure(SPREAD, scores, ratings, average)
    assert figures["emd"] < figures["emd_of_average_distribution"]
    assert figures["band_coverage"] == pytest.approx(0.8, abs=0.04)
    assert figures["sd_pc"] > 0


def test_the_shipped_weights_give_each_face_a_distribution_whose_mean_is_its_score(predictor, astronaut):
    face = predictor.score_image(astronaut).faces[0]
    assert len(face.distribution) == 10
    assert sum(face.distribution) == pytest.approx(1, abs=1e-3)
    assert float(np.dot(face.distribution, np.arange(1, 11))) == pytest.approx(2 * face.score, abs=0.01)
    fitted = predictor.metadata["metrics"]["mebeauty-distribution"]["val"]
    assert fitted["emd"] < fitted["emd_of_average_distribution"]
