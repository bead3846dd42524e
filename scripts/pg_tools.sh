#!/usr/bin/env bash
# The backup tests run pg_dump and pg_restore; install PostgreSQL's client tools when missing.
set -u
if command -v pg_dump >/dev/null && command -v pg_restore >/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "pg_dump: missing, installing Debian's postgresql-client"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null && exit 0
fi
echo "pg_dump is missing and could not be installed: run 'sudo apt-get install postgresql-client'."
exit 1
