#!/usr/bin/env bash
# Start the scoring worker and the web server together; stop both on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
var_dir="${BEAUTY_VAR_DIR:-var}"  # the same folder as the settings' default (SQLite, media, broker)
mkdir -p "$var_dir"
$BIN/celery -A beautysite worker -B --schedule "$var_dir/celerybeat-schedule" -Q scoring,celery --concurrency "${WORKER_CONCURRENCY:-1}" --loglevel INFO &
worker=$!
stop_worker() { kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; }
trap stop_worker EXIT TERM
# Ctrl-C is how a person stops the app: a clean stop, not a failure for make to report.
trap 'stop_worker; exit 0' INT
port="${PORT:-8000}"  # PORT=8001 make run when 8000 is taken
echo "Beauty Evaluator: http://127.0.0.1:$port  (Ctrl-C stops web and worker)"
$BIN/python manage.py runserver "127.0.0.1:$port"
