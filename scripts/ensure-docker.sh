#!/usr/bin/env bash
# Docker for the container test (tests/docker): Debian's docker.io and docker-compose, a running
# daemon, and the base image. No image registry answers here, so the base image is made once
# from Debian's own packages (debootstrap) and kept; `make images` and the test build on it.
# Where Docker cannot run (not root, no kernel support) this says so and exits 0: the test then
# skips, saying why.
set -uo pipefail
cd "$(dirname "$0")/.."
BASE_IMAGE=$(sed -n 's/^ARG BASE=//p' Dockerfile)  # named in the Dockerfile only
DOCKER=/usr/bin/docker  # Debian's client: BuildKit built in (a newer docker CLI earlier on PATH may lack buildx)

if [ "$(id -u)" != 0 ]; then
  echo "ensure-docker: not root, the docker test will skip"
  exit 0
fi
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}
if [ ! -x "$DOCKER" ] || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "installing docker.io, docker-compose and debootstrap"
  apt_install docker.io docker-compose debootstrap || { echo "ensure-docker: could not install Docker" >&2; exit 0; }
fi

if ! "$DOCKER" info >/dev/null 2>&1; then
  echo "starting dockerd"
  # A daemon that was killed leaves its pid file, and the containerd it started may outlive it
  # holding its socket: a new daemon refuses to start beside either (seen when dockerd was
  # killed mid-build). Both are stopped and their pid files removed first.
  for pid_file in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    pid=$(cat "$pid_file" 2>/dev/null || true)
    rm -f "$pid_file"
    # Only Docker's own: a pid file from before a reboot may name some other process now.
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in dockerd | containerd) ;; *) continue ;; esac
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 20); do  # a stopped process lingers until it is reaped
      state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
      { [ -z "$state" ] || [ "$state" = Z ]; } && break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # A session of its own: a signal to the caller's process group (a timed-out test, make's
  # Ctrl-C, a CI step ending) leaves the daemon, and any build it is running, alone.
  setsid --fork dockerd >>/var/log/dockerd.log 2>&1 </dev/null
  for _ in $(seq 30); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 1; done
  if ! "$DOCKER" info >/dev/null 2>&1; then
    echo "ensure-docker: dockerd did not start (see /var/log/dockerd.log); the docker test will skip"
    exit 0
  fi
fi

if ! "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1 && ! timeout 60 "$DOCKER" pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  # Debian's own slim image is debootstrap's minbase too; this one is made here from the same packages.
  echo "no registry answers: making $BASE_IMAGE with debootstrap (once)"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  # python3 and its venv module in the base itself: every image needs them (the Dockerfile
  # installs python3 on a base that lacks it, as Docker Hub's slim image does).
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" \
    http://deb.debian.org/debian >/tmp/debootstrap.log 2>&1 || { echo "debootstrap failed, see /tmp/debootstrap.log" >&2; exit 1; }
  cat >"$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | "$DOCKER" import -c 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
fi
"$DOCKER" image prune -f >/dev/null  # dangling layers of earlier builds
echo "docker ready: $("$DOCKER" version --format '{{.Server.Version}}'), base $BASE_IMAGE"
