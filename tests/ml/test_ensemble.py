"""Two networks as one model: weights per head, the explained member, and the weights file."""

import numpy as np
import pytest
import torch

from ml.models.efficientnet_lite import BeautyNet
from ml.models.ensemble import EnsembleNet
from ml.models.regressor import RegressorConfig
from ml.models.weights import load_weights, save_weights
from ml.training.fit_ensemble import choose_head_weights

HEADS = ("scut", "mebeauty")


def member(seed: int) -> BeautyNet:
    torch.manual_seed(seed)
    model = BeautyNet(RegressorConfig(heads=HEADS, score_head="mebeauty")).eval()
    with torch.no_grad():
        model.regressor.weight.normal_(0, 0.05)
    return model


@pytest.fixture
def pair() -> EnsembleNet:
    return EnsembleNet([member(0), member(1)], [64, 48], {"scut": [1.0, 0.0], "mebeauty": [0.6, 0.4]}).eval()


@torch.no_grad()
def test_each_head_mixes_the_members_by_its_own_weights(pair):
    x = torch.rand(3, 3, 64, 64) * 2 - 1
    first = pair.members[0].forward_head(pair.members[0].forward_features(x))
    second = pair.members[1].forward_head(
        pair.members[1].forward_features(torch.nn.functional.interpolate(x, size=48, mode="bilinear", antialias=True))
    )
    expected = torch.stack([first[:, 0], 0.6 * first[:, 1] + 0.4 * second[:, 1]], dim=1)
    assert torch.allclose(pair.forward_head(pair.forward_features(x)), expected, atol=1e-5)
    assert torch.allclose(pair(x), expected[:, 1], atol=1e-5)  # the score head is MEBeauty's
    pair.use_head("scut")
    assert torch.allclose(pair(x), first[:, 0], atol=1e-5)
    assert all(m.output_index == 0 for m in pair.members)


def test_the_first_member_is_looked_inside_and_the_score_is_the_ensembles(pair):
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    outputs, raw = pair.forward_intermediates(x, leaf="stage6")
    assert list(outputs) == pair.members[0].stage_names() == pair.stage_names()
    with torch.no_grad():
        assert torch.allclose(raw.detach() + pair.rest_of_score(x, flip=False), pair(x), atol=1e-5)
    # The gradient at the leaf is the first member's, scaled by its weight in the score.
    (gradient,) = torch.autograd.grad(raw.sum(), outputs["stage6"])
    alone, own = pair.members[0].forward_intermediates(x, leaf="stage6")
    (own_gradient,) = torch.autograd.grad(own.sum(), alone["stage6"])
    assert torch.allclose(gradient, 0.6 * own_gradient, atol=1e-6)


def test_an_ensemble_file_rebuilds_the_same_model(pair, tmp_path):
    path = tmp_path / "ensemble.pt"
    version = save_weights(pair, path, input_size=64)
    loaded, metadata = load_weights(path)
    assert version.startswith("ensemble-") and metadata["version"] == version
    assert isinstance(loaded, EnsembleNet) and loaded.input_sizes == [64, 48]
    assert loaded.head_weights == pair.head_weights
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(
            loaded.forward_head(loaded.forward_features(x)), pair.forward_head(pair.forward_features(x)), atol=0.02
        )  # half precision


def test_members_must_share_heads_and_have_a_weight_in_each():
    other = BeautyNet(RegressorConfig(heads=("scut",), score_head="scut"))
    with pytest.raises(ValueError, match="same heads"):
        EnsembleNet([member(0), other], [64, 64], {"scut": [1, 0], "mebeauty": [1, 0]})
    with pytest.raises(ValueError, match="member weights"):
        EnsembleNet([member(0), member(1)], [64, 64], {"scut": [1, 0]})
    with pytest.raises(ValueError, match="explained"):
        EnsembleNet([member(0), member(1)], [64, 64], {"scut": [0, 1], "mebeauty": [1, 1]})


def test_a_mix_that_orders_nothing_is_never_chosen():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=50)
    # The first member alone is constant (its correlation undefined): any share of the second wins.
    weights, pc = choose_head_weights([np.full(50, 3.0), truth + rng.normal(size=50)], truth)
    assert weights[1] > 0 and pc > 0.5


def test_head_weights_follow_what_predicts_the_validation_ratings():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=200)
    noisy = truth + rng.normal(size=200)
    # Never all on the second member: the explained one keeps a share of the score.
    assert choose_head_weights([noisy, truth], truth)[0] == pytest.approx([0.05, 0.95])
    assert choose_head_weights([truth, rng.normal(size=200)], truth)[0] == [1.0, 0.0]
    # Two members with independent errors of the same size: an even mix beats either.
    other = truth + rng.normal(size=200)
    weights, pc = choose_head_weights([noisy, other], truth)
    assert 0.3 <= weights[1] <= 0.7 and pc > np.corrcoef(noisy, truth)[0, 1]


def test_a_member_left_unmirrored_scores_the_face_alone(pair):
    from ml.models import preprocess

    pair.mirrored = [True, False]
    x = torch.rand(3, 3, 64, 64) * 2 - 1
    first, second = pair.members
    small = preprocess.resize(x, 48)
    with torch.no_grad():
        both = 0.6 * (first(x) + first(preprocess.mirrored(x))) / 2 + 0.4 * second(small)
        assert torch.allclose(preprocess.mirror_averaged(pair, x), both, atol=1e-5)
        pair.mirrored = [True, True]
        mirrored_too = 0.6 * (first(x) + first(preprocess.mirrored(x))) / 2
        mirrored_too = mirrored_too + 0.4 * (second(small) + second(preprocess.mirrored(small))) / 2
        assert torch.allclose(preprocess.mirror_averaged(pair, x), mirrored_too, atol=1e-5)


@pytest.mark.parametrize("faces", [1, 3, 20])  # joint passes, separate passes, beyond both limits
def test_the_shipped_scores_are_the_mix_the_file_states(predictor, astronaut, faces):
    """Every scoring path gives w1 x Lite0 averaged with the mirror + w2 x the face member on the face alone."""
    from ml.inference import faces as face_finding
    from ml.models import preprocess
    from ml.models.alignment import CROP_SIZE

    model = predictor.model
    assert isinstance(model, EnsembleNet) and model.mirrored == [True, False]
    crop = face_finding.faces_and_crops(astronaut, CROP_SIZE)[1][0]
    crops = [np.ascontiguousarray(np.roll(crop, shift, axis=1)) for shift in range(faces)]
    lite, face = model.members
    weights = model.head_weights[predictor.head]
    batch = predictor.tensor(crops)
    with torch.inference_mode():
        small = preprocess.resize(batch, model.input_sizes[0])
        lite_score = (lite(small) + lite(preprocess.mirrored(small))) / 2
        expected = weights[0] * lite_score + weights[1] * face(preprocess.resize(batch, model.input_sizes[1]))
    expected = preprocess.to_score_range(expected / sum(weights)).tolist()
    assert predictor.score_crops(crops) == pytest.approx(expected, abs=1e-4)
    explained = [score for score, _ in predictor.score_and_explain_crops(crops)]
    assert explained == pytest.approx(expected, abs=1e-4)
