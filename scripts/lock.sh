#!/usr/bin/env bash
# Resolves pyproject.toml's dependencies (with the dev extra) in a scratch venv
# and writes the exact versions to requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3.11 -m venv "$tmp/venv"
deps=$(python3.11 -c 'import tomllib; p=tomllib.load(open("pyproject.toml","rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))')
mapfile -t reqs <<<"$deps"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "${reqs[@]}"
{ echo "# Exact versions installed by make (pip install -r requirements.lock). Regenerate with: make lock"
  "$tmp/venv/bin/pip" freeze --exclude-editable; } > requirements.lock
echo "requirements.lock updated"
