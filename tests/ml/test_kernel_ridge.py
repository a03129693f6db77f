"""Kernel ridge regression: what it fits, how its settings are chosen, and the layer that runs it."""

import numpy as np
import pytest
import torch

from ml.models.heads import KernelRidgeHeads
from ml.training import kernel_ridge
from ml.training.kernel_ridge import cross_validated_fit, heads_from_fits


def smooth_data(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 6))
    return features, np.sin(features[:, 0]) + 0.5 * features[:, 1] ** 2


def test_a_fit_predicts_a_smooth_function_on_new_points():
    features, targets = smooth_data(400, 0)
    fitted, chosen = cross_validated_fit(features, targets)
    new_features, new_targets = smooth_data(200, 1)
    predicted = fitted.predict(new_features)
    assert np.corrcoef(predicted, new_targets)[0, 1] > 0.9
    assert chosen["cv_pc"] > 0.9
    # Far from every training point the prediction falls back to the training mean.
    assert fitted.predict(np.full((1, 6), 100.0))[0] == pytest.approx(targets.mean())


def test_grouped_folds_keep_twins_apart_so_noise_is_not_mistaken_for_signal():
    rng = np.random.default_rng(2)
    # 151 rows: ungrouped, a row and its twin (151 rows on) land in different folds.
    features = rng.normal(size=(151, 6))
    noise = rng.normal(size=151)
    # Each row twice (as a face and its mirror image would be), with targets that are pure noise.
    twins = np.concatenate([features, features + 1e-3])
    targets = np.concatenate([noise, noise])
    photo = np.concatenate([np.arange(151), np.arange(151)])
    _, ungrouped = cross_validated_fit(twins, targets)
    _, grouped = cross_validated_fit(twins, targets, photo)
    assert ungrouped["cv_pc"] > 0.5  # each row's twin was in its training folds
    assert grouped["cv_pc"] < 0.3


def test_the_layer_gives_each_head_its_own_fit():
    features_a, targets_a = smooth_data(120, 3)
    features_b, targets_b = smooth_data(80, 4)
    fit_a = kernel_ridge.fit(features_a, targets_a, gamma=0.1, alpha=0.5)
    fit_b = kernel_ridge.fit(features_b, -targets_b + 3, gamma=0.2, alpha=1.0)
    layer = heads_from_fits([fit_a, fit_b])
    queries, _ = smooth_data(30, 5)
    out = layer(torch.from_numpy(queries).float()).numpy()
    assert out.shape == (30, 2)
    np.testing.assert_allclose(out[:, 0], fit_a.predict(queries), atol=1e-3)
    np.testing.assert_allclose(out[:, 1], fit_b.predict(queries), atol=1e-3)
    # Its buffers are the whole state, so the fit travels in a state dict.
    rebuilt = KernelRidgeHeads(2, 200, 6)
    rebuilt.load_state_dict(layer.state_dict())
    assert torch.allclose(rebuilt(torch.from_numpy(queries).float()), torch.from_numpy(out))


def test_principal_components_are_the_directions_of_largest_variance_first():
    rng = np.random.default_rng(6)
    rotation = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    spreads = np.array([5.0, 3.0, 1.0, 0.1, 0.01])
    rows = (rng.normal(size=(4000, 5)) * spreads) @ rotation.T + 7.0
    components, mean = kernel_ridge.principal_components(rows, 2)
    assert components.shape == (2, 5)
    np.testing.assert_allclose(mean, rows.mean(0))
    # Each found direction is one of the two widest axes, up to its sign, in order.
    np.testing.assert_allclose(np.abs(components @ rotation[:, :2]), np.eye(2), atol=0.02)
    projected = (rows - mean) @ components.T
    assert projected.std(0) == pytest.approx(spreads[:2], rel=0.05)
