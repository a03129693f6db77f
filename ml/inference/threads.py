"""One process-wide thread pool for the CPU stages of a batch."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

_pool: ThreadPoolExecutor | None = None


def parallel_map(function: Callable, items: list) -> list:
    """`function` over `items` on a process-wide thread pool, results in order.

    For the CPU stages of a batch (decoding, detection, alignment, JPEG encoding, file
    writes): onnxruntime, OpenCV, Pillow and file I/O release the GIL, so threads use every
    core. One item runs inline: no hand-off for a batch of one.
    """
    global _pool
    if len(items) <= 1:
        return [function(item) for item in items]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="ml-cpu")
    return list(_pool.map(function, items))
