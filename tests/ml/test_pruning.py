"""Dark filters and structural pruning on a real (randomly initialised) EfficientNet-Lite0 BeautyNet."""

import copy

import cv2
import numpy as np
import pytest
import torch

from ml.inference.dark_filters import DarkFilters, dark_filters_for, write_dark_filters
from ml.models import preprocess
from ml.models.efficientnet_lite import BeautyNet
from ml.models.regressor import RegressorConfig, fuse_batch_norm
from ml.training.channel_activity import conv_units, dark_filters, measure
from ml.training.pruning import channel_count, in_multiples_of, multiply_adds, prune_dark_channels

SIDE = 96  # small input: the whole network runs, quickly


def _turned_off(unit: torch.nn.Sequential, channel: int) -> None:
    """A conv_bn unit's channel made zero on every input: its batch norm puts out -1, ReLU6 makes it 0."""
    bn = unit[1]
    bn.weight.data[channel] = 0.0
    bn.bias.data[channel] = -1.0


@pytest.fixture(scope="module")
def faces(astronaut, grace_hopper) -> torch.Tensor:
    photos = [cv2.resize(photo, (SIDE, SIDE), interpolation=cv2.INTER_AREA) for photo in (astronaut, grace_hopper)]
    batch = preprocess.crops_to_tensor(photos, SIDE)
    return torch.cat([batch, preprocess.mirrored(batch)])


@pytest.fixture
def network(faces) -> BeautyNet:
    """Lite0 at random weights, its batch norms' statistics taken from the faces (so every channel
    is centred on them and lit somewhere, as a trained network's are), and four channels turned off."""
    torch.manual_seed(0)
    model = BeautyNet(RegressorConfig(heads=("scut", "mebeauty"), score_head="mebeauty", drop_path=0.0))
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in norms:
        bn.momentum = None  # a cumulative average: after one batch, that batch's statistics
    with torch.no_grad():
        model.train()(faces)
        model.eval()
        model.regressor.weight.normal_(0, 0.1)  # heads start at zero weights; give them a say
        _turned_off(model.stem, 5)
        _turned_off(model.stages.stage3[1].expand, 7)
        _turned_off(model.stages.stage6[2].depthwise, 40)
        _turned_off(model.head, 100)
        # The depthwise channels after a dead one see zero input and put out their batch norm's
        # shift through ReLU6: 0 after the stem's (dark too), 0.5 after stage3's expansion (lit,
        # a constant its projection must keep reading).
        _puts_out_for_zero(model.stages.stage1[0].depthwise, 5, 0.0)
        _puts_out_for_zero(model.stages.stage3[1].depthwise, 7, 0.5)
    return model


def _puts_out_for_zero(unit: torch.nn.Sequential, channel: int, value: float) -> None:
    bn = unit[1]
    bn.running_mean[channel] = 0.0
    bn.bias.data[channel] = value


def test_the_channels_made_dark_are_found_and_no_others(network, faces):
    activity = measure(network, [faces[:2], faces[2:]])
    found = dark_filters(network, activity, "test-version", {"photos": len(faces)})
    dark = {name: layer["dark"] for s in found.stages.values() for name, layer in s.layers.items() if layer["dark"]}
    # The stem's dead channel leaves stage1's depthwise channel with zero input and nothing to put out.
    assert dark == {
        "stem": [5],
        "stage1.0.depthwise": [5],
        "stage3.1.expand": [7],
        "stage6.2.depthwise": [40],
        "head": [100],
    }
    assert activity.faces == 4
    assert found.stages["stem"].dark == 1 and found.stages["stem"].filters == 32
    assert found.stages["stage1"].dark == 1 and found.stages["stage1"].filters == 32 + 16
    assert found.stages["head"].share == pytest.approx(1 / 1280)
    assert found.filters == sum(unit.conv.out_channels for unit in conv_units(network))
    assert found.stages["stage3"].layers["stage3.1.expand"]["dark_peaks"] == [0.0]


