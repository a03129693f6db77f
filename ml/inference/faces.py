"""Face finding and alignment: the one path from a photo to the crops the model sees.

Training images and user photos both go through `find_faces` + `align_face`, so the
network is trained on exactly the framing it meets in use.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ml.models.alignment import TEMPLATE

# Photos are scaled down to this longest side for detection only; boxes and
# landmarks are mapped back to the full-size image before alignment.
DETECTION_MAX_SIDE = 640
# YuNet (2023mar ONNX, MIT) run by OpenCV's FaceDetectorYN; the hash guards against a
# truncated or swapped file, which would otherwise fail silently as "no face".
DETECTOR_PATH = Path(__file__).parent / "assets" / "face_detection_yunet_2023mar.onnx"
DETECTOR_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
MIN_CONFIDENCE = 0.5
NMS_THRESHOLD = 0.3
# Refuse images whose decoded size would exhaust memory (decompression bombs).
MAX_PIXELS = 50_000_000
# Smaller faces, blown up to the crop size, carry too little detail to score (SCUT-FBP5500
# faces are a few hundred pixels wide); YuNet still finds faces of about 12 pixels.
MIN_FACE_SIDE = 40
# YuNet's landmarks follow a tilted head only part of the way (a face turned 15 deg moved its
# eye line about 11 deg on MEBeauty val photos), so tilted faces were aligned still tilted. Run
# again on the aligned crop, where the face is more upright, they follow further; mapped back
# to the photo and repeated, they align it level (one to three more detections of this size
# per face; MODEL_CARD.md).
REFINE_SIZE = 320
REFINE_ROUNDS = 3
REFINE_MIN_TURN = 5  # degrees
REFINE_SETTLED_TURN = 2  # degrees: a look that turns the eye line less ends the search


class FaceError(ValueError):
    """A photo that cannot be scored; the message is meant for the person who sent it."""


class NoFaceFound(FaceError):
    def __init__(self) -> None:
        super().__init__(
            "No face found in this photo. Use a photo where one face looks at the camera, unobstructed and well lit."
        )


class FaceTooSmall(FaceError):
    def __init__(self, width: int) -> None:
        super().__init__(
            f"The face is too small to score ({width} pixels wide). Use a photo taken closer, "
            f"where the face is at least {MIN_FACE_SIDE} pixels wide."
        )


@dataclass(frozen=True)
class Face:
    """One detected face in full-image pixel coordinates."""

    box: tuple[int, int, int, int]  # x, y, width, height
    landmarks: np.ndarray  # (5, 2) float32, order as in TEMPLATE
    confidence: float  # 0-1

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def load_image(source: str | Path | bytes | BinaryIO) -> np.ndarray:
    """Decode a photo to an RGB uint8 array, upright as its EXIF orientation says."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with Image.open(source) as image:
            if image.width * image.height > MAX_PIXELS:
                raise FaceError(
                    f"This image is too large ({image.width}x{image.height} pixels); "
                    f"send one under {MAX_PIXELS // 1_000_000} megapixels."
                )
            upright = ImageOps.exif_transpose(image)
            return np.asarray(upright.convert("RGB"))
    except FileNotFoundError as error:
        raise FaceError("File not found; check the path.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise FaceError("This file is not an image we can read; send a JPEG, PNG or WebP photo.") from error


def find_faces(rgb: np.ndarray) -> list[Face]:
    """Every face big enough to score, largest first.

    Raises NoFaceFound when there is no face, FaceTooSmall when every face is under MIN_FACE_SIDE.
    """
    height, width = rgb.shape[:2]
    scale = min(1.0, DETECTION_MAX_SIDE / max(height, width))
    small = (
        rgb
        if scale == 1.0
        else cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    )
    rows = _detect(np.ascontiguousarray(small[:, :, ::-1]))  # YuNet wants BGR
    faces = [_face_from_row(row, scale, width, height) for row in rows]
    faces = [face for face in faces if face.box[2] > 0 and face.box[3] > 0]
    if not faces:
        raise NoFaceFound()
    faces = sorted(faces, key=lambda face: face.area, reverse=True)
    scorable = [face for face in faces if min(face.box[2], face.box[3]) >= MIN_FACE_SIDE]
    if not scorable:
        raise FaceTooSmall(faces[0].box[2])
    return [replace(face, landmarks=levelled_landmarks(rgb, face)) for face in scorable]


def levelled_landmarks(rgb: np.ndarray, face: Face) -> np.ndarray:
    """For a tilted face, landmarks found again on the aligned crop until the eye line stops
    turning (a face turned 30 deg takes two or three looks). A face whose first look turns it
    less than REFINE_MIN_TURN keeps YuNet's own landmarks: on an upright face a second look
    moves the eye line by YuNet's jitter alone (1-3 deg), which would only add noise."""
    # A large photo is shrunk once for all the looks (align_face would shrink it at each).
    scale = float(np.hypot(*alignment_matrix(face.landmarks, REFINE_SIZE)[0, :2]))
    factor = min(1.0, 2 * scale)
    small = rgb if factor == 1.0 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    landmarks = face.landmarks
    for look in range(REFINE_ROUNDS):
        found = refined_landmarks(small, replace(face, landmarks=landmarks * factor)) / factor
        turn = abs(eye_line_degrees(found) - eye_line_degrees(landmarks))
        if look == 0 and turn < REFINE_MIN_TURN:
            return face.landmarks
        landmarks = found.astype(np.float32)
        if turn < REFINE_SETTLED_TURN:
            break
    return landmarks


def eye_line_degrees(landmarks: np.ndarray) -> float:
    """The angle of the line from the image-left eye to the other, clockwise from level."""
    (x0, y0), (x1, y1) = landmarks[0], landmarks[1]
    return float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))


