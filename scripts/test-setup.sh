#!/usr/bin/env bash
# Set-up for the whole test suite on a fresh machine (run by `npm test` before vitest):
# Debian's tmux (end-to-end terminal tests) and Celery 5 (real workers, under /usr/bin/python3),
# then the shared services (PostgreSQL 5432, Redis 6379, RabbitMQ 5672) if any is down.
# Tests never stop these; fault tests use private instances on other ports or a TCP proxy.
set -u

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
/usr/bin/python3 -c 'import celery, redis, amqp' >/dev/null 2>&1 || need+=(python3-celery python3-redis python3-amqp)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-setup: installing ${need[*]} from Debian"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || echo "test-setup: apt-get install failed" >&2
  else
    echo "test-setup: *** missing ${need[*]}: install them (apt-get install ${need[*]}); suites that need them will skip loudly, or fail under CI=true ***" >&2
  fi
fi

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 1; done; echo "test-setup: port $1 still down" >&2; return 1; }

if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "test-setup: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_up 5432
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "test-setup: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_up 6379
fi
if ! up 5672 && command -v rabbitmq-server >/dev/null 2>&1; then
  echo "test-setup: starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_up 5672
fi
exit 0
