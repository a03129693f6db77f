"""MEBeauty (Lebedeva et al. 2022) on disk: in-the-wild photos of six ethnic groups.

Labels are the authors' 1-10 "generic" scores; `Sample.score` holds them halved so that
they sit on the 1-5 range the product shows. The two panels' scales are not the same
quantity: the model gives this dataset its own output head (see `ml.models.regressor.RegressorConfig`).
"""

from __future__ import annotations

from pathlib import Path

from ml.inference.rating_band import SCALE_FACTOR
from ml.models.alignment import ALIGNMENT
from ml.training.dataset import CropCache, Sample, read_list

NAME = "mebeauty"
GENDERS = ("female", "male")
ETHNICITIES = ("asian", "black", "caucasian", "hispanic", "indian", "mideastern")


def is_mebeauty(data_dir: Path) -> bool:
    return (data_dir / "train.txt").exists() and (data_dir / "images").is_dir()


def load_list(data_dir: Path, which: str) -> list[Sample]:
    """An official list (`train`, `val`, or `test` where it exists); names are paths under `images/`."""
    path = data_dir / f"{which}.txt"
    if which not in ("train", "val", "test") or not path.exists():
        raise ValueError(f"no MEBeauty list {which!r} in {data_dir} (this project's copy has train and val)")
    return [Sample(s.name, s.score / SCALE_FACTOR) for s in read_list(path)]


def image_path(data_dir: Path, name: str) -> Path:
    return data_dir / "images" / name


def groups(name: str) -> list[str]:
    """The groups a photo such as 'female/indian/x.jpg' is reported in: ethnicity, gender, both."""
    gender, ethnicity = name.split("/")[:2]
    return [ethnicity, gender, f"{gender}-{ethnicity}"]


def crop_cache(data_dir: Path, cache_dir: Path, size: int = 224) -> CropCache:
    """Aligned crops of every photo of the train and val lists (largest face), made once."""
    names = sorted({s.name for which in ("train", "val") for s in load_list(data_dir, which)})
    paths = {name: image_path(data_dir, name) for name in names}
    return CropCache.build_from(paths, cache_dir / f"mebeauty-crops-{size}-{ALIGNMENT}.npz", size)
