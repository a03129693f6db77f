import numpy as np
import pytest
import torch

from ml.inference import faces
from ml.inference.predictor import resolve_device
from ml.models.alignment import CROP_SIZE
from ml.models.efficientnet_lite import BeautyNet
from ml.training.imagenet import imagenet_classifier, load_imagenet_backbone
from tests.images import jpeg
from tests.ml.helpers import one_level_of_either_palette


def test_scores_lie_between_1_and_5(predictor, astronaut, grace_hopper):
    results = predictor.score_images([astronaut, grace_hopper])
    scores = [face.score for result in results for face in result.faces]
    assert len(scores) == 2
    assert all(1.0 <= s <= 5.0 for s in scores)


def test_batched_scores_equal_one_by_one_scores(predictor, astronaut, grace_hopper):
    crops = [faces.faces_and_crops(image, CROP_SIZE)[1][0] for image in (astronaut, grace_hopper)]
    crops.append(np.ascontiguousarray(crops[0][:, ::-1]))
    batched = predictor.score_crops(crops)
    single = [predictor.score_crops([crop])[0] for crop in crops]
    assert batched == pytest.approx(single, abs=1e-4)


def test_an_exif_rotated_copy_scores_like_the_upright_one(predictor, grace_hopper):
    # Near-lossless, so the two copies' JPEG blocks (which a rotation rearranges) blur the face alike.
    upright = faces.load_image(jpeg(grace_hopper, quality=95))
    sideways = faces.load_image(jpeg(np.ascontiguousarray(np.rot90(grace_hopper, k=-1)), orientation=8, quality=95))
    a, b = predictor.score_images([upright, sideways])
    assert a.faces[0].score == pytest.approx(b.faces[0].score, abs=0.02)


def test_a_photo_without_a_face_gets_the_error_and_others_still_score(predictor, astronaut):
    blank = np.full((200, 200, 3), 128, np.uint8)
    results = predictor.score_images([blank, astronaut])
    assert "No face found" in results[0].error and not results[0].faces
    assert results[1].error is None and len(results[1].faces) == 1


@pytest.mark.parametrize(
    "asked, gpu_visible, chosen",
    [("auto", False, "cpu"), ("auto", True, "cuda"), ("cpu", True, "cpu"), ("cuda", False, "cuda")],
)
def test_auto_picks_the_gpu_only_when_one_is_visible_and_a_named_device_is_kept(
    monkeypatch, asked, gpu_visible, chosen
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu_visible)
    assert resolve_device(asked) == torch.device(chosen)


def test_importing_ml_does_not_initialise_cuda():
    import subprocess
    import sys

    code = "import ml.inference.predictor, ml.inference.activations, torch; print(torch.cuda.is_initialized())"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def test_the_pretrained_backbone_mapping_recognises_a_cat():
    import cv2
    from skimage import data

    model = BeautyNet()
    load_imagenet_backbone(model)
    model.eval()
    x = cv2.resize(data.chelsea(), (224, 224)).astype(np.float32) / 127.5 - 1
    with torch.no_grad():
        logits = imagenet_classifier(model)(
            model.pool(model.forward_features(torch.from_numpy(x).permute(2, 0, 1)[None])).flatten(1)
        )
    assert 281 <= int(logits.argmax()) <= 285  # ImageNet's domestic cat classes


def _one_colour_level() -> int:
    """The most one step of the heat map's colour levels changes a blended pixel."""
    import cv2

    from ml.inference.activations import HEAT_WEIGHT, _palette

    weighted = _palette(cv2.COLORMAP_JET, torch.device("cpu"), HEAT_WEIGHT).int()
    return int((weighted[1:] - weighted[:-1]).abs().max())


def _textbook_grad_cam(predictor, crop):
    """Grad-CAM the usual way: backward from the score through the whole network to the input."""
    from ml.inference.activations import (
        GRAD_CAM_STAGE,
        THUMBNAIL_SIDE,
        dimmed_faces,
        grad_cams,
        heat_overlays,
        unpacked,
    )

    kept = {}
    stage = dict(predictor.model.named_stage_modules())[GRAD_CAM_STAGE]
    handle = stage.register_forward_hook(lambda _m, _i, out: kept.setdefault("out", out).retain_grad())
    try:
        with torch.enable_grad():
            predictor.model(predictor.tensor([crop]).requires_grad_(True)).sum().backward()
    finally:
        handle.remove()
    (faces_large,) = dimmed_faces(torch.from_numpy(crop[None]), 2 * THUMBNAIL_SIDE)
    return unpacked(heat_overlays(grad_cams(kept["out"].detach(), kept["out"].grad), faces_large)[0]).numpy()


