#!/bin/sh
# pip install inside the image build, into /opt/venv. From the host's wheelhouse (docker/wheels,
# made by `make images`: common wheels, torch's in cpu/ or cuda/ by TORCH_VARIANT) when it holds
# wheels, so no index is needed; else from PyPI, torch from TORCH_INDEX (its CPU or CUDA build).
set -eu
pip() { /opt/pip/bin/pip --python /opt/venv/bin/python "$@"; }
variant="${TORCH_VARIANT:-cpu}"
if ls /wheels/*.whl >/dev/null 2>&1; then
  pip install --no-cache-dir --no-index --find-links /wheels --find-links "/wheels/$variant" "$@"
  exit
fi
pip install --no-cache-dir ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} "$@"
