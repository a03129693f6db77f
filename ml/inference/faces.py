"""Face finding and alignment: the one path from a photo to the crops the model sees.

Training images and user photos both go through `find_faces` + `align_face`, so the
network is trained on exactly the framing it meets in use.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ml.inference.face_detector import FaceDetector
from ml.inference.stage_timer import StageTimer, stage_of
from ml.inference.threads import parallel_map
from ml.models.alignment import TEMPLATE

# Photos are scaled down to this longest side for detection only; boxes and
# landmarks are mapped back to the full-size image before alignment.
DETECTION_MAX_SIDE = 640
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
                    f"send one under {MAX_PIXELS // 1_000_000} million pixels."
                )
            # Turned and converted in place where needed: a large photo is not copied twice for nothing.
            ImageOps.exif_transpose(image, in_place=True)
            return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    except FileNotFoundError as error:
        raise FaceError("File not found; check the path.") from error
    except Image.DecompressionBombError as error:  # refused by Pillow before its size could be read
        raise FaceError(f"This image is too large; send one under {MAX_PIXELS // 1_000_000} million pixels.") from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise FaceError("This file is not an image we can read; send a JPEG, PNG or WebP photo.") from error


_default_detector: FaceDetector | None = None


def default_detector() -> FaceDetector:
    """For callers that name no detector (the command line, training): the CPU's fastest runtime."""
    global _default_detector
    if _default_detector is None:
        from ml.inference.face_detector import detector_for

        _default_detector = detector_for("cpu")
    return _default_detector


def find_faces(rgb: np.ndarray, detector: FaceDetector | None = None) -> list[Face]:
    """Every face big enough to score, largest first, levelled.

    Raises NoFaceFound when there is no face, FaceTooSmall when every face is under MIN_FACE_SIDE.
    """
    (found,) = faces_in_photos([rgb], detector or default_detector())
    if isinstance(found, FaceError):
        raise found
    return found


def faces_in_photos(
    photos: list[np.ndarray], detector: FaceDetector, timer: StageTimer | None = None
) -> list[list[Face] | FaceError]:
    """Each photo's faces (`find_faces`), or the FaceError that says why it has none.

    One detection pass per photo (the "detect" stage), then the levelling looks of all the
    photos' faces together (part of "align"): each look is one call of the detector over
    every face still turning.
    """
    with stage_of(timer, "detect"):
        first = detected_faces(photos, detector)
    every_face = [
        (rgb, face) for rgb, faces in zip(photos, first) if not isinstance(faces, FaceError) for face in faces
    ]
    with stage_of(timer, "align"):
        levelled = iter(levelled_landmarks_of_all(every_face, detector))
    return [
        faces if isinstance(faces, FaceError) else [replace(face, landmarks=next(levelled)) for face in faces]
        for faces in first
    ]


def detected_faces(photos: list[np.ndarray], detector: FaceDetector) -> list[list[Face] | FaceError]:
    """YuNet's first look at each photo, scaled down to DETECTION_MAX_SIDE: scorable faces largest
    first, or the FaceError that says why there are none."""
    scales = [min(1.0, DETECTION_MAX_SIDE / max(rgb.shape[:2])) for rgb in photos]
    small = [
        np.ascontiguousarray(_shrunk(rgb, scale)[:, :, ::-1])  # YuNet wants BGR
        for rgb, scale in zip(photos, scales)
    ]
    found = []
    for rgb, scale, rows in zip(photos, scales, detector.detect(small)):
        height, width = rgb.shape[:2]
        faces = [_face_from_row(row, scale, width, height) for row in rows]
        faces = sorted(
            (face for face in faces if face.box[2] > 0 and face.box[3] > 0), key=lambda f: f.area, reverse=True
        )
        scorable = [face for face in faces if min(face.box[2], face.box[3]) >= MIN_FACE_SIDE]
        found.append(scorable if scorable else FaceTooSmall(faces[0].box[2]) if faces else NoFaceFound())
    return found


