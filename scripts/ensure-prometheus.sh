#!/usr/bin/env bash
# The metrics test runs a real Prometheus server (Debian's) on loopback with a config of its own;
# the package's own service is never started (policy-rc.d), nothing else listens because of it.
set -euo pipefail
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  echo "installing Debian's prometheus"
  policy=/usr/sbin/policy-rc.d
  created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
  if [ -n "$created_policy" ]; then rm -f "$policy"; fi
fi
