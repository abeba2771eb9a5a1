#!/usr/bin/env bash
# Make sure PostgreSQL, Redis (and Chromium for the browser test) are installed and running.
# Safe to run repeatedly; installs only with apt-get as root, starts only what is stopped.
set -u

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo -n "$@"; else return 1; fi; }
apt_install() {
  have apt-get || { echo "services: apt-get not available; install $* yourself" >&2; return 1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { as_root apt-get update -q >/dev/null 2>&1 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done; return 1; }

# PostgreSQL
if ! port_open 5432; then
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    echo "services: installing PostgreSQL"; apt_install postgresql
  fi
  if have pg_ctlcluster; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    as_root pg_ctlcluster "$ver" main start 2>/dev/null || as_root service postgresql start >/dev/null 2>&1 || true
  else
    as_root service postgresql start >/dev/null 2>&1 || true
  fi
  wait_port 5432 && echo "services: PostgreSQL up" || echo "services: PostgreSQL NOT reachable on 127.0.0.1:5432" >&2
fi

# Redis
if ! port_open 6379; then
  have redis-server || { echo "services: installing Redis"; apt_install redis-server; }
  if have redis-server; then
    as_root service redis-server start >/dev/null 2>&1 || redis-server --daemonize yes --save '' --appendonly no >/dev/null 2>&1 || true
  fi
  wait_port 6379 && echo "services: Redis up" || echo "services: Redis NOT reachable on 127.0.0.1:6379" >&2
fi

# Chromium for the playground browser test (optional: the test skips without it outside CI).
if ! have chromium && ! have chromium-browser; then
  echo "services: installing Chromium"; apt_install chromium || true
fi
# Compose, to validate docker-compose.yml where a docker client exists but has no compose plugin.
if have docker && ! docker compose version >/dev/null 2>&1 && ! have docker-compose; then
  echo "services: installing docker-compose"; apt_install docker-compose || true
fi
exit 0
