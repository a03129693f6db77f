#!/usr/bin/env bash
# The GPU worker, measured on a lent GPU machine (the device tool) in one prepared run:
# YuNet's runtimes side by side (the PyTorch module on CUDA against OpenCV's rows) and the
# worker bench on CUDA (photos/s at batch 1, 8, 32, the model-work limit, the ratio, the stages).
#
# Here first:  bash scripts/gpu-wheels.sh          (the wheels the machine lacks, into .whl/)
# Then device run, carry [".whl"], timeout 600:  bash scripts/gpu-check.sh
# Figures come back under $OUT: results.json (python -m bench.report reads it), bench.md, detectors.json.
set -euo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
out=${OUT:-var/gpu}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
python3 -m bench.detectors --device cuda | tee "$out/detectors.json"
python3 -m bench --only worker --device cuda --out "$out/results.json" | tee "$out/bench.md"
