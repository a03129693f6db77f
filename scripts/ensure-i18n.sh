#!/usr/bin/env bash
# Simplified Chinese needs two Debian packages: gettext (msgfmt, used by the catalogue tests and
# `manage.py compilemessages`) and Noto CJK, the fonts the browser tests draw Chinese with.
set -euo pipefail
missing=()
command -v msgfmt >/dev/null || missing+=(gettext)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
