"""Joint training on two rating panels: heads, loss, augmentation and one tiny real training step."""

import json

import pytest
import torch

from ml.models.efficientnet_lite import BeautyNet
from ml.models.regressor import RegressorConfig
from ml.models.weights import load_weights, save_weights
from ml.training import augment, mebeauty
from ml.training.config import TrainConfig
from ml.training.train import (
    TrainingSet,
    is_scut_validation,
    joint_loss,
    predict_images,
    ramped_ema,
    train,
    validate,
    with_teachers,
)


def test_each_head_is_judged_only_on_its_own_dataset():
    outputs = torch.tensor([[3.0, 9.0], [4.0, 9.0], [9.0, 2.0], [9.0, 4.0]])
    heads = torch.tensor([0, 0, 1, 1])
    target = torch.tensor([3.0, 4.0, 2.0, 4.0])
    # Right on every row's own head: the other head's nonsense (9.0) costs nothing.
    assert joint_loss(outputs, heads, target, correlation_weight=0.5).item() == pytest.approx(0.0, abs=1e-6)
    wrong = outputs.clone()
    wrong[2, 1] = 3.0
    assert joint_loss(wrong, heads, target, correlation_weight=0.0).item() > 0


def test_model_scores_with_its_score_head_and_can_switch():
    model = BeautyNet(RegressorConfig(heads=("scut", "mebeauty"), score_head="mebeauty")).eval()
    with torch.no_grad():
        model.regressor.bias.copy_(torch.tensor([1.0, 4.0]))
        x = torch.zeros(1, 3, 64, 64)
        assert model(x).item() == pytest.approx(4.0)
        model.use_head("scut")
        assert model(x).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no 'celebrity' head"):
        model.use_head("celebrity")
    with pytest.raises(ValueError, match="score head"):
        RegressorConfig(heads=("scut",), score_head="mebeauty")


def test_wild_augmentations_change_pixels_and_keep_shapes():
    generator = torch.Generator().manual_seed(0)
    crops = torch.randint(0, 256, (6, 3, 48, 48), dtype=torch.uint8)
    recoded = augment.random_jpeg(crops, generator, probability=1.0)
    assert recoded.dtype == torch.uint8 and recoded.shape == crops.shape and not torch.equal(recoded, crops)
    batch = torch.rand(6, 3, 48, 48) * 2 - 1
    for change in (augment.random_colour_cast, augment.random_blur, augment.random_occlusion):
        kwargs = {} if change is augment.random_colour_cast else {"probability": 1.0}
        out = change(batch, generator, **kwargs)
        assert out.shape == batch.shape and not torch.allclose(out, batch), change.__name__
    # Blur smooths: neighbouring pixels differ less afterwards.
    blurred = augment.random_blur(batch, generator, probability=1.0)
    assert (blurred.diff(dim=3).abs().mean()) < batch.diff(dim=3).abs().mean() / 2


def test_scut_validation_part_is_about_a_tenth_and_fixed_by_name():
    names = [f"AF{i}.jpg" for i in range(1, 2001)]
    held = [n for n in names if is_scut_validation(n)]
    assert 150 < len(held) < 250
    assert held == [n for n in names if is_scut_validation(n)]


def test_mebeauty_names_carry_gender_and_ethnicity():
    assert mebeauty.groups("female/indian/woman-761642_1920.jpg") == ["indian", "female", "female-indian"]
    with pytest.raises(ValueError, match="no MEBeauty list 'test'"):
        mebeauty.load_list(mebeauty.Path("."), "test")


def _fake_set(head: str, n: int, generator: torch.Generator) -> TrainingSet:
    images = torch.randint(0, 256, (n, 3, 64, 64), dtype=torch.uint8, generator=generator)
    scores = torch.rand(n, generator=generator) * 4 + 1
    return TrainingSet(head, images, scores, images[:4], scores[:4])


def test_tiny_joint_training_writes_weights_with_both_heads_and_history(tmp_path):
    generator = torch.Generator().manual_seed(0)

    def fake_set(head: str, n: int) -> TrainingSet:
        return _fake_set(head, n, generator)

    out = tmp_path / "tiny.pt"
    config = TrainConfig(epochs=1, batch_size=4, input_size=64, threads=1)
    best = train([fake_set("scut", 8), fake_set("mebeauty", 8)], out, config)
    model, metadata = load_weights(out)
    assert model.config.heads == ("scut", "mebeauty") and model.config.score_head == "mebeauty"
    assert metadata["selected_epoch"] == best["epoch"] == 1
    assert set(metadata["val_metrics"]) == {"scut", "mebeauty"}
    history = json.loads(out.with_suffix(".history.json").read_text())
    assert history[0]["val"]["mebeauty"]["n"] == 4
    assert out.with_suffix(".history.png").stat().st_size > 1000