def refined_landmarks(rgb: np.ndarray, face: Face) -> np.ndarray:
    """The face's landmarks detected again on its aligned crop, in photo coordinates; the first
    ones if the crop shows no face near its centre."""
    crop = align_face(rgb, face, REFINE_SIZE)
    rows = _detect(np.ascontiguousarray(crop[:, :, ::-1]))
    centre = TEMPLATE.mean(0) * REFINE_SIZE
    distances = [np.hypot(*(row[4:14].reshape(5, 2).mean(0) - centre)) for row in rows]
    if not distances or min(distances) >= 0.1 * REFINE_SIZE:
        return face.landmarks
    on_crop = rows[int(np.argmin(distances))][4:14].reshape(5, 2)
    to_photo = cv2.invertAffineTransform(alignment_matrix(face.landmarks, REFINE_SIZE))
    return (np.c_[on_crop, np.ones(5)] @ to_photo.T).astype(np.float32)


_local = threading.local()


_quiet_creation = threading.Lock()


def _detector() -> cv2.FaceDetectorYN:
    """One detector per thread: an OpenCV DNN net must not run in two threads at once."""
    detector = getattr(_local, "detector", None)
    if detector is None:
        data = DETECTOR_PATH.read_bytes()
        if hashlib.sha256(data).hexdigest() != DETECTOR_SHA256:
            raise RuntimeError(f"{DETECTOR_PATH} is not the YuNet 2023mar model (sha256 mismatch)")
        # OpenCV 5's graph engine warns that the detector's default target is not supported
        # (it runs on the CPU as asked): one line per worker process and thread, for nothing.
        # The level is process-wide: threads making their detectors take turns, so the level
        # found and put back is never another thread's temporary one.
        opencv_log = cv2.utils.logging
        with _quiet_creation:
            level = opencv_log.getLogLevel()
            opencv_log.setLogLevel(opencv_log.LOG_LEVEL_ERROR)
            try:
                detector = cv2.FaceDetectorYN.create(str(DETECTOR_PATH), "", (320, 320), MIN_CONFIDENCE, NMS_THRESHOLD)
            finally:
                opencv_log.setLogLevel(level)
        _local.detector = detector
    return detector


def _detect(bgr: np.ndarray) -> np.ndarray:
    """YuNet rows (N, 15): x, y, w, h, five landmarks (x, y), confidence 0-1."""
    detector = _detector()
    detector.setInputSize((bgr.shape[1], bgr.shape[0]))
    _, rows = detector.detect(bgr)
    return np.zeros((0, 15), np.float32) if rows is None else rows


def _face_from_row(row: np.ndarray, scale: float, width: int, height: int) -> Face:
    x, y, w, h = (float(v) / scale for v in row[0:4])
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(width, round(x + w)), min(height, round(y + h))
    landmarks = (row[4:14].astype(np.float32) / scale).reshape(5, 2)
    return Face(box=(x0, y0, x1 - x0, y1 - y0), landmarks=landmarks, confidence=float(row[14]))


def alignment_matrix(landmarks: np.ndarray, size: int) -> np.ndarray:
    """The 2x3 similarity transform taking the landmarks onto the template at `size` pixels."""
    matrix, _ = cv2.estimateAffinePartial2D(landmarks.astype(np.float32), TEMPLATE * size, method=cv2.LMEDS)
    if matrix is None:
        raise NoFaceFound()
    return matrix


def align_face(rgb: np.ndarray, face: Face, size: int = 224) -> np.ndarray:
    """A `size` x `size` RGB crop of the face, aligned to the canonical template."""
    landmarks = face.landmarks
    matrix = alignment_matrix(landmarks, size)
    scale = float(np.hypot(matrix[0, 0], matrix[0, 1]))
    if scale < 0.5:
        # warpAffine samples without low-pass filtering: shrink a big photo with an
        # area filter first so the crop is not aliased.
        factor = 2 * scale
        rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        matrix = alignment_matrix(landmarks * factor, size)
    return cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def faces_and_crops(rgb: np.ndarray, size: int = 224) -> tuple[list[Face], list[np.ndarray]]:
    """Detect every face and return them with their aligned crops, largest first."""
    faces = find_faces(rgb)
    return faces, [align_face(rgb, face, size) for face in faces]
