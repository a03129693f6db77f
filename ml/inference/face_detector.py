"""YuNet in three runtimes, one contract: BGR photos in, OpenCV's `FaceDetectorYN` rows out.

- `OnnxRuntimeYuNet`: the CPU worker's. About 1.5x OpenCV's speed on the same ONNX file
  (2.8 against 4.5 ms a 320 px crop, one thread, this project's 2-core VM; BENCHMARKS.md).
- `TorchYuNet`: the GPU worker's: the detector on the networks' device, a batch of crops of
  one size in one pass (`ml.inference.yunet`).
- `OpenCvYuNet`: OpenCV's own detector, the reference the other two are tested against
  (`tests/ml/test_face_detector.py`: the same rows), and the fallback where onnxruntime is not
  installed.

A row is (x, y, w, h, five landmarks (x, y), score), float32, in the photo's pixels.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import torch

from ml.inference import yunet
from ml.inference.threads import parallel_map

# YuNet (2023mar ONNX, MIT); the hash guards against a truncated or swapped file, which
# would otherwise fail silently as "no face".
DETECTOR_PATH = Path(__file__).parent / "assets" / "face_detection_yunet_2023mar.onnx"
DETECTOR_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
# The same graph and weights with the input's height and width left open (the file above declares
# 640x640, and onnxruntime holds inputs to what a file declares); made by `python -m ml convert-yunet`.
ANY_SIZE_PATH = DETECTOR_PATH.with_name("face_detection_yunet_2023mar_any_size.onnx")
ANY_SIZE_SHA256 = "33b53b709f957120a105c0ca6c8a2aa7e6879df5e289d88200e320ba0a77005b"
MIN_CONFIDENCE = 0.5
NMS_THRESHOLD = 0.3


class FaceDetector(Protocol):
    def detect(self, photos: list[np.ndarray]) -> list[np.ndarray]:
        """BGR uint8 photos (any sizes) -> each photo's rows (K, 15) float32."""
        ...


def checked_model_bytes(path: Path | None = None, sha256: str = DETECTOR_SHA256) -> bytes:
    path = path or DETECTOR_PATH
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"{path} is not the YuNet 2023mar model (sha256 mismatch)")
    return data


class OpenCvYuNet:
    """OpenCV's FaceDetectorYN, one per thread (an OpenCV DNN net must not run in two threads at once)."""

    _quiet_creation = threading.Lock()

    def __init__(self) -> None:
        self._local = threading.local()

    def _detector(self) -> cv2.FaceDetectorYN:
        detector = getattr(self._local, "detector", None)
        if detector is None:
            checked_model_bytes()
            # OpenCV 5's graph engine warns that the detector's default target is not supported
            # (it runs on the CPU as asked): one line per thread, for nothing. The level is
            # process-wide: threads making their detectors take turns.
            opencv_log = cv2.utils.logging
            with self._quiet_creation:
                level = opencv_log.getLogLevel()
                opencv_log.setLogLevel(opencv_log.LOG_LEVEL_ERROR)
                try:
                    detector = cv2.FaceDetectorYN.create(
                        str(DETECTOR_PATH), "", (320, 320), MIN_CONFIDENCE, NMS_THRESHOLD
                    )
                finally:
                    opencv_log.setLogLevel(level)
            self._local.detector = detector
        return detector

    def _one(self, bgr: np.ndarray) -> np.ndarray:
        detector = self._detector()
        detector.setInputSize((bgr.shape[1], bgr.shape[0]))
        _, rows = detector.detect(bgr)
        return np.zeros((0, 15), np.float32) if rows is None else rows

    def detect(self, photos: list[np.ndarray]) -> list[np.ndarray]:
        return parallel_map(self._one, photos)


def _padded_input(bgr: np.ndarray) -> np.ndarray:
    """(1, 3, H', W') float32, the photo at the top left of zeros to multiples of 32, as OpenCV pads it."""
    height, width = bgr.shape[:2]
    padded = np.zeros((1, 3, yunet.padded_side(height), yunet.padded_side(width)), np.float32)
    padded[0, :, :height, :width] = bgr.transpose(2, 0, 1)
    return padded


class OnnxRuntimeYuNet:
    """The ONNX file run by onnxruntime on the CPU, decoded as OpenCV does.

    Photos are detected in parallel on the worker's thread pool by one single-threaded session
    (a session's `run` may be called from several threads at once). A photo alone runs on one
    core too: a session spread over several cores sums in another order, and a photo must get
    the same faces alone as among others.
    """

    def __init__(self) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # its outputs' declared sizes are those of 640x640: warned about at each run
        self.session = onnxruntime.InferenceSession(
            checked_model_bytes(ANY_SIZE_PATH, ANY_SIZE_SHA256), options, providers=["CPUExecutionProvider"]
        )
        self.names = [output.name for output in self.session.get_outputs()]

    def _one(self, bgr: np.ndarray) -> np.ndarray:
        blob = _padded_input(bgr)
        outputs = dict(zip(self.names, self.session.run(self.names, {"input": blob})))
        rows, cols = blob.shape[2:]
        levels = [
            # The graph's (1, cells, channels), cells row-major, as the module's (1, rows, cols, channels).
            np.concatenate([outputs[f"{name}_{stride}"] for name, _ in yunet.OUTPUTS], axis=2).reshape(
                1, rows // stride, cols // stride, yunet.LEVEL_CHANNELS
            )
            for stride in yunet.STRIDES
        ]
        found = yunet.candidates(levels, MIN_CONFIDENCE)[0]
        return yunet.suppressed(found, MIN_CONFIDENCE, NMS_THRESHOLD)

    def detect(self, photos: list[np.ndarray]) -> list[np.ndarray]:
        return parallel_map(self._one, photos)


class TorchYuNet:
    """YuNet as a PyTorch module on `device`: photos of one padded size go through in one pass."""

    def __init__(self, device: torch.device | str = "cpu") -> None:
        self.device = torch.device(device)
        self.network = yunet.load_yunet(self.device)

    @torch.inference_mode()
    def detect(self, photos: list[np.ndarray]) -> list[np.ndarray]:
        found: list[np.ndarray | None] = [None] * len(photos)
        by_size: dict[tuple[int, int], list[int]] = {}
        for index, bgr in enumerate(photos):
            by_size.setdefault((yunet.padded_side(bgr.shape[0]), yunet.padded_side(bgr.shape[1])), []).append(index)
        for (rows, cols), indices in by_size.items():
            # Padded on the host and moved in one copy, a quarter of the float batch's bytes.
            padded = np.zeros((len(indices), rows, cols, 3), np.uint8)
            for slot, index in enumerate(indices):
                height, width = photos[index].shape[:2]
                padded[slot, :height, :width] = photos[index]
            batch = torch.from_numpy(padded).to(self.device)
            levels = [level.float().cpu().numpy() for level in self.network(batch.permute(0, 3, 1, 2).float())]
            for index, candidates in zip(indices, yunet.candidates(levels, MIN_CONFIDENCE)):
                found[index] = yunet.suppressed(candidates, MIN_CONFIDENCE, NMS_THRESHOLD)
        return found  # type: ignore[return-value]


def detector_for(device: torch.device | str = "cpu") -> FaceDetector:
    """The fastest runtime for the device: the network on a GPU, onnxruntime (else OpenCV) on the CPU."""
    if torch.device(device).type != "cpu":
        return TorchYuNet(device)
    try:
        return OnnxRuntimeYuNet()
    except ImportError:
        return OpenCvYuNet()
