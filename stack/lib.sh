# shellcheck shell=bash
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

# go_installer NAME VERSION_VAR BINARY...: the start of an installer that builds a Go module:
# VERSION_VAR (of stack.env) must be set and `go` on PATH; the installer then ends when every
# binary is in $CRM_STACK_HOME/bin and its stamp (bin/.NAME-version, written by go_build) records
# that pin: a second run with the same pin is a no-op.
go_installer() {
  local name="$1" var="$2" b
  shift 2
  require_var "$var"
  require_cmd go "to build $name from its Go module (install Go >= 1.24)"
  for b in "$@"; do [[ -x "$CRM_STACK_HOME/bin/$b" ]] || return 0; done
  [[ "$(cat "$CRM_STACK_HOME/bin/.$name-version" 2>/dev/null)" == "${!var}" ]] || return 0
  log "$name ${!var} already built: $*"
  exit 0
}

# go_module_source MODULE@VERSION DEST WHY: downloads a Go module through the proxy and copies
# it to DEST (once), writable, since the module cache is read-only; the module's own go.mod
# (with its replaces) then applies to a build in DEST. WHY ends the error if the download fails.
go_module_source() {
  local module="$1" dest="$2" why="$3" info moddir
  [[ -f "$dest/go.mod" ]] && return 0
  log "downloading $module through the Go module proxy"
  info="$(go mod download -json "$module")" || die "go mod download $module failed ($why)"
  moddir="$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  [[ -d "$moddir" ]] || die "go mod download $module gave no module directory"
  rm -rf "$dest.tmp"
  mkdir -p "$(dirname "$dest")"
  cp -r "$moddir" "$dest.tmp"
  chmod -R u+w "$dest.tmp"
  mv "$dest.tmp" "$dest"
}

# go_build NAME VERSION SRC LDFLAGS CMD...: builds ./cmd/CMD of the module copied to SRC (see
# go_module_source) for each CMD into $CRM_STACK_HOME/bin, then writes the stamp go_installer reads.
# GOWORK=off builds against the module's go.mod alone (some ship a go.work for their sub-modules);
# GOTOOLCHAIN=auto lets `go` fetch the toolchain go.mod asks for if the local one is older;
# -trimpath (and -s -w in LDFLAGS) keep the binaries small. GO_BUILD_TAGS: build tags, if any.
go_build() {
  local name="$1" version="$2" src="$3" ldflags="$4" bindir="$CRM_STACK_HOME/bin" start cmd
  shift 4
  start=$(date +%s)
  mkdir -p "$bindir"
  log "building $name $version: $* (cold builds take several minutes on 2 cores)"
  for cmd in "$@"; do
    ( cd "$src" && GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0 \
        go build -trimpath -tags "${GO_BUILD_TAGS:-}" -ldflags "$ldflags" -o "$bindir/$cmd.tmp" "./cmd/$cmd" ) \
      || die "go build of $cmd $version failed (see the output above)"
  done
  # Renamed only once all are built, so a running stack never sees a half-written set.
  for cmd in "$@"; do mv "$bindir/$cmd.tmp" "$bindir/$cmd"; done
  echo "$version" > "$bindir/.$name-version"
  log "$name $version built in $(elapsed "$start"): $*"
}

# prometheus_ldflags VERSION REVISION: -ldflags stamping what `--version` prints in the
# Prometheus project's binaries (github.com/prometheus/common/version).
prometheus_ldflags() {
  local v="github.com/prometheus/common/version"
  printf '%s' "-s -w -X $v.Version=$1 -X $v.Revision=$2 -X $v.Branch=module -X $v.BuildUser=crm-otel-kit -X $v.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
}

