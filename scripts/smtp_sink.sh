#!/usr/bin/env bash
# The digest bench sends to Postfix's smtp-sink, a C server that accepts and discards
# mail (a Python sink would take a good part of a core from the worker it measures).
# It is taken from Debian's postfix package, unpacked into .bench/ (not installed:
# no mail server starts). Prints the program's path; exits 1 when it is unavailable.
set -u
cd "$(dirname "$0")/.."
root=.bench/postfix
sink="$root/usr/sbin/smtp-sink"
if [ ! -x "$sink" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || exit 1
  mkdir -p .bench/download
  (cd .bench/download && apt-get download postfix >/dev/null 2>&1) || {
    [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1
    (cd .bench/download && apt-get download postfix >/dev/null 2>&1) || exit 1
  }
  dpkg-deb -x .bench/download/postfix_*.deb "$root" || exit 1
fi
echo "$PWD/$sink"
