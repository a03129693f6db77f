#!/bin/sh
# pip install inside the image build: from the host's wheelhouse (docker/wheels, made by
# `make images`) when it holds wheels, so no index is needed; else from the index.
set -eu
pip() { /opt/pip/bin/pip --python /opt/venv/bin/python "$@"; }
if ls /wheels/*.whl >/dev/null 2>&1; then
  pip install --no-cache-dir --no-index --find-links /wheels "$@"
  exit
fi
pip install --no-cache-dir "$@"
