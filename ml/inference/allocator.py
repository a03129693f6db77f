"""Keep large freed blocks in the process instead of handing them back to the kernel.

glibc serves a block above its mmap threshold (32 MB at most, adapting to what was freed)
with a fresh mapping and unmaps it when freed, and trims the heap's free top beyond 128 kB.
A scoring process allocates blocks of the same sizes batch after batch (activations, the
batch's pictures), so each batch faulted its memory in again, page by page and zero-filled
by the kernel (114,000 page faults a batch of 8 faces scored and explained, against 450
with this): in a virtual machine that cost more than a third of the network's time.
Measured on this project's 2-core VM, 16 faces a pass, three processes each way: scoring
9.0-9.9 ms a face with this against 14.0-16.1 ms without, scoring with the look inside
13.1-14.4 ms against 19.2-23.3 ms. The price is a resident size that stays at its peak.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

log = logging.getLogger(__name__)

# mallopt's parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks above this still get a mapping of their own, and the heap's top is handed back once
# this much of it is free: far above a batch's needs, far below a worker's memory.
KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Tune glibc's malloc for a process that reuses large blocks; False where it is not glibc."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    # Each asked for on its own: an older glibc may refuse a mmap threshold above 32 MB.
    took = [libc.mallopt(parameter, KEEP_BYTES) == 1 for parameter in (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD)]
    took = all(took)
    if not took:
        log.warning("glibc refused the malloc thresholds; large blocks are mapped and unmapped per batch")
    return took
