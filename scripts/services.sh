#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback; starts them where they are down.
set -u
ok=0

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_for() {  # wait_for NAME CHECK
  for _ in $(seq 1 30); do "$2" && return 0; sleep 0.5; done
  return 1
}

if pg_up; then
  echo "PostgreSQL: up on 127.0.0.1:5432"
elif command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "PostgreSQL: down, starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  wait_for postgres pg_up && echo "PostgreSQL: started" || { echo "PostgreSQL: could not be started; see 'pg_lsclusters'."; ok=1; }
else
  echo "PostgreSQL is missing. Install it with: apt-get install postgresql (trust auth for 'postgres' on 127.0.0.1), or point DATABASE_URL at a server."
  ok=1
fi

if redis_up; then
  echo "Redis: up on 127.0.0.1:6379"
elif command -v redis-server >/dev/null; then
  echo "Redis: down, starting it"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_for redis redis_up && echo "Redis: started" || { echo "Redis: could not be started."; ok=1; }
else
  echo "Redis is missing. Install it with: apt-get install redis-server, or point REDIS_URL at a server."
  ok=1
fi
exit $ok
