"""`python -m bench.detectors [--device cuda]`: YuNet's runtimes side by side, timed in turns.

For each runtime (OpenCV's FaceDetectorYN, onnxruntime, the PyTorch module on the device):
milliseconds a photo for the first look at the bench's photos (512 pixels), milliseconds a crop
for a levelling look at 32 of their 320-pixel crops in one call, and how far its rows are from
OpenCV's (pixels of box and landmarks, score).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def bench_detectors(device: str, repeats: int) -> dict:
    import torch

    from bench.photos import sample_photos
    from ml.bench import interleaved_medians_ms
    from ml.inference import face_detector, faces

    opencv = face_detector.OpenCvYuNet()
    runtimes = {
        "opencv": opencv,
        "onnxruntime": face_detector.OnnxRuntimeYuNet(),
        f"torch-{device}": face_detector.TorchYuNet(device),
    }
    photos = [faces.load_image(photo) for photo in sample_photos()]
    crops = [faces.align_face(photo, faces.find_faces(photo, opencv)[0], faces.REFINE_SIZE) for photo in photos]
    as_bgr = lambda images: [np.ascontiguousarray(image[:, :, ::-1]) for image in images]  # noqa: E731
    photos, crops = as_bgr(photos) * 16, as_bgr(crops) * 16
    runs = {}
    for name, runtime in runtimes.items():
        runs[name, "photos"] = lambda runtime=runtime: runtime.detect(photos)
        runs[name, "crops"] = lambda runtime=runtime: runtime.detect(crops)
    medians = interleaved_medians_ms(runs, repeats, warmup=2, device=torch.device(device))
    reference = opencv.detect(photos[:2] + crops[:2])
    figures = {"device": device, "threads": torch.get_num_threads(), "runtimes": {}}
    for name, runtime in runtimes.items():
        gaps = [np.abs(a - b) for a, b in zip(runtime.detect(photos[:2] + crops[:2]), reference)]
        figures["runtimes"][name] = {
            "ms_per_photo_512px": round(medians[name, "photos"] / len(photos), 3),
            "ms_per_crop_320px_batch32": round(medians[name, "crops"] / len(crops), 3),
            "max_pixels_from_opencv": round(max(float(gap[:, :14].max()) for gap in gaps), 4),
            "max_score_from_opencv": round(max(float(gap[:, 14].max()) for gap in gaps), 5),
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.detectors", description=__doc__)
    parser.add_argument("--device", default="cpu", help="the PyTorch module's device (cpu or cuda)")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    print(json.dumps(bench_detectors(args.device, args.repeats), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
