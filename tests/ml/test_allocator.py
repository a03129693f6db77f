"""A scoring process keeps the large blocks it frees, so the next batch does not fault them in again."""

import ctypes
import resource

from ml.inference import allocator, faces
from ml.models.alignment import CROP_SIZE

GLIBC_DEFAULT_THRESHOLD = 128 * 1024  # glibc's starting mmap and trim thresholds


def _page_faults_per_batch(predictor, crops) -> int:
    predictor.score_and_explain_crops(crops)  # blocks of this batch's sizes, once
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3):
        predictor.score_and_explain_crops(crops)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 3


def test_batches_after_the_first_reuse_memory_instead_of_faulting_it_in_again(predictor, astronaut):
    crops = faces.faces_and_crops(astronaut, CROP_SIZE)[1] * 8
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(allocator.M_MMAP_THRESHOLD, GLIBC_DEFAULT_THRESHOLD)
    libc.mallopt(allocator.M_TRIM_THRESHOLD, GLIBC_DEFAULT_THRESHOLD)
    unmapped_after_use = _page_faults_per_batch(predictor, crops)
    assert allocator.keep_freed_memory()  # glibc on Linux, as on every machine this project runs on
    kept = _page_faults_per_batch(predictor, crops)
    assert kept * 20 < unmapped_after_use, (kept, unmapped_after_use)
