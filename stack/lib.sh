# Shared shell functions for stack/*.sh. Source it; do not run it.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Sets: STACK_REPO (repo root), CRM_STACK_HOME (binaries/downloads cache),
#       STACK_DIR (.stack in the repo), CRM_STACK_DATA, STACK_RUN, STACK_LOGS,
# and exports every variable of stack/stack.env.

STACK_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export STACK_REPO

# Export every KEY=value of stack.env (the one place for pins and ports).
set -a
# shellcheck source=stack/stack.env
source "$STACK_REPO/stack/stack.env"
set +a

export CRM_STACK_HOME="${CRM_STACK_HOME:-$HOME/.cache/crm-otel-kit}"
STACK_DIR="$STACK_REPO/.stack"
export CRM_STACK_DATA="$STACK_DIR/data"
STACK_RUN="$STACK_DIR/run"
STACK_LOGS="$STACK_DIR/logs"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# require_cmd NAME WHY: fail clearly when a tool is missing.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH; it is needed $2"
}

# require_var NAME: fail when a stack.env variable is empty.
require_var() {
  local name="$1"
  [[ -n "${!name:-}" ]] || die "$name is empty in stack/stack.env; set it (see the comment above it)"
}

# elapsed SECONDS_START: print seconds since a `date +%s` mark.
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }
