#!/usr/bin/env bash
# The translation check (scripts/check_translations.py) runs makemessages and msgfmt,
# which need GNU gettext; install it when missing.
set -u
if command -v msgfmt >/dev/null && command -v xgettext >/dev/null && command -v msgmerge >/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "gettext: missing, installing Debian's package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq gettext >/dev/null && exit 0
fi
echo "GNU gettext is missing and could not be installed: run 'sudo apt-get install gettext'."
exit 1
