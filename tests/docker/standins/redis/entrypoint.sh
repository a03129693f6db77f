#!/bin/sh
# As the official image: `redis-server <options>` listens everywhere, no protected mode, data in /data.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --bind '* -::*' --protected-mode no --dir /data "$@"
fi
exec "$@"
