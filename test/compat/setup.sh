#!/usr/bin/env bash
# Installs what the compatibility suite runs: the pinned third-party apps (apps/package-lock.json,
# into apps/node_modules, git-ignored) and the database servers from Debian (PostgreSQL, Redis).
# Idempotent: a second run with nothing changed does nothing. The suite starts and stops the
# servers itself, in temporary folders on free ports.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

stamp="$here/apps/node_modules/.lock-sha256"
want="$(sha256sum "$here/apps/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[compat] installing the pinned apps (test/compat/apps)"
  (cd "$here/apps" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ "${#need[@]}" -gt 0 ]; then
  echo "[compat] installing ${need[*]} from Debian"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages' own services are not used: the suite runs its servers in temporary folders.
  "${sudo[@]}" systemctl disable --now redis-server postgresql >/dev/null 2>&1 || true
fi
pg_bins=(/usr/lib/postgresql/*/bin)
echo "[compat] ready: ${pg_bins[-1]}, $(redis-server --version | cut -d' ' -f3)"
