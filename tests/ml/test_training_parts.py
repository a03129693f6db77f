import torch

from ml.training import augment
from ml.training.train import _lr_at, correlation_loss


def test_augmentation_is_reproducible_from_its_seed_and_resizes():
    batch = torch.rand(4, 3, 224, 224)
    first = augment.random_similarity(batch, 192, torch.Generator().manual_seed(1))
    second = augment.random_similarity(batch, 192, torch.Generator().manual_seed(1))
    other = augment.random_similarity(batch, 192, torch.Generator().manual_seed(2))
    assert first.shape == (4, 3, 192, 192)
    assert torch.equal(first, second) and not torch.equal(first, other)


def test_photometric_jitter_keeps_shape_and_changes_pixels():
    batch = torch.rand(8, 3, 32, 32)
    out = augment.random_photometric(batch, torch.Generator().manual_seed(0))
    assert out.shape == batch.shape and not torch.allclose(out, batch)


def test_correlation_loss_is_zero_for_perfect_correlation_and_two_for_inverse():
    target = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert correlation_loss(target * 2 + 1, target).item() < 1e-6
    assert abs(correlation_loss(-target, target).item() - 2) < 1e-6


def test_learning_rate_warms_up_then_decays_to_zero():
    rates = [_lr_at(step, 100, 10, 1e-3) for step in range(100)]
    assert rates[0] < rates[9] == 1e-3
    assert rates[50] < 1e-3 and rates[-1] < 1e-5
