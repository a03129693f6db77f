"""The crop every network here takes: five landmarks placed on a fixed template, at a fixed size.

A weights file names the alignment and crop size it was measured with (`ml.models.weights`);
`ml.inference.faces` makes such crops from photos.
"""

from __future__ import annotations

import numpy as np

# Names the crops `ml.inference.faces` makes (YuNet, levelled by looking again on the aligned
# crop): dataset crop caches made by other code are not reused, and a weights file records it.
ALIGNMENT = "yunet-refined"
# Aligned crops are made at this size (the dataset cache uses it too) and then scaled to each
# network's input size by `ml.models.preprocess`.
CROP_SIZE = 224

# Canonical positions of the five YuNet landmarks (eye, eye, nose tip, mouth corner,
# mouth corner; image left first) as fractions of the crop side. They are the mean
# YuNet landmarks over the 3300 SCUT-FBP5500 training photos (350x350), made
# left-right symmetric, so an aligned crop frames the whole head, hair and jaw
# included, the way the dataset's own photos do.
TEMPLATE = np.array(
    [
        [0.3736, 0.4464],
        [0.6264, 0.4464],
        [0.5000, 0.6002],
        [0.3924, 0.7075],
        [0.6076, 0.7075],
    ],
    dtype=np.float32,
)
