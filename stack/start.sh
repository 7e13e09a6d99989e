#!/usr/bin/env bash
# Starts the local stack without Docker, on 127.0.0.1, in the background:
#   stack/start.sh                 collector, jaeger, alertmanager, prometheus and opensearch
#   stack/start.sh opensearch ...  only the named components
#   stack/start.sh --profile scale the tiered profile (stack/scale.sh, docs/SCALING.md): an agent,
#                                  two gateways, Jaeger on a two-node OpenSearch cluster, Prometheus
#                                  and Alertmanager; data in .stack/data-scale. `npm run stack -- --profile scale`
# Pids in .stack/run, logs in .stack/logs, data in .stack/data (CRM_STACK_DATA).
# A component that is already running is left alone. Waits for each one's health
# (timeout CRM_STACK_START_TIMEOUT seconds each, default 180), applies the OpenSearch
# setup, then prints the URLs. Binaries come from `npm run stack:install`.
#
# Prometheus' app targets: CRM_APP_METRICS_TARGETS="host:port,..." (default
# localhost:$APP_PROMETHEUS_PORT and the port after it, the demo's two services).
#
# Alertmanager's receivers (otel-collector/alertmanager/alertmanager.yml) come from the
# environment: ALERTMANAGER_PAGER_URL (+ ALERTMANAGER_PAGER_TOKEN), SLACK_WEBHOOK_URL,
# ALERTMANAGER_DEFAULT_URL. Each run that names alertmanager (or all components) writes them to
# .stack/alertmanager/receivers/ (mode 600), also when Alertmanager already runs: it reads those
# files at each notification, so `SLACK_WEBHOOK_URL=... stack/start.sh alertmanager` switches
# the chat receiver without a restart. An unset variable leaves its receiver empty.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

profile=default
components=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --profile) [[ $# -ge 2 ]] || die "--profile needs a name; accepted: $PROFILES"; profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    -*) die "unknown option '$1'; accepted: --profile NAME ($PROFILES)" ;;
    *) components+=("$1"); shift ;;
  esac
done
case "$profile" in
  default) [[ ${#components[@]} -gt 0 ]] || components=("${ALL_COMPONENTS[@]}") ;;
  scale)
    # shellcheck source=stack/scale.sh
    source "$STACK_REPO/stack/scale.sh"
    [[ ${#components[@]} -gt 0 ]] || components=("${SCALE_COMPONENTS[@]}")
    export CRM_STACK_DATA="$SCALE_DATA" ;;
  *) die "--profile '$profile' is unknown; accepted: $PROFILES" ;;
esac
check_components "${components[@]}"
for c in "${components[@]}"; do
  [[ "$profile" == scale || ! "$c" =~ ^(gateway-|opensearch-2) ]] || die "$c belongs to the tiered profile: start it with --profile scale"
done
require_cmd curl "to check the components' health"

timeout_s="${CRM_STACK_START_TIMEOUT:-180}"
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "CRM_STACK_START_TIMEOUT='$timeout_s' is not a number of seconds (e.g. 180)"

mkdir -p "$STACK_RUN" "$STACK_LOGS" "$CRM_STACK_DATA" "$STACK_DIR/prometheus"
# One profile at a time: the components share ports.
if [[ "$(running_profile)" != "$profile" ]]; then
  for c in "${ALL_COMPONENTS[@]}" opensearch-2 gateway-1 gateway-2; do
    running_pid "$c" >/dev/null && die "the $(running_profile) profile is running ($c); stop it first: npm run stack:stop"
  done
fi
echo "$profile" > "$STACK_RUN/profile"

# Each component's ports must be set in stack.env before it can start.
required_vars() {
  [[ "$profile" == scale ]] && scale_required_vars "$1"
  case "$1" in
    collector) echo COLLECTOR_OTLP_GRPC_PORT COLLECTOR_OTLP_HTTP_PORT COLLECTOR_HEALTH_PORT COLLECTOR_TELEMETRY_PORT COLLECTOR_PROMETHEUS_EXPORTER_PORT ;;
    jaeger) echo JAEGER_OTLP_GRPC_PORT JAEGER_OTLP_HTTP_PORT JAEGER_UI_PORT JAEGER_HEALTH_PORT JAEGER_TELEMETRY_PORT JAEGER_QUERY_GRPC_PORT ;;
    prometheus) echo PROMETHEUS_PORT PROMETHEUS_RETENTION APP_PROMETHEUS_PORT COLLECTOR_TELEMETRY_PORT COLLECTOR_PROMETHEUS_EXPORTER_PORT JAEGER_TELEMETRY_PORT ALERTMANAGER_PORT ;;
    alertmanager) echo ALERTMANAGER_PORT ;;
    opensearch) echo OPENSEARCH_VERSION OPENSEARCH_PORT OPENSEARCH_HEAP ;;
  esac
}

