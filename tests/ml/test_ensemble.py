"""Two networks as one model: weights per head, the explained member, and the weights file."""

import numpy as np
import pytest
import torch

from ml.ensemble import EnsembleNet, choose_head_weights
from ml.model import BeautyNet, RegressorConfig
from ml.weights import load_weights, save_weights

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
    first = pair.members[0].forward_heads(x)
    second = pair.members[1].forward_heads(torch.nn.functional.interpolate(x, size=48, mode="bilinear", antialias=True))
    expected = torch.stack([first[:, 0], 0.6 * first[:, 1] + 0.4 * second[:, 1]], dim=1)
    assert torch.allclose(pair.forward_heads(x), expected, atol=1e-5)
    assert torch.allclose(pair(x), expected[:, 1], atol=1e-5)  # the score head is MEBeauty's
    pair.use_head("scut")
    assert torch.allclose(pair(x), first[:, 0], atol=1e-5)
    assert all(m.output_index == 0 for m in pair.members)


def test_the_first_member_is_looked_inside_and_the_score_is_the_ensembles(pair):
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    outputs, raw = pair.forward_stages(x, leaf="stage6")
    assert list(outputs) == pair.members[0].stage_names() == pair.stage_names()
    with torch.no_grad():
        assert torch.allclose(raw.detach() + pair.rest_of_score(x, flip=False), pair(x), atol=1e-5)
    # The gradient at the leaf is the first member's, scaled by its weight in the score.
    (gradient,) = torch.autograd.grad(raw.sum(), outputs["stage6"])
    alone, own = pair.members[0].forward_stages(x, leaf="stage6")
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
        assert torch.allclose(loaded.forward_heads(x), pair.forward_heads(x), atol=0.02)  # half precision


def test_members_must_share_heads_and_have_a_weight_in_each():
    other = BeautyNet(RegressorConfig(heads=("scut",), score_head="scut"))
    with pytest.raises(ValueError, match="same heads"):
        EnsembleNet([member(0), other], [64, 64], {"scut": [1, 0], "mebeauty": [1, 0]})
    with pytest.raises(ValueError, match="member weights"):
        EnsembleNet([member(0), member(1)], [64, 64], {"scut": [1, 0]})


def test_head_weights_follow_what_predicts_the_validation_ratings():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=200)
    noisy = truth + rng.normal(size=200)
    assert choose_head_weights([noisy, truth], truth)[0] == [0.0, 1.0]
    assert choose_head_weights([truth, rng.normal(size=200)], truth)[0] == [1.0, 0.0]
    # Two members with independent errors of the same size: an even mix beats either.
    other = truth + rng.normal(size=200)
    weights, pc = choose_head_weights([noisy, other], truth)
    assert 0.3 <= weights[1] <= 0.7 and pc > np.corrcoef(noisy, truth)[0, 1]


def test_a_member_left_unmirrored_scores_the_face_alone(pair):
    from ml import preprocess

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
