#!/usr/bin/env bash
# `make images`: beauty-evaluator-web and beauty-evaluator-worker from the Dockerfile, built on
# the checkout. The wheels come from a wheelhouse made here (docker/wheels), remade only when the
# requirements change, so the build needs no index and CI reuses it between steps.
# TORCH_VARIANT=cuda builds the CUDA worker instead (by hand, not in CI: about 3 GB of wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=/usr/bin/docker
PIP="${PIP:-.venv/bin/pip}"
TAG="${TAG:-latest}"
bash scripts/ensure-docker.sh >/dev/null

wanted=$(cat requirements.txt requirements-worker.txt scripts/build-images.sh | sha256sum | cut -c1-16)
if [ "$(cat docker/wheels/.made-from 2>/dev/null)" != "$wanted" ]; then
  echo "filling the wheelhouse docker/wheels"
  mkdir -p docker/wheels/cpu docker/wheels/cuda
  find docker/wheels -maxdepth 1 -name '*.whl' -delete && rm -f docker/wheels/cpu/*.whl
  # For the image's Python, Debian bookworm's 3.11.2. pip judges python_full_version markers by
  # its own interpreter whatever --python-version says: redis wants async-timeout below 3.11.3.
  "$PIP" download --quiet --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
    -r requirements-worker.txt "async-timeout>=4.0.3" -d docker/wheels 2>&1 | grep -v "is ignored: it is neither" || true
  mv docker/wheels/torch-*.whl docker/wheels/cpu/  # the CPU build this machine has; cuda/ is filled on demand
  echo "$wanted" >docker/wheels/.made-from
fi
variant="${TORCH_VARIANT:-cpu}"
torch=$(sed -n 's/^torch==//p' requirements-worker.txt)
if [ "$variant" = cuda ] && ! ls docker/wheels/cuda/torch-"$torch"-*.whl >/dev/null 2>&1; then
  echo "downloading torch's CUDA build (PyPI's torch for Linux) into docker/wheels/cuda"
  rm -f docker/wheels/cuda/*.whl
  # ===: exactly this version, not the +cpu build of it that pip would rank higher.
  PIP_FIND_LINKS= "$PIP" download --quiet --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
    "torch===$torch" -d docker/wheels/cuda 2>&1 | grep -v "is ignored: it is neither" || true
fi

build() {  # target, tag, extra arguments
  local log
  log=$(mktemp)
  # A dropped daemon connection ("error during connect ... EOF": the daemon died or restarted
  # mid-build, seen once in CI) is tried once more on a daemon made sure of; a failing step is not.
  for try in 1 2; do
    if DOCKER_BUILDKIT=1 "$DOCKER" build --quiet --target "$1" --tag "$2" "${@:3}" . >/dev/null 2>"$log"; then
      break
    fi
    cat "$log" >&2
    if [ "$try" = 2 ] || ! grep -qE "error during connect|Cannot connect to the Docker daemon|connection reset" "$log"; then
      echo "the daemon's last words (/var/log/dockerd.log):" >&2
      tail -n 20 /var/log/dockerd.log >&2 2>/dev/null || true
      df -h /var/lib/docker >&2 || true
      rm -f "$log"
      return 1
    fi
    echo "lost the Docker daemon while building $2; building it again" >&2
    bash scripts/ensure-docker.sh >/dev/null
  done
  rm -f "$log"
  echo "$2: $("$DOCKER" image inspect --format '{{.Size}}' "$2" | awk '{printf "%.0f MB", $1 / 1e6}')"
}
if [ "$variant" = cuda ]; then
  build worker "beauty-evaluator-worker:cuda" --build-arg TORCH_VARIANT=cuda
else
  build web "beauty-evaluator-web:$TAG"
  build worker "beauty-evaluator-worker:$TAG"
fi
"$DOCKER" image prune -f >/dev/null