# targets_file NAME TARGET...: a Prometheus file_sd file with one target group.
targets_file() {
  local name="$1" list="" t
  shift
  for t in "$@"; do
    [[ "$t" =~ ^[A-Za-z0-9._-]+:[0-9]+$ ]] || die "Prometheus target '$t' is not host:port (check CRM_APP_METRICS_TARGETS)"
    list+="${list:+, }\"$t\""
  done
  printf '[{"targets": [%s]}]\n' "$list" > "$STACK_DIR/prometheus/$name.json.tmp"
  mv "$STACK_DIR/prometheus/$name.json.tmp" "$STACK_DIR/prometheus/$name.json"
}

write_prometheus_targets() {
  local apps
  IFS=',' read -r -a apps <<< "${CRM_APP_METRICS_TARGETS:-localhost:$APP_PROMETHEUS_PORT,localhost:$((APP_PROMETHEUS_PORT + 1))}"
  targets_file targets-apps "${apps[@]}"
  targets_file targets-collector "127.0.0.1:$COLLECTOR_TELEMETRY_PORT"
  targets_file targets-collector-exporter "127.0.0.1:$COLLECTOR_PROMETHEUS_EXPORTER_PORT"
  targets_file targets-jaeger "127.0.0.1:$JAEGER_TELEMETRY_PORT"
  targets_file targets-prometheus "127.0.0.1:$PROMETHEUS_PORT"
  targets_file targets-alertmanager "127.0.0.1:$ALERTMANAGER_PORT"
}

