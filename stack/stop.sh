#!/usr/bin/env bash
# Stops components started by stack/start.sh.
#   stack/stop.sh                    all of them (collector first, so it can flush), in either
#                                    profile (start.sh --profile scale: agent, gateways, ... last the
#                                    OpenSearch nodes)
#   stack/stop.sh jaeger ...         only the named ones
#   stack/stop.sh --kill collector   SIGKILL at once (fault tests: a crash, no flush)
# SIGTERM first; SIGKILL if still alive after CRM_STACK_STOP_TIMEOUT seconds (default 60).
# Returns once the processes are gone, so a following start.sh finds ports and locks free.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kill_now=false
components=()
for arg in "$@"; do
  case "$arg" in
    --kill) kill_now=true ;;
    -*) die "unknown option '$arg'; accepted: --kill" ;;
    *) components+=("$arg") ;;
  esac
done
stop_all=false
if [[ ${#components[@]} -eq 0 ]]; then
  stop_all=true
  # Reverse of the start order of the running profile (start.sh --profile).
  order=("${ALL_COMPONENTS[@]}")
  [[ "$(running_profile)" == scale ]] && order=("${SCALE_COMPONENTS[@]}")
  for (( i=${#order[@]}-1; i>=0; i-- )); do components+=("${order[$i]}"); done
fi
check_components "${components[@]}"

timeout_s="${CRM_STACK_STOP_TIMEOUT:-60}"
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "CRM_STACK_STOP_TIMEOUT='$timeout_s' is not a number of seconds (e.g. 60)"

# wait_gone PID SECONDS: poll until the process is gone; fail after the bound.
wait_gone() {
  local deadline=$(( $(date +%s) + $2 ))
  while alive "$1"; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

for c in "${components[@]}"; do
  if ! pid="$(running_pid "$c")"; then
    rm -f "$(pid_file "$c")"
    log "$c not running"
    continue
  fi
  if $kill_now; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "$c (pid $pid) survived SIGKILL"
    log "$c killed (SIGKILL, pid $pid)"
  else
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$timeout_s"; then
      log "$c (pid $pid) still running ${timeout_s}s after SIGTERM: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || die "$c (pid $pid) survived SIGKILL"
    fi
    log "$c stopped (pid $pid)"
  fi
  rm -f "$(pid_file "$c")"
done
$stop_all && rm -f "$STACK_RUN/profile"
exit 0
