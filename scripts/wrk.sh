#!/usr/bin/env bash
# The bench drives the site with wrk; install Debian's package when it is missing.
set -u
if command -v wrk >/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "wrk: missing, installing Debian's package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null && exit 0
fi
echo "wrk is missing and could not be installed: run 'sudo apt-get install wrk'."
exit 1