def test_pruning_channels_that_are_exactly_zero_keeps_every_output(network, faces):
    activity = measure(network, [faces])
    found = dark_filters(network, activity, "test-version", {"photos": len(faces)})
    dark = {name: layer["dark"] for s in found.stages.values() for name, layer in s.layers.items()}
    pruned, removed = prune_dark_channels(network, dark)
    # Structurally smaller: the convolutions and batch norms themselves lost the channels.
    assert pruned.stem[0].out_channels == 31 and pruned.stem[1].num_features == 31
    assert pruned.stages.stage1[0].depthwise[0].weight.shape == (31, 1, 3, 3)
    assert pruned.stages.stage3[1].expand[0].out_channels == 239
    assert pruned.stages.stage3[1].depthwise[0].groups == 239
    assert pruned.stages.stage3[1].project[0].in_channels == 239
    assert pruned.stages.stage6[2].expand[0].out_channels == 1151
    assert pruned.head[0].out_channels == 1279 and pruned.regressor.in_features == 1279
    assert channel_count(network) - channel_count(pruned) == 1 + 1 + 2 + 2 + 1
    assert removed["stage3.1.expand"] == 1 and removed["head"] == 1
    # One stem channel (27 multiply-adds a pixel of its 48x48 map) and its depthwise twin (9 a
    # pixel) go, among others: the pass does less work.
    saved = multiply_adds(network, SIDE) - multiply_adds(pruned, SIDE)
    assert saved > (27 + 9) * (SIDE // 2) ** 2
    # Same outputs for any input, every head (noise too: the channels are zero whatever comes in).
    noise = torch.randn(3, 3, SIDE, SIDE)
    for batch in (faces, noise):
        with torch.no_grad():
            expected = network.forward_head(network.forward_features(batch))
            got = pruned.forward_head(pruned.forward_features(batch))
        assert torch.allclose(got, expected, atol=1e-4), (got - expected).abs().max()  # float rounding
    # And once batch norms are folded, as the Predictor runs it.
    with torch.no_grad():
        fused = fuse_batch_norm(copy.deepcopy(pruned))(noise)
        assert torch.allclose(fused, network(noise), atol=1e-4)


def test_without_the_constant_folded_the_projection_would_change(network, faces):
    """The test above can fail: dropping the depthwise channel's constant moves the outputs."""
    pruned, _ = prune_dark_channels(network, {"stage3.1.depthwise": [7]})  # not its expansion: no fold
    with torch.no_grad():
        assert not torch.allclose(pruned(faces), network(faces), atol=1e-3)


def test_in_multiples_of_keeps_whole_blocks_of_channels():
    dark = {"stage6.2.expand": [1, 2, 3], "stage6.2.depthwise": [3, 4, 5, 6, 7, 8, 9, 10, 11], "head": [1, 2]}
    assert in_multiples_of(dark, 8) == {"stage6.2.depthwise": [1, 2, 3, 4, 5, 6, 7, 8]}


def test_a_dark_list_is_read_only_for_the_weights_it_was_measured_on(network, faces, tmp_path):
    activity = measure(network, [faces])
    found = dark_filters(network, activity, "ensemble-abc", {"photos": 4})
    path = tmp_path / "dark_filters.json"
    write_dark_filters(found, path)
    read = dark_filters_for("ensemble-abc", path)
    assert isinstance(read, DarkFilters) and read.stages["head"].dark_channels("head") == [100]
    assert read.dark == found.dark and read.threshold == found.threshold
    assert dark_filters_for("ensemble-other", path) is None
    assert dark_filters_for(None, path) is None
    assert dark_filters_for("ensemble-abc", tmp_path / "absent.json") is None


def test_the_shipped_list_names_the_shipped_weights_and_the_decision():
    from ml.inference.dark_filters import DARK_FILTERS
    from ml.models.weights import DEFAULT_WEIGHTS, load_weights

    _, metadata = load_weights(DEFAULT_WEIGHTS)
    shipped = dark_filters_for(metadata["version"])
    assert shipped is not None, f"{DARK_FILTERS} was measured on other weights"
    model, _ = load_weights(DEFAULT_WEIGHTS)
    lite = model.members[0]
    widths = {unit.name: unit.conv.out_channels for unit in conv_units(lite)}
    for stage in shipped.stages.values():
        for name, layer in stage.layers.items():
            assert layer["channels"] == widths[name]
            assert all(0 <= c < widths[name] for c in layer["dark"])
        assert stage.dark == sum(len(layer["dark"]) for layer in stage.layers.values())
    assert set(shipped.pruned) >= {"shipped", "rule", "reasons"}
    assert np.isfinite(shipped.pruned["speed_over_shipped_batch16"])


def test_the_first_layers_picture_crosses_out_the_dark_filters(network):
    from ml.inference.activations import DARK_FILTER_MARK, first_layer_filters

    cell, gap, per_row = 24, 2, 8
    plain = np.asarray(first_layer_filters(network))
    marked = np.asarray(first_layer_filters(network, dark=[5]))

    def corner(picture: np.ndarray, index: int) -> np.ndarray:
        row, col = divmod(index, per_row)
        y, x = gap + row * (cell + gap), gap + col * (cell + gap)
        return picture[y + 1, x + 1]  # on the cross's diagonal

    assert tuple(corner(marked, 5)) == DARK_FILTER_MARK and tuple(corner(plain, 5)) != DARK_FILTER_MARK
    # Only that filter's cell changed.
    changed = np.argwhere((plain != marked).any(axis=2))
    row, col = divmod(5, per_row)
    y0, x0 = gap + row * (cell + gap), gap + col * (cell + gap)
    assert changed.min(axis=0).tolist() >= [y0, x0] and changed.max(axis=0).tolist() < [y0 + cell, x0 + cell]
