"""SCUT-FBP5500 on disk: labels, the official splits, and a cache of aligned crops."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ml.inference import faces
from ml.models.alignment import ALIGNMENT

log = logging.getLogger(__name__)

SPLIT_DIR = "train_test_files/split_of_60%training and 40%testing"
FOLD_DIR = "train_test_files/5_folders_cross_validations_files/cross_validation_{k}"


@dataclass(frozen=True)
class Sample:
    name: str  # e.g. "AF1.jpg"
    score: float  # mean rating, 1-5


def read_list(path: Path) -> list[Sample]:
    """Parse a `NAME SCORE` label file of the release."""
    samples = []
    for line in path.read_text().splitlines():
        if line.strip():
            name, score = line.split()
            samples.append(Sample(name, float(score)))
    return samples


def split_files(data_dir: Path, split: str = "60-40", fold: int | None = None) -> tuple[Path, Path]:
    """The (train, test) list files of the official 60/40 split or of 5-fold fold K."""
    if fold is not None:
        if not 1 <= fold <= 5:
            raise ValueError("--fold must be between 1 and 5")
        folder = data_dir / FOLD_DIR.format(k=fold)
        return folder / f"train_{fold}.txt", folder / f"test_{fold}.txt"
    if split != "60-40":
        raise ValueError("the release has one fixed split, 60-40; use --fold K for cross-validation")
    folder = data_dir / SPLIT_DIR
    return folder / "train.txt", folder / "test.txt"


def load_split(data_dir: Path, split: str = "60-40", fold: int | None = None) -> tuple[list[Sample], list[Sample]]:
    train_path, test_path = split_files(data_dir, split, fold)
    return read_list(train_path), read_list(test_path)


def _largest_face_crop(args: tuple[str, int]) -> np.ndarray | None:
    path, size = args
    try:
        rgb = faces.load_image(path)
        face = faces.find_faces(rgb)[0]
    except faces.FaceError:
        return None
    return faces.align_face(rgb, face, size)


class CropCache:
    """Aligned crops of every dataset image, made once by the same code the app uses.

    Stored as one uint8 array (N, size, size, 3) plus the image names; a name whose
    photo had no detectable face is listed in `missing`.
    """

    def __init__(self, names: list[str], crops: np.ndarray, missing: list[str]):
        self.names = names
        self.crops = crops
        self.missing = missing
        self._index = {name: i for i, name in enumerate(names)}

    def get(self, name: str) -> np.ndarray | None:
        i = self._index.get(name)
        return None if i is None else self.crops[i]

    @classmethod
    def build(cls, data_dir: Path, cache_dir: Path, size: int = 224, workers: int = 2) -> CropCache:
        """SCUT-FBP5500's 5500 photos."""
        names = [sample.name for sample in read_list(data_dir / "train_test_files/All_labels.txt")]
        paths = {name: data_dir / "Images" / name for name in names}
        return cls.build_from(paths, cache_dir / f"scut-crops-{size}-{ALIGNMENT}.npz", size, workers)

    @classmethod
    def build_from(cls, paths: dict[str, Path], cache_file: Path, size: int = 224, workers: int = 2) -> CropCache:
        """Crops of the largest face of each photo (name -> path), read from `cache_file` once made."""
        if cache_file.exists():
            stored = np.load(cache_file)
            return cls(list(stored["names"]), stored["crops"], list(stored["missing"]))
        names = list(paths)
        jobs = [(str(paths[name]), size) for name in names]
        with Pool(workers) as pool:
            results = list(tqdm(pool.imap(_largest_face_crop, jobs, chunksize=16), total=len(jobs), desc="aligning"))
        found = [(name, crop) for name, crop in zip(names, results) if crop is not None]
        missing = [name for name, crop in zip(names, results) if crop is None]
        if missing:
            log.warning("no face found in %d dataset images: %s", len(missing), ", ".join(missing[:10]))
        crops = np.stack([crop for _, crop in found])
        kept = [name for name, _ in found]
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_file, names=np.array(kept), crops=crops, missing=np.array(missing, dtype=str))
        return cls(kept, crops, missing)
