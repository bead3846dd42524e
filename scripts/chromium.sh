#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; install it when missing.
set -u
if command -v chromium >/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "chromium: missing, installing Debian's package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null && exit 0
fi
echo "chromium is missing and could not be installed: run 'sudo apt-get install chromium'."
exit 1