def test_explaining_scores_like_plain_scoring_and_shows_every_stage(predictor, astronaut, grace_hopper):
    plain = predictor.score_images([astronaut, grace_hopper])
    explained = predictor.score_images([astronaut, grace_hopper], explain=True)
    for a, b in zip(plain, explained):
        assert [f.score for f in a.faces] == pytest.approx([f.score for f in b.faces], abs=1e-4)
    insight = explained[0].faces[0].insight
    assert [layer.name for layer in insight.layers] == predictor.model.stage_names()
    assert all(layer.image.size == (320, 160) for layer in insight.layers)
    assert predictor.filters.size[0] > 100
    cam = np.asarray(insight.grad_cam.convert("RGB"))
    assert cam.shape == (320, 320, 3) and cam.std() > 5
    assert all(p.grad is None for p in predictor.model.parameters())


def test_one_pass_for_many_faces_gives_each_face_its_own_grad_cam(predictor, astronaut, grace_hopper):
    batched = predictor.score_images([astronaut, grace_hopper], explain=True)
    for result in batched:
        face = result.faces[0]
        drawn = np.asarray(face.insight.grad_cam.convert("RGB")).astype(int)
        difference = np.abs(drawn - _textbook_grad_cam(predictor, face.crop))
        # Float rounding in a batch may move a pixel to the next of the colour map's 256 levels.
        assert difference.max() <= _one_colour_level() and (difference > 1).mean() < 0.01
    assert not np.array_equal(
        np.asarray(batched[0].faces[0].insight.grad_cam), np.asarray(batched[1].faces[0].insight.grad_cam)
    )


def test_mirrors_in_the_same_pass_or_their_own_give_the_same_scores_and_pictures(
    predictor, astronaut, grace_hopper, monkeypatch
):
    from ml.inference import activations
    from ml.models import preprocess

    crops = [faces.faces_and_crops(image, CROP_SIZE)[1][0] for image in (astronaut, grace_hopper)]
    results = {}
    for joint in (True, False):
        limit = 1000 if joint else 0
        monkeypatch.setattr(preprocess, "JOINT_MIRROR_PASS_IMAGES", limit)
        monkeypatch.setattr(activations, "JOINT_EXPLAINED_PASS_IMAGES", limit)
        results[joint] = (predictor.score_crops(crops), predictor.score_and_explain_crops(crops))
    (plain_joint, explained_joint), (plain_apart, explained_apart) = results[True], results[False]
    assert plain_joint == pytest.approx(plain_apart, abs=1e-4)
    assert [score for score, _ in explained_joint] == pytest.approx(plain_apart, abs=1e-4)
    assert [score for score, _ in explained_apart] == pytest.approx(plain_apart, abs=1e-4)
    for (_, joint), (_, apart) in zip(explained_joint, explained_apart):
        # The mirrors' rows must not leak into the faces' pictures or gradients.
        difference = np.abs(np.asarray(joint.grad_cam).astype(int) - np.asarray(apart.grad_cam))
        assert difference.max() <= _one_colour_level()
        for a, b in zip(joint.layers, apart.layers):
            moved = np.abs(np.asarray(a.image).astype(int) - np.asarray(b.image)).max()
            assert moved <= one_level_of_either_palette(), a.name


def test_folding_batch_norm_keeps_the_scores():
    import copy

    from ml.models.regressor import fuse_batch_norm
    from ml.models.weights import load_weights

    model, _ = load_weights()
    fused = fuse_batch_norm(copy.deepcopy(model))
    x = torch.randn(2, 3, 192, 192)
    with torch.no_grad():
        assert torch.allclose(model(x), fused(x), atol=1e-4)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())


@pytest.mark.parametrize("degrees", [-15, 15])
def test_a_tilted_head_scores_close_to_the_upright_one(predictor, astronaut, degrees):
    import cv2

    rotation = cv2.getRotationMatrix2D((256, 256), degrees, 1.0)
    tilted = cv2.warpAffine(astronaut, rotation, (512, 512), borderMode=cv2.BORDER_REFLECT)
    upright, turned = predictor.score_images([astronaut, tilted])
    # YuNet's landmarks barely follow roll, so the crop stays tilted; training saw +-15 deg.
    assert abs(upright.faces[0].score - turned.faces[0].score) < 0.15
