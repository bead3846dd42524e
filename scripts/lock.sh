#!/usr/bin/env bash
# Resolves pyproject.toml's dependencies (with the dev extra) in a scratch venv
# and writes the exact versions to requirements.lock.
#
# Versions already in requirements.lock are kept where they still fit (they are passed
# to pip as constraints), so adding a dependency changes only what it needs;
# `make lock UPGRADE=1` re-resolves everything to the newest versions.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3.11 -m venv "$tmp/venv"
deps=$(python3.11 -c 'import tomllib; p=tomllib.load(open("pyproject.toml","rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))')
mapfile -t reqs <<<"$deps"
constraints=()
if [[ -z "${UPGRADE:-}" && -f requirements.lock ]]; then
  grep -v '^#' requirements.lock > "$tmp/constraints.txt"
  constraints=(--constraint "$tmp/constraints.txt")
fi
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "${constraints[@]}" "${reqs[@]}"
# Sorted by name whatever pip's own order is, so that a re-lock's diff shows only changes.
{ echo "# Exact versions installed by make (pip install -r requirements.lock). Regenerate with: make lock"
  "$tmp/venv/bin/pip" freeze --exclude-editable | LC_ALL=C sort -f; } > requirements.lock
echo "requirements.lock updated"