# write_alertmanager_receivers: one file per receiver secret, from the environment (see the top).
# Values are never printed: a webhook URL usually holds its token.
write_alertmanager_receivers() {
  local dir="$STACK_DIR/alertmanager/receivers" pair var file value
  mkdir -p "$dir"
  chmod 700 "$dir"
  for pair in ALERTMANAGER_PAGER_URL:pager-url ALERTMANAGER_PAGER_TOKEN:pager-token SLACK_WEBHOOK_URL:chat-url ALERTMANAGER_DEFAULT_URL:default-url; do
    var="${pair%%:*}" file="${pair#*:}"
    value="${!var:-}"
    if [[ "$var" == *_URL && -n "$value" && ! "$value" =~ ^https?://[^[:space:]]+$ ]]; then
      die "$var is not an http:// or https:// URL without spaces (value not shown: it may hold a token); unset it to leave that receiver empty"
    fi
    ( umask 077; printf '%s\n' "$value" > "$dir/$file.tmp" )
    mv "$dir/$file.tmp" "$dir/$file"
  done
  log "alertmanager receivers: pager $(receiver_state ALERTMANAGER_PAGER_URL), chat $(receiver_state SLACK_WEBHOOK_URL), default $(receiver_state ALERTMANAGER_DEFAULT_URL)"
}

# receiver_state VAR: "set" or "empty (VAR unset)", never the value.
receiver_state() {
  if [[ -n "${!1:-}" ]]; then echo set; else echo "empty ($1 unset)"; fi
}

# command_for NAME: fill CMD with the component's command line and CMD_DIR with the directory
# it runs in (empty: the caller's).
command_for() {
  local bin
  bin="$(component_binary "$1")"
  CMD_DIR=""
  [[ "$profile" == scale ]] && scale_command_for "$1" && return 0
  case "$1" in
    collector)
      CMD=("$bin" --config "$STACK_REPO/otel-collector/config.yaml") ;;
    jaeger)
      mkdir -p "$CRM_STACK_DATA/jaeger"
      CMD=("$bin" --config "$STACK_REPO/otel-collector/jaeger/config.yaml") ;;
    prometheus)
      write_prometheus_targets
      [[ "$profile" == scale ]] && scale_prometheus_targets
      CMD=("$bin" --config.file="$STACK_REPO/otel-collector/prometheus/prometheus.yml"
        --storage.tsdb.path="$CRM_STACK_DATA/prometheus"
        --storage.tsdb.retention.time="$PROMETHEUS_RETENTION"
        --web.listen-address="127.0.0.1:$PROMETHEUS_PORT"
        --web.enable-lifecycle) ;;
    alertmanager)
      mkdir -p "$CRM_STACK_DATA/alertmanager"
      # The config's receiver files are relative to its directory, which must also be the
      # working directory (Alertmanager reads url_file relative to it).
      CMD_DIR="$STACK_REPO/otel-collector/alertmanager"
      CMD=("$bin" --config.file="$CMD_DIR/alertmanager.yml"
        --storage.path="$CRM_STACK_DATA/alertmanager"
        --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT"
        --web.external-url="http://127.0.0.1:$ALERTMANAGER_PORT"
        # One instance: no gossip cluster (it would listen on 9094).
        --cluster.listen-address="") ;;
    opensearch)
      mkdir -p "$CRM_STACK_DATA/opensearch" "$STACK_LOGS/opensearch"
      opensearch_cmd_prefix
      CMD+=("$bin"
        -Ecluster.name=crm-local
        -Enode.name=crm-local-1
        # One node, no discovery; loopback only (also skips the production bootstrap checks).
        -Ediscovery.type=single-node
        -Enetwork.host=127.0.0.1
        -Ehttp.port="$OPENSEARCH_PORT"
        -Epath.data="$CRM_STACK_DATA/opensearch"
        -Epath.logs="$STACK_LOGS/opensearch"
        # A nearly full CI disk must not turn the indices read-only.
        -Ecluster.routing.allocation.disk.threshold_enabled=false) ;;
  esac
}

launch() {
  local name="$1" bin log pf v pid
  if pid="$(running_pid "$name")"; then
    log "$name already running (pid $pid)"
    return 0
  fi
  if healthy "$name"; then
    die "$name's port already answers ($(health_url "$name")) but not from a process stack/start.sh started: stop that process first"
  fi
  command_for "$name"
  log="$(log_file "$name")"
  pf="$(pid_file "$name")"
  printf '\n=== %s start %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >> "$log"
  # setsid: its own session, so a Ctrl-C in the terminal that ran the tests does not reach it.
  # The inner bash enters CMD_DIR (if any), writes its own pid, then execs the component under
  # that pid.
  # shellcheck disable=SC2016 # the single-quoted script is expanded by the inner bash, on purpose
  setsid nohup bash -c 'if [[ -n "$1" ]]; then cd "$1" || exit 1; fi; echo $$ > "$0"; shift; exec "$@"' \
    "$pf" "$CMD_DIR" "${CMD[@]}" >> "$log" 2>&1 < /dev/null &
  STARTED+=("$name")
}

