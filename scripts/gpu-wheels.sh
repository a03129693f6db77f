#!/usr/bin/env bash
# The wheels a lent GPU machine lacks, for its Python 3.12 on x86_64, into .whl/ (ignored by git):
# what `scripts/gpu-check.sh` needs there to run the worker bench. Its image already has torch,
# numpy, Pillow, OpenCV, onnxruntime, scikit-image, matplotlib and prometheus-client, so those
# (and what they need) stay behind, and so does boto's S3 client (the bench stores on local
# media): the device carries 64 MiB at most, this tree included.
set -euo pipefail
cd "$(dirname "$0")/.."
all=$(mktemp -d)
grep -v '^torch' requirements.txt > "$all/requirements.txt"
python3 -m pip download --quiet --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$all" -r "$all/requirements.txt"
on_device='^(numpy|pillow|opencv_python_headless|onnxruntime|scikit_image|matplotlib|prometheus_client|scipy|contourpy|fonttools|kiwisolver|protobuf|flatbuffers|sympy|mpmath|coloredlogs|humanfriendly|packaging|networkx|imageio|tifffile|lazy_loader|pyparsing|cycler|python_dateutil|six|typing_extensions|urllib3|idna|certifi|charset_normalizer|requests|jinja2|markupsafe|click|pyyaml|attrs|wcwidth|boto3|botocore|s3transfer|jmespath)-'
rm -rf .whl && mkdir .whl
for wheel in "$all"/*.whl; do
  name=$(basename "$wheel" | tr 'A-Z' 'a-z')
  [[ "$name" =~ $on_device ]] || cp "$wheel" .whl/
done
rm -rf "$all"
du -sh .whl