# java_major JAVA_HOME: print the Java feature version of a JDK (e.g. 25), or nothing.
java_major() {
  [[ -x "$1/bin/java" ]] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

# opensearch_java_home: print the JDK OpenSearch runs on (Java 21+ for OpenSearch 3.x):
# $OPENSEARCH_JAVA_HOME from the environment if set (must be 21+); else
# OPENSEARCH_JAVA_HOME_DEFAULT of stack.env; else the first Java 21+ under /usr/lib/jvm.
opensearch_java_home() {
  local jh major
  if [[ -n "${OPENSEARCH_JAVA_HOME:-}" ]]; then
    major="$(java_major "$OPENSEARCH_JAVA_HOME")"
    [[ -n "$major" ]] || die "OPENSEARCH_JAVA_HOME=$OPENSEARCH_JAVA_HOME has no bin/java; set it to a Java 21+ JDK"
    [[ "$major" =~ ^[0-9]+$ && "$major" -ge 21 ]] \
      || die "OPENSEARCH_JAVA_HOME=$OPENSEARCH_JAVA_HOME is Java $major; OpenSearch ${OPENSEARCH_VERSION:-3.x} needs Java 21 or newer"
    printf '%s\n' "$OPENSEARCH_JAVA_HOME"
    return 0
  fi
  for jh in "${OPENSEARCH_JAVA_HOME_DEFAULT:-}" /usr/lib/jvm/*; do
    [[ -n "$jh" ]] || continue
    major="$(java_major "$jh")"
    if [[ "${major:-0}" =~ ^[0-9]+$ && "$major" -ge 21 ]]; then
      printf '%s\n' "$jh"
      return 0
    fi
  done
  die "no Java 21+ JDK for OpenSearch ${OPENSEARCH_VERSION:-3.x} (tried OPENSEARCH_JAVA_HOME_DEFAULT=${OPENSEARCH_JAVA_HOME_DEFAULT:-} and /usr/lib/jvm/*): install one (e.g. apt-get install openjdk-21-jdk-headless) or set OPENSEARCH_JAVA_HOME"
}

# opensearch_cmd_prefix: start CMD with what runs OpenSearch as a non-root user (empty when not
# root) and export the JDK and heap it runs with; the caller appends the binary and its -E settings.
# shellcheck disable=SC2034 # CMD is read by the caller (start.sh's command_for, scale.sh)
opensearch_cmd_prefix() {
  OPENSEARCH_JAVA_HOME="$(opensearch_java_home)"
  export OPENSEARCH_JAVA_HOME
  export OPENSEARCH_JAVA_OPTS="-Xms$OPENSEARCH_HEAP -Xmx$OPENSEARCH_HEAP"
  CMD=()
  if [[ "$(id -u)" == 0 ]]; then
    # OpenSearch refuses to run as root. A user namespace maps us to uid 1000
    # inside (root outside), so files stay ours and nothing needs chown.
    unshare --user --map-user=1000 --map-group=1000 true 2>/dev/null \
      || die "OpenSearch refuses to run as root and user namespaces are unavailable here: run the stack as a non-root user"
    CMD=(unshare --user --map-user=1000 --map-group=1000)
  fi
}

# --- the OpenSearch setup scripts (opensearch-setup*.sh), against 127.0.0.1:$OPENSEARCH_PORT ---

# opensearch_put PATH BODY: PUT a JSON body (curl's @FILE reads a file); fails with OpenSearch's
# answer on a non-2xx status.
opensearch_put() {
  local base="http://127.0.0.1:$OPENSEARCH_PORT" path="$1" body="$2" out code answer what=""
  [[ "$body" != @* ]] || what=" with ${body#@}"
  out="$(mktemp)"
  code="$(curl -sS -o "$out" -w '%{http_code}' -X PUT "$base/$path" \
    -H 'content-type: application/json' --data-binary "$body")" || { rm -f "$out"; die "PUT $base/$path failed: is OpenSearch running?"; }
  answer="$(cat "$out")"; rm -f "$out"
  [[ "$code" == 2* ]] || die "PUT $path$what answered HTTP $code: $answer"
  log "applied $path"
}

# opensearch_has_ism: is the index-management plugin loaded (stack/install-opensearch.sh: not here)?
opensearch_has_ism() {
  curl -sS "http://127.0.0.1:$OPENSEARCH_PORT/_cat/plugins?h=component" | grep -qx 'opensearch-index-management'
}

# opensearch_put_policy NAME FILE: the ISM policy NAME from FILE where ISM is loaded (updating an
# existing policy needs its current sequence number and primary term); else one line saying so.
opensearch_put_policy() {
  local policy="_plugins/_ism/policies/$1" current seq term
  if ! opensearch_has_ism; then
    log "the index-management (ISM) plugin is not loaded: retention policy $1 not applied" \
        "(stack/install-opensearch.sh explains why)"
    return 0
  fi
  current="$(curl -sS "http://127.0.0.1:$OPENSEARCH_PORT/$policy" || true)"
  seq="$(printf '%s' "$current" | sed -n 's/.*"_seq_no":\([0-9]*\).*/\1/p')"
  term="$(printf '%s' "$current" | sed -n 's/.*"_primary_term":\([0-9]*\).*/\1/p')"
  [[ -n "$seq" && -n "$term" ]] && policy+="?if_seq_no=$seq&if_primary_term=$term"
  opensearch_put "$policy" "@$2"
}

# --- components run by start.sh/stop.sh ---
# Start order: backends first so the collector's exporters find them; stop is the reverse.
ALL_COMPONENTS=(opensearch jaeger alertmanager prometheus collector)

OPENSEARCH_HOME="$CRM_STACK_HOME/opensearch-${OPENSEARCH_VERSION:-unset}"

# The tiered profile (start.sh --profile scale, docs/SCALING.md): a second OpenSearch node and two
# gateways; `collector` is then the agent. Its own data directory, since a single-node OpenSearch
# data directory cannot join a cluster.
# shellcheck disable=SC2034 # read by start.sh and stop.sh, which source this file
SCALE_COMPONENTS=(opensearch opensearch-2 jaeger alertmanager prometheus gateway-1 gateway-2 collector)
# shellcheck disable=SC2034 # read by start.sh
SCALE_DATA="$STACK_DIR/data-scale"
# shellcheck disable=SC2034 # read by start.sh
PROFILES="default scale"

# check_components NAME...: fail on an unknown component name.
check_components() {
  local c
  for c in "$@"; do
    case "$c" in
      collector|jaeger|alertmanager|prometheus|opensearch) ;;
      gateway-1|gateway-2|opensearch-2) ;;
      *) die "unknown component '$c'; accepted: ${ALL_COMPONENTS[*]} (profile scale adds opensearch-2 gateway-1 gateway-2)" ;;
    esac
  done
}