wait_healthy() {
  local name="$1" deadline pid
  deadline=$(( $(date +%s) + timeout_s ))
  while ! healthy "$name"; do
    # The pid file appears a moment after launch; only a process that died is fatal.
    if [[ -f "$(pid_file "$name")" ]] && ! pid="$(running_pid "$name")"; then
      die "$name exited during start-up: see $(log_file "$name")$([[ $name == opensearch ]] && echo " and $STACK_LOGS/opensearch/")"
    fi
    if (( $(date +%s) >= deadline )); then
      die "$name not healthy after ${timeout_s}s ($(health_url "$name")): see $(log_file "$name")"
    fi
    sleep 1
  done
}

# Check everything before starting anything.
missing=()
for c in "${components[@]}"; do
  for v in $(required_vars "$c"); do
    require_var "$v"
    if [[ "$v" == *_PORT ]] && ! [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 && "${!v}" -le 65535 ]]; then
      die "$v='${!v}' in stack/stack.env is not a port; accepted: 1-65535"
    fi
  done
  [[ -x "$(component_binary "$c")" ]] || missing+=("$c ($(component_binary "$c"))")
done
[[ ${#missing[@]} -eq 0 ]] || die "not installed: ${missing[*]}; run \`npm run stack:install\`"

STARTED=()
start=$(date +%s)
for c in "${components[@]}"; do
  [[ "$c" == alertmanager ]] && write_alertmanager_receivers
done
# start_wave NAME...: launch them all, then wait for each one's health.
start_wave() {
  local c
  for c in "$@"; do launch "$c"; done
  for c in "$@"; do
    wait_healthy "$c"
    log "$c healthy"
  done
}
if [[ "$profile" == scale ]]; then
  # Jaeger creates its OpenSearch index templates at start-up: the cluster comes up first.
  first=() rest=()
  for c in "${components[@]}"; do
    if [[ "$c" == opensearch* ]]; then first+=("$c"); else rest+=("$c"); fi
  done
  [[ ${#first[@]} -gt 0 ]] && start_wave "${first[@]}"
  if [[ " ${first[*]} " == *" opensearch "* ]]; then
    bash "$STACK_REPO/stack/opensearch-setup.sh"
    bash "$STACK_REPO/stack/opensearch-setup-scale.sh"
  fi
  [[ ${#rest[@]} -gt 0 ]] && start_wave "${rest[@]}"
else
  start_wave "${components[@]}"
  for c in "${components[@]}"; do
    [[ "$c" == opensearch ]] && bash "$STACK_REPO/stack/opensearch-setup.sh"
  done
fi
[[ ${#STARTED[@]} -gt 0 ]] && log "started ${STARTED[*]} in $(elapsed "$start")"

for c in "${components[@]}"; do
  [[ "$profile" == scale ]] && scale_urls "$c" && continue
  case "$c" in
    collector) echo "Collector  OTLP gRPC 127.0.0.1:$COLLECTOR_OTLP_GRPC_PORT, OTLP HTTP http://127.0.0.1:$COLLECTOR_OTLP_HTTP_PORT, health http://127.0.0.1:$COLLECTOR_HEALTH_PORT/" ;;
    jaeger) echo "Jaeger     API http://127.0.0.1:$JAEGER_UI_PORT/api/traces/<trace id> (the module build has no UI; OTLP in: gRPC 127.0.0.1:$JAEGER_OTLP_GRPC_PORT, HTTP 127.0.0.1:$JAEGER_OTLP_HTTP_PORT)" ;;
    prometheus) echo "Prometheus http://127.0.0.1:$PROMETHEUS_PORT/api/v1/ (API only: the module build has no UI; targets: .stack/prometheus/, retention $PROMETHEUS_RETENTION)" ;;
    alertmanager) echo "Alertmanager http://127.0.0.1:$ALERTMANAGER_PORT/api/v2/alerts (API only; routing: otel-collector/alertmanager/alertmanager.yml)" ;;
    opensearch) echo "OpenSearch http://127.0.0.1:$OPENSEARCH_PORT (indices crm-app-logs-*, crm-business-events-*)" ;;
  esac
done
echo "Logs: $STACK_LOGS  Stop: npm run stack:stop"
