#!/usr/bin/env bash
# Start the scoring worker and the web server together; stop both on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/celery -A beautysite worker -B --schedule var/celerybeat-schedule -Q scoring,celery --concurrency "${WORKER_CONCURRENCY:-1}" --loglevel INFO &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
port="${PORT:-8000}"  # PORT=8001 make run when 8000 is taken
echo "Beauty Evaluator: http://127.0.0.1:$port  (Ctrl-C stops web and worker)"
$BIN/python manage.py runserver "127.0.0.1:$port"