# running_profile: the profile of the running stack (written by start.sh), default if none.
running_profile() { cat "$STACK_RUN/profile" 2>/dev/null || echo default; }

# gateway_var N SUFFIX: the value of GATEWAY_<N>_<SUFFIX> from stack.env (gateway-N).
gateway_var() { local v="GATEWAY_$1_$2"; echo "${!v}"; }

pid_file() { echo "$STACK_RUN/$1.pid"; }
log_file() { echo "$STACK_LOGS/$1.log"; }

# component_binary NAME: the executable start.sh runs (or the script that execs it).
component_binary() {
  case "$1" in
    collector|gateway-*) echo "$CRM_STACK_HOME/bin/otelcol-crm" ;;
    jaeger) echo "$CRM_STACK_HOME/bin/jaeger" ;;
    prometheus) echo "$CRM_STACK_HOME/bin/prometheus" ;;
    alertmanager) echo "$CRM_STACK_HOME/bin/alertmanager" ;;
    opensearch|opensearch-2) echo "$OPENSEARCH_HOME/bin/opensearch" ;;
  esac
}

# component_marker NAME: a string in /proc/PID/cmdline of the running process, so a
# stale pid file whose pid was reused by something else is not taken for ours.
component_marker() {
  case "$1" in
    # The launcher script and the JVM it execs both name the install directory.
    opensearch|opensearch-2) echo "$OPENSEARCH_HOME" ;;
    *) component_binary "$1" ;;
  esac
}

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  [[ -r "/proc/$1/stat" ]] || return 1
  state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat")"
  [[ "$state" != "Z" && "$state" != "X" ]]
}

# running_pid NAME: print the pid of the component we started, or fail.
running_pid() {
  local pf pid
  pf="$(pid_file "$1")"
  [[ -f "$pf" ]] || return 1
  pid="$(cat "$pf")"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$(component_marker "$1")" || return 1
  echo "$pid"
}

# health_url NAME: answers 2xx once the component is ready.
health_url() {
  case "$1" in
    collector) echo "http://127.0.0.1:$COLLECTOR_HEALTH_PORT/" ;;
    jaeger) echo "http://127.0.0.1:$JAEGER_HEALTH_PORT/status" ;;
    prometheus) echo "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" ;;
    alertmanager) echo "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" ;;
    # 408 until the cluster is at least yellow.
    opensearch) echo "http://127.0.0.1:$OPENSEARCH_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" ;;
    # Healthy once it has joined node 1's cluster (the cluster then reports two nodes).
    opensearch-2) echo "http://127.0.0.1:$OPENSEARCH_2_PORT/_cluster/health?wait_for_nodes=2&timeout=1s" ;;
    gateway-*) echo "http://127.0.0.1:$(gateway_var "${1#gateway-}" HEALTH_PORT)/" ;;
  esac
}

healthy() { curl -fsS -o /dev/null --max-time 3 "$(health_url "$1")" 2>/dev/null; }
