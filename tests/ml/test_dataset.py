import pytest

from ml.training.dataset import load_split
from ml.training.metrics import metrics_by_subset, regression_metrics
from tests import datasets

DATA = datasets.folder("scut-fbp5500")
ME_DATA = datasets.folder("mebeauty")


def test_metrics_match_their_definitions():
    m = regression_metrics([1.0, 2.0, 3.0], [1.5, 2.0, 2.5])
    assert m["pc"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(1 / 3)
    assert m["rmse"] == pytest.approx((0.5 / 3) ** 0.5)


def test_metrics_are_split_by_subset():
    result = metrics_by_subset(["AF1.jpg", "AF2.jpg", "CM1.jpg", "CM2.jpg"], [1, 2, 3, 4], [1, 2, 4, 3])
    assert set(result) == {"overall", "AF", "CM"}
    assert result["AF"]["mae"] == 0 and result["CM"]["mae"] == 1


@pytest.mark.dataset("scut-fbp5500")
def test_shipped_weights_score_a_few_test_photos_near_their_ratings():
    from ml.inference import faces
    from ml.inference.predictor import Predictor

    predictor = Predictor(device="cpu", head="scut")  # SCUT-FBP5500's own panel
    _, test = load_split(DATA)
    samples = test[::200]
    results = predictor.score_images([faces.load_image(DATA / "Images" / s.name) for s in samples])
    errors = [abs(r.faces[0].score - s.score) for r, s in zip(results, samples)]
    assert sum(errors) / len(errors) < 0.35
    assert regression_metrics([r.faces[0].score for r in results], [s.score for s in samples])["pc"] > 0.8


@pytest.mark.dataset("mebeauty")
def test_shipped_weights_score_in_the_wild_val_photos_with_the_product_head(predictor):
    from ml.inference import faces
    from ml.training import mebeauty

    samples = mebeauty.load_list(ME_DATA, "val")[::8]
    results = predictor.score_images([faces.load_image(mebeauty.image_path(ME_DATA, s.name)) for s in samples])
    predicted = [r.faces[0].score for r in results]
    assert predictor.head == mebeauty.NAME
    figures = regression_metrics(predicted, [s.score for s in samples])
    assert figures["pc"] > 0.55 and figures["mae"] < 0.5