def test_balanced_heads_give_the_smaller_dataset_an_equal_say():
    outputs = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    heads = torch.tensor([0, 0, 0, 1])
    target = torch.tensor([1.0, 1.0, 1.0, 1.0])  # only the one head-1 face is wrong, by 2
    by_share = joint_loss(outputs, heads, target, correlation_weight=0.0)
    balanced = joint_loss(outputs, heads, target, correlation_weight=0.0, balance=True)
    assert by_share.item() == pytest.approx(4 * 0.25) and balanced.item() == pytest.approx(4 * 0.5)


def test_recorded_metrics_travel_in_the_weights_file_without_changing_the_version(tmp_path):
    from ml.models.weights import record_metrics, save_weights

    path = tmp_path / "w.pt"
    version = save_weights(BeautyNet(RegressorConfig()), path, input_size=64)
    record_metrics(path, "scut-60-40", {"overall": {"pc": 0.9}})
    model, metadata = load_weights(path)
    assert metadata["version"] == version and metadata["metrics"]["scut-60-40"]["overall"]["pc"] == 0.9
    assert metadata["input_mean"] == [0.5, 0.5, 0.5] and metadata["arch"] == "efficientnet-lite0"


def test_teachers_pull_the_training_targets_towards_their_mean_prediction(tmp_path):
    images = torch.randint(0, 256, (4, 3, 64, 64), dtype=torch.uint8)
    ratings = torch.tensor([1.0, 2.0, 4.0, 5.0])
    teacher = BeautyNet(RegressorConfig(heads=("scut", "mebeauty"), score_head="mebeauty")).eval()
    with torch.no_grad():
        teacher.regressor.bias.copy_(torch.tensor([2.0, 3.0]))  # each head predicts about its bias
    save_weights(teacher, tmp_path / "teacher.pt", input_size=64)
    training_set = TrainingSet(mebeauty.NAME, images, ratings, images[:1], ratings[:1])
    (taught,) = with_teachers([training_set], (str(tmp_path / "teacher.pt"),), 0.25, torch.device("cpu"))
    teacher.use_head(mebeauty.NAME)
    predicted = torch.from_numpy(predict_images(teacher, images, 64)).float()
    assert torch.allclose(taught.train_scores, 0.75 * ratings + 0.25 * predicted.clamp(1, 5), atol=1e-4)
    assert torch.equal(taught.val_scores, training_set.val_scores)  # validation keeps the raters' scores


def test_weight_averaging_saves_the_average_it_validated(tmp_path):
    def trained(ema_decay: float) -> tuple:
        generator = torch.Generator().manual_seed(0)
        sets = [_fake_set("scut", 8, generator), _fake_set("mebeauty", 8, generator)]
        config = TrainConfig(epochs=1, batch_size=4, input_size=64, threads=1, lr=0.05, ema_decay=ema_decay)
        out = tmp_path / f"ema-{ema_decay}.pt"
        train(sets, out, config)
        model, metadata = load_weights(out)
        return sets, model, metadata

    _, plain, _ = trained(0.0)
    sets, averaged, metadata = trained(0.9)
    # Same seed, same steps: only the averaging tells the two saved heads apart.
    assert not torch.allclose(averaged.state_dict()["regressor.weight"], plain.state_dict()["regressor.weight"])
    # Frozen stages (and their batch-norm statistics) come through the averaging unchanged.
    for key, value in plain.state_dict().items():
        if key.startswith(("stem.", "stages.stage1.")):
            assert torch.equal(averaged.state_dict()[key], value), key
    # The figures recorded are the saved (averaged) model's own, up to the half-precision file.
    recorded = metadata["val_metrics"]["mebeauty"]["mae"]
    assert validate(averaged, sets, 64)["mebeauty"]["mae"] == pytest.approx(recorded, abs=1e-2)
    assert TrainConfig().ema_decay == 0.0  # off unless asked for


def test_the_moving_average_ramps_up_to_its_decay():
    update = ramped_ema(0.99)
    average, current = [torch.zeros(3)], [torch.ones(3)]
    update(average, current, torch.tensor(1))
    assert torch.allclose(average[0], torch.full((3,), 1 - 2 / 11))  # decay (1 + 1) / (10 + 1) at first
    average = [torch.zeros(3)]
    update(average, current, torch.tensor(10_000))
    assert torch.allclose(average[0], torch.full((3,), 0.01))  # capped at 0.99 later
    counters = [torch.tensor(4)]
    update(counters, [torch.tensor(9)], torch.tensor(5))
    assert counters[0].item() == 9  # integer buffers are copied, not averaged


def test_the_seed_network_trains_and_validates_with_its_single_output(tmp_path):
    from ml.training.config import SEED_BASELINE

    generator = torch.Generator().manual_seed(0)
    out = tmp_path / "seed.pt"
    config = TrainConfig(epochs=1, batch_size=4, threads=1, **SEED_BASELINE)
    best = train([_fake_set("scut", 8, generator)], out, config)
    assert set(best["val"]) == {"scut"} and out.exists()
