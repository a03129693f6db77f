"""The face-ResNet member: where its chip lies in our crop, its input scaling, its kernel heads."""

import numpy as np
import pytest
import torch

from ml.inference.faces import TEMPLATE
from ml.models.face_beauty_net import DLIB_CHIP_PADDING, DLIB_MEAN_FACE, FaceBeautyNet, chip_window
from ml.models.face_resnet import DLIB_INPUT_SIZE, DLIB_MEAN_RGB
from ml.models.registry import FACE_RESNET
from ml.models.regressor import RegressorConfig
from ml.models.weights import load_weights, save_weights
from ml.training.fit_face_kernel import fit_face_kernels
from ml.training.kernel_ridge import fit, heads_from_fits

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


def bright_spots(chip: torch.Tensor) -> np.ndarray:
    """(x, y) centres of the bright blobs of a chip's first channel, in chip pixels."""
    from scipy import ndimage

    labels, count = ndimage.label((chip[0, 0] > chip[0, 0].mean() + 0.5).numpy())
    centres = ndimage.center_of_mass(np.ones_like(labels), labels, range(1, count + 1))
    return np.array([centre[::-1] for centre in centres])


@pytest.mark.parametrize("size", [192, 224, 256])
def test_the_chip_shows_our_landmarks_where_dlibs_network_expects_them(size):
    model = FaceBeautyNet(RegressorConfig(backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty"))
    crop = torch.full((1, 3, size, size), -1.0)
    for x, y in TEMPLATE * size:  # a white dot on each of the five landmarks of our template
        crop[..., round(y) - 2 : round(y) + 3, round(x) - 2 : round(x) + 3] = 1.0
    found = bright_spots(model.prepare(crop))
    expected = (DLIB_CHIP_PADDING + DLIB_MEAN_FACE) / (1 + 2 * DLIB_CHIP_PADDING) * DLIB_INPUT_SIZE
    assert len(found) == 5
    distances = np.linalg.norm(found[:, None, :] - expected[None, :, :], axis=2)
    assert distances.min(axis=0).max() < 4.0  # every dlib landmark has one of our dots within 4 px


@pytest.mark.parametrize("map_components", [0, 16])
def test_kernel_heads_travel_in_the_weights_file(tmp_path, map_components):
    rng = np.random.default_rng(0)
    width = map_components or 128
    fits = [fit(rng.normal(size=(n, width)), rng.normal(size=n) + 3, gamma=0.01, alpha=1.0) for n in (20, 30)]
    config = RegressorConfig(
        backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty", kernel_support=50, map_components=map_components
    )
    model = FaceBeautyNet(config).eval()
    model.regressor = heads_from_fits(fits)
    path = tmp_path / "face.pt"
    save_weights(model, path, input_size=224)
    loaded, metadata = load_weights(path)
    assert metadata["arch"] == FACE_RESNET and metadata["regressor"]["kernel_support"] == 50
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(
            loaded.forward_head(loaded.forward_features(x)), model.forward_head(model.forward_features(x)), atol=0.01
        )
        assert loaded(x) == pytest.approx(model.forward_head(model.forward_features(x))[:, 1], abs=0.01)


def test_folding_the_affine_layers_keeps_the_outputs():
    import copy

    from ml.models.regressor import fuse_batch_norm

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
        assert torch.allclose(
            fused.forward_head(fused.forward_features(x)), model.forward_head(model.forward_features(x)), atol=1e-4
        )


def test_the_face_network_fine_tunes_from_a_weights_file_and_joins_an_ensemble(tmp_path):
    from ml.models.efficientnet_lite import BeautyNet
    from ml.models.ensemble import EnsembleNet
    from ml.training.config import TrainConfig
    from ml.training.fit_ensemble import combine
    from ml.training.train import train
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
    # The figures the file records are those of the model as saved (half precision included).
    from ml.training.train import validate

    again = validate(mixed, sets, metadata["input_size"])
    for head in HEADS:
        assert again[head]["pc"] == pytest.approx(metadata["val_metrics"][head]["pc"], abs=1e-3)


def test_dlibs_file_read_again_gives_the_shipped_face_network():
    from ml.models.ensemble import EnsembleNet
    from ml.training.dlib_weights import dlib_weights_path, read_dlib_weights

    shipped, _ = load_weights()
    assert isinstance(shipped, EnsembleNet)
    stored = shipped.members[1].network.state_dict()
    read = read_dlib_weights(dlib_weights_path())
    assert set(read) == set(stored)
    for name, value in read.items():  # the file keeps halves of what dlib's file holds
        assert torch.allclose(value.half().float(), stored[name], rtol=0, atol=0), name


def test_the_embeddings_tell_people_apart_and_not_a_face_from_its_mirror(astronaut, grace_hopper):
    from ml.inference import faces
    from ml.models import preprocess

    shipped, _ = load_weights()
    face_member = shipped.members[1]
    crops = [faces.faces_and_crops(image, 224)[1][0] for image in (astronaut, grace_hopper)]
    batch = preprocess.crops_to_tensor(crops, 224)
    with torch.no_grad():
        embedded = face_member.network(face_member.prepare(torch.cat([batch, preprocess.mirrored(batch[:1])])))
    norms = embedded.norm(dim=1)
    assert ((norms > 1.0) & (norms < 2.0)).all()  # dlib's embeddings have norms of about 1.4
    apart = (embedded[0] - embedded[1]).norm().item()
    mirror = (embedded[0] - embedded[2]).norm().item()
    # dlib's own threshold for "the same person" is a distance of 0.6.
    assert apart > 0.6 and mirror < 0.4


def test_with_map_components_the_heads_read_the_last_maps_cells_not_their_mean():
    model = FaceBeautyNet(
        RegressorConfig(backbone=FACE_RESNET, heads=HEADS, score_head="mebeauty", map_components=16)
    ).eval()
    last_map = torch.rand(1, 256, 2, 2)
    swapped = last_map.flip(-1)  # the same numbers, left and right cells exchanged
    with torch.no_grad():
        assert model.pool(last_map).shape == (1, 16)
        # dlib's embedding pools the cells first and cannot tell the two apart; the projection can.
        assert torch.allclose(model.network.forward_head(last_map), model.network.forward_head(swapped), atol=1e-5)
        assert not torch.allclose(model.pool(last_map), model.pool(swapped), atol=1e-3)


@pytest.mark.parametrize("settings", [{"map_components": 16}, {"backbone": FACE_RESNET, "map_components": 2000}])
def test_map_components_are_refused_where_they_cannot_apply(settings):
    with pytest.raises(ValueError, match="map_components"):
        RegressorConfig(**settings)


def test_fitting_the_face_kernels_centres_the_components_and_stores_exactly_what_the_file_computes(tmp_path):
    from ml.training.fit_face_kernel import head_features, last_maps
    from ml.training.train import validate
    from tests.ml.test_joint_training import _fake_set

    generator = torch.Generator().manual_seed(1)
    sets = [_fake_set("scut", 12, generator), _fake_set("mebeauty", 12, generator)]
    out = tmp_path / "face.pt"
    result = fit_face_kernels(sets, out, threads=1, map_components=8)
    model, metadata = load_weights(out)
    assert metadata["regressor"]["map_components"] == 8
    assert metadata["regressor"]["kernel_support"] == 2 * (12 + 12)  # each face and its mirror
    # The support rows are the stored model's own features of the training faces, then of
    # their mirror images, set after set.
    rows = np.concatenate(
        [head_features(model, last_maps(model, s.train_images, mirrored)) for s in sets for mirrored in (False, True)]
    )
    # Within one half-precision step: the loaded network has its affine layers folded, which
    # moves the last bits of a few features across a rounding boundary.
    np.testing.assert_allclose(model.regressor.support.numpy(), rows, rtol=2**-10, atol=0)
    # The projection is principal components of those faces' maps: the features are centred,
    # their spread largest on the first component.
    assert np.abs(rows.mean(0)).max() < 0.02 * rows.std(0).max()
    assert rows.std(0)[0] >= rows.std(0)[-1]
    again = validate(model, sets, metadata["input_size"])
    for head in HEADS:
        assert again[head]["pc"] == pytest.approx(result["val_metrics"][head]["pc"], abs=1e-4)


def test_a_photo_and_its_mirror_image_score_alike(astronaut, grace_hopper):
    from ml.inference.predictor import Predictor

    predictor = Predictor()
    for photo in (astronaut, grace_hopper):
        face, mirror = (predictor.score_image(image).faces[0].score for image in (photo, photo[:, ::-1].copy()))
        # The face member scores the face alone (not averaged with its mirror, MODEL_CARD.md):
        # the two may differ, but by well under the model's typical error (MAE 0.34).
        assert abs(face - mirror) < 0.15
