"""YuNet in onnxruntime (the CPU worker's) and in PyTorch (the GPU worker's) against OpenCV's own
FaceDetectorYN, the detector the product ran before: the same rows, faces and scores."""

import cv2
import numpy as np
import pytest

from ml.inference import face_detector, faces

RUNTIMES = {"onnxruntime": face_detector.OnnxRuntimeYuNet, "torch": face_detector.TorchYuNet}


@pytest.fixture(scope="module")
def opencv() -> face_detector.OpenCvYuNet:
    return face_detector.OpenCvYuNet()


@pytest.fixture(scope="module", params=list(RUNTIMES))
def runtime(request):
    return RUNTIMES[request.param]()


def turned(rgb: np.ndarray, degrees: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(rgb, rotation, (width, height), borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def test_photos(astronaut, grace_hopper) -> list[np.ndarray]:
    """The two test photos, upright and turned by up to 30 degrees either way (the levelling's range)."""
    return [turned(photo, degrees) for photo in (astronaut, grace_hopper) for degrees in (0, -30, -15, 15, 30)]


def bgr(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[:, :, ::-1])


def test_every_runtime_finds_opencvs_rows(runtime, opencv, test_photos):
    # Photos of several sizes in one call (the GPU runtime batches those of one padded size),
    # plus the 320-pixel crops the levelling looks at.
    crops = [faces.align_face(photo, faces.find_faces(photo, opencv)[0], faces.REFINE_SIZE) for photo in test_photos]
    photos = [bgr(photo) for photo in test_photos + crops]
    expected, found = opencv.detect(photos), runtime.detect(photos)
    for want, got in zip(expected, found):
        assert got.shape == want.shape and got.dtype == np.float32
        assert np.abs(got[:, :14] - want[:, :14]).max(initial=0) < 0.5  # pixels: box and landmarks
        assert np.abs(got[:, 14] - want[:, 14]).max(initial=0) < 1e-3  # score


def test_a_photo_alone_gets_the_rows_it_gets_among_others(runtime, test_photos):
    # The same photo gets the same faces in a job of one as in a batch: to the bit on the CPU
    # worker's runtime; PyTorch's convolutions sum in an order that depends on the batch.
    photos = [bgr(photo) for photo in test_photos]
    together = runtime.detect(photos)
    for photo, rows in zip(photos, together):
        alone = runtime.detect([photo])[0]
        if isinstance(runtime, face_detector.OnnxRuntimeYuNet):
            assert np.array_equal(alone, rows)
        else:
            assert alone.shape == rows.shape and np.allclose(alone, rows, atol=1e-3)


def test_every_runtime_finds_no_face_in_noise(runtime):
    noise = np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    assert runtime.detect([noise])[0].shape == (0, 15)


def test_levelled_faces_match_opencvs_within_2_pixels_and_1_degree(runtime, opencv, test_photos):
    expected = faces.faces_in_photos(test_photos, opencv)
    found = faces.faces_in_photos(test_photos, runtime)
    for want, got in zip(expected, found):
        assert len(got) == len(want) == 1
        assert max(abs(a - b) for a, b in zip(got[0].box, want[0].box)) <= 2
        angle = faces.eye_line_degrees(got[0].landmarks) - faces.eye_line_degrees(want[0].landmarks)
        assert abs(angle) < 1


def test_a_batch_finds_what_each_photo_finds_alone(opencv, test_photos):
    together = faces.faces_in_photos(test_photos, opencv)
    for photo, found in zip(test_photos, together):
        alone = faces.find_faces(photo, opencv)
        assert [face.box for face in found] == [face.box for face in alone]
        assert all(np.array_equal(a.landmarks, b.landmarks) for a, b in zip(found, alone))


def test_the_workers_detector_scores_as_opencvs_did(predictor, opencv, test_photos):
    from ml.inference.face_detector import OnnxRuntimeYuNet

    assert isinstance(predictor.detector, OnnxRuntimeYuNet)  # the CPU worker's runtime
    scored = predictor.score_images(test_photos)
    predictor.detector, cpu_runtime = opencv, predictor.detector
    try:
        before = predictor.score_images(test_photos)
    finally:
        predictor.detector = cpu_runtime
    for now, then in zip(scored, before):
        assert [face.score for face in now.faces] == pytest.approx([face.score for face in then.faces], abs=0.01)


def test_an_onnx_file_with_the_wrong_hash_is_refused(tmp_path, monkeypatch):
    swapped = tmp_path / "yunet.onnx"
    swapped.write_bytes(face_detector.ANY_SIZE_PATH.read_bytes()[:-10])
    monkeypatch.setattr(face_detector, "ANY_SIZE_PATH", swapped)
    with pytest.raises(RuntimeError, match="sha256 mismatch"):
        face_detector.OnnxRuntimeYuNet()


def test_the_shipped_pytorch_and_any_size_files_are_made_from_the_onnx_file(tmp_path):
    import hashlib

    import torch

    from ml.inference import yunet
    from ml.training import yunet_weights

    made = torch.load(yunet_weights.convert(out=tmp_path / "yunet.pt"), weights_only=True)
    shipped = torch.load(yunet.WEIGHTS_PATH, weights_only=True)
    assert made.keys() == shipped.keys()
    assert all(torch.equal(made[key], shipped[key]) for key in made)
    any_size = yunet_weights.any_size(out=tmp_path / "any.onnx").read_bytes()
    assert hashlib.sha256(any_size).hexdigest() == face_detector.ANY_SIZE_SHA256
