#!/usr/bin/env bash
# The browser test drives Debian's Chromium; Playwright never downloads a browser here.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
