#!/usr/bin/env bash
# PostgreSQL and Redis for the tests: check that they answer, start them if not.
set -uo pipefail

# The several-hosts test (tests/hosts) builds its hosts with `ip netns`.
if ! command -v ip >/dev/null; then
  echo "installing iproute2"
  apt-get install -y -q iproute2 >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q iproute2 >/dev/null; }
fi

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_up; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
if ! redis_up; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 30); do pg_up && redis_up && exit 0; sleep 1; done
echo "PostgreSQL or Redis did not come up" >&2
exit 1
