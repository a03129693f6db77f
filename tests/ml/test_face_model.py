"""The face-ResNet member: where its chip lies in our crop, its input scaling, its kernel heads."""

import numpy as np
import pytest
import torch

from ml.face_model import DLIB_CHIP_PADDING, DLIB_MEAN_FACE, FaceBeautyNet, chip_window
from ml.face_resnet import DLIB_INPUT_SIZE, DLIB_MEAN_RGB
from ml.faces import TEMPLATE
from ml.kernel_ridge import KernelRidgeHeads, fit
from ml.model import FACE_RESNET, RegressorConfig
from ml.weights import load_weights, save_weights

HEADS = ("scut", "mebeauty")


def test_our_landmarks_land_where_dlibs_mean_face_has_them_in_the_chip():
    left, top, side = chip_window()
    in_chip = (TEMPLATE - [left, top]) / side * DLIB_INPUT_SIZE
    dlib_chip = (DLIB_CHIP_PADDING + DLIB_MEAN_FACE) / (1 + 2 * DLIB_CHIP_PADDING) * DLIB_INPUT_SIZE
    # Two different five-point templates: the best similarity between them, not an exact match.
    assert np.abs(in_chip - dlib_chip).max() < 3.0
    # The chip lies inside the crop: no border pixels are made up.
    assert left > 0 and top > 0 and left + side < 1 and top + side < 1


def test_the_chip_is_scaled_as_dlib_scales_pixels():
    model = FaceBeautyNet(RegressorConfig(backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty"))
    grey = 200
    crop = torch.full((1, 3, 224, 224), grey / 255 * 2 - 1)  # the crop as the network input scales it
    chip = model.prepare(crop)
    assert chip.shape == (1, 3, DLIB_INPUT_SIZE, DLIB_INPUT_SIZE)
    expected = (grey - torch.tensor(DLIB_MEAN_RGB)) / 256
    assert torch.allclose(chip[0, :, 75, 75], expected, atol=1e-5)
    # Any input size frames the same part of the face.
    sizes = [model.prepare(torch.nn.functional.interpolate(crop, size=s)).shape for s in (192, 256)]
    assert sizes == [chip.shape, chip.shape]


def test_kernel_heads_travel_in_the_weights_file(tmp_path):
    rng = np.random.default_rng(0)
    fits = [fit(rng.normal(size=(n, 128)), rng.normal(size=n) + 3, gamma=0.01, alpha=1.0) for n in (20, 30)]
    config = RegressorConfig(backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty", kernel_support=50)
    model = FaceBeautyNet(config).eval()
    model.regressor = KernelRidgeHeads.from_fits(fits)
    path = tmp_path / "face.pt"
    save_weights(model, path, input_size=224)
    loaded, metadata = load_weights(path)
    assert metadata["arch"] == FACE_RESNET and metadata["regressor"]["kernel_support"] == 50
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(loaded.forward_heads(x), model.forward_heads(x), atol=0.01)
        assert loaded(x) == pytest.approx(model.forward_heads(x)[:, 1], abs=0.01)


def test_folding_the_affine_layers_keeps_the_outputs():
    import copy

    from ml.model import fuse_batch_norm

    torch.manual_seed(0)
    model = FaceBeautyNet(RegressorConfig(backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty")).eval()
    with torch.no_grad():
        for name, parameter in model.network.named_parameters():
            if "affine" in name:
                parameter.uniform_(0.5, 1.5) if name.endswith("weight") else parameter.uniform_(-0.2, 0.2)
        model.regressor.weight.normal_(0, 1)
    fused = fuse_batch_norm(copy.deepcopy(model))
    assert not any("affine" in name and "weight" in name for name, _ in fused.named_parameters())
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(fused.forward_heads(x), model.forward_heads(x), atol=1e-4)


def test_the_face_network_fine_tunes_from_a_weights_file_and_joins_an_ensemble(tmp_path):
    from ml.combine import combine
    from ml.ensemble import EnsembleNet
    from ml.model import BeautyNet
    from ml.train import TrainConfig, train
    from tests.ml.test_joint_training import _fake_set

    generator = torch.Generator().manual_seed(0)
    sets = [_fake_set("scut", 8, generator), _fake_set("mebeauty", 8, generator)]
    start, tuned, lite, mixed_path = (tmp_path / name for name in ("start.pt", "face.pt", "lite.pt", "mix.pt"))
    save_weights(FaceBeautyNet(RegressorConfig(backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty")), start, 64)
    config = TrainConfig(epochs=1, batch_size=4, input_size=64, threads=1, arch=FACE_RESNET, init=str(start))
    train(sets, tuned, config)
    assert load_weights(tuned)[1]["arch"] == FACE_RESNET
    explained = BeautyNet(RegressorConfig(heads=HEADS, score_head="mebeauty"))
    with torch.no_grad():
        explained.regressor.weight.normal_(0, 0.05)
    save_weights(explained, lite, 64)
    result = combine([lite, tuned], sets, mixed_path)
    mixed, metadata = load_weights(mixed_path)
    assert isinstance(mixed, EnsembleNet) and metadata["arch"] == "ensemble"
    assert mixed.head_weights == result["head_weights"] and set(result["head_weights"]) == set(HEADS)
    assert mixed.mirrored == [True, False] and mixed.stage_names() == explained.stage_names()