def _shrunk(rgb: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return rgb
    height, width = rgb.shape[:2]
    return cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


@dataclass
class _Levelling:
    """One face's search for a level eye line: where it stands after each look."""

    small: np.ndarray  # the photo, shrunk once for all the looks
    factor: float  # small's pixels per photo pixel
    face: Face
    landmarks: np.ndarray  # the latest look's, in photo pixels
    looks: int = 0
    done: bool = False


def levelled_landmarks(rgb: np.ndarray, face: Face, detector: FaceDetector | None = None) -> np.ndarray:
    """One face's levelled landmarks (`levelled_landmarks_of_all`)."""
    return levelled_landmarks_of_all([(rgb, face)], detector or default_detector())[0]


def levelled_landmarks_of_all(faces: list[tuple[np.ndarray, Face]], detector: FaceDetector) -> list[np.ndarray]:
    """For each tilted face, landmarks found again on the aligned crop until the eye line stops
    turning (a face turned 30 deg takes two or three looks). A face whose first look turns it
    less than REFINE_MIN_TURN keeps YuNet's own landmarks: on an upright face a second look
    moves the eye line by YuNet's jitter alone (1-3 deg), which would only add noise.

    Each look crops every face still turning and detects on all the crops in one call.
    """
    searches = parallel_map(_levelling, faces)
    for _ in range(REFINE_ROUNDS):
        turning = [search for search in searches if not search.done]
        if not turning:
            break
        looked = [replace(search.face, landmarks=search.landmarks * search.factor) for search in turning]
        crops = parallel_map(_refine_crop, list(zip(turning, looked)))
        for search, face, crop_rows in zip(turning, looked, detector.detect(crops)):
            _take_look(search, _landmarks_on_crop(crop_rows, face) / search.factor)
    return [search.landmarks for search in searches]


def _levelling(rgb_and_face: tuple[np.ndarray, Face]) -> _Levelling:
    rgb, face = rgb_and_face
    # A large photo is shrunk once for all the looks (align_face would shrink it at each).
    scale = float(np.hypot(*alignment_matrix(face.landmarks, REFINE_SIZE)[0, :2]))
    factor = min(1.0, 2 * scale)
    small = rgb if factor == 1.0 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return _Levelling(small, factor, face, face.landmarks)


def _refine_crop(search_and_face: tuple[_Levelling, Face]) -> np.ndarray:
    """The face's aligned crop at REFINE_SIZE, in BGR as YuNet takes it."""
    search, face = search_and_face
    return np.ascontiguousarray(align_face(search.small, face, REFINE_SIZE)[:, :, ::-1])


def _take_look(search: _Levelling, found: np.ndarray) -> None:
    turn = abs(eye_line_degrees(found) - eye_line_degrees(search.landmarks))
    search.looks += 1
    if search.looks == 1 and turn < REFINE_MIN_TURN:
        search.done = True  # upright: YuNet's own landmarks stay
        return
    search.landmarks = found.astype(np.float32)
    search.done = turn < REFINE_SETTLED_TURN


def eye_line_degrees(landmarks: np.ndarray) -> float:
    """The angle of the line from the image-left eye to the other, clockwise from level."""
    (x0, y0), (x1, y1) = landmarks[0], landmarks[1]
    return float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))


def _landmarks_on_crop(rows: np.ndarray, face: Face) -> np.ndarray:
    """The landmarks of the face detected on its aligned crop (`rows`), in the coordinates `face`'s
    landmarks are in; those landmarks if the crop shows no face near its centre."""
    centre = TEMPLATE.mean(0) * REFINE_SIZE
    distances = [np.hypot(*(row[4:14].reshape(5, 2).mean(0) - centre)) for row in rows]
    if not distances or min(distances) >= 0.1 * REFINE_SIZE:
        return face.landmarks
    on_crop = rows[int(np.argmin(distances))][4:14].reshape(5, 2)
    to_photo = cv2.invertAffineTransform(alignment_matrix(face.landmarks, REFINE_SIZE))
    return (np.c_[on_crop, np.ones(5)] @ to_photo.T).astype(np.float32)


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


def faces_and_crops(
    rgb: np.ndarray, size: int = 224, detector: FaceDetector | None = None
) -> tuple[list[Face], list[np.ndarray]]:
    """Detect every face and return them with their aligned crops, largest first."""
    faces = find_faces(rgb, detector)
    return faces, [align_face(rgb, face, size) for face in faces]
