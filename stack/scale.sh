# The tiered profile of the local stack (docs/SCALING.md), sourced by stack/start.sh when it runs
# with --profile scale; not run on its own. On top of lib.sh it defines how the profile's
# components run:
#   opensearch, opensearch-2  a two-node cluster "crm-scale" (node 1: cluster manager + data,
#                             node 2: data), data in .stack/data-scale/opensearch-{1,2}
#   jaeger                    Jaeger v2 on that cluster (otel-collector/jaeger/opensearch.yaml)
#   gateway-1, gateway-2      tail sampling + spanmetrics (otel-collector/tiered/gateway.yaml)
#   collector                 the agent (otel-collector/tiered/agent.yaml), on the collector's ports
#   prometheus, alertmanager  as in the default profile; Prometheus also scrapes both gateways
# shellcheck shell=bash

# scale_required_vars NAME: stack.env variables a profile component needs (empty: as default).
scale_required_vars() {
  case "$1" in
    gateway-*) local n="${1#gateway-}" s
      for s in OTLP_GRPC_PORT OTLP_HTTP_PORT HEALTH_PORT TELEMETRY_PORT PROMETHEUS_EXPORTER_PORT; do echo "GATEWAY_${n}_$s"; done ;;
    opensearch-2) echo OPENSEARCH_VERSION OPENSEARCH_2_PORT OPENSEARCH_2_TRANSPORT_PORT OPENSEARCH_TRANSPORT_PORT OPENSEARCH_HEAP ;;
    opensearch) echo OPENSEARCH_TRANSPORT_PORT OPENSEARCH_2_TRANSPORT_PORT ;;
    collector) echo GATEWAY_1_OTLP_GRPC_PORT GATEWAY_2_OTLP_GRPC_PORT ;;
    jaeger) echo OPENSEARCH_PORT OPENSEARCH_2_PORT ;;
  esac
}

# opensearch_node_cmd N HTTP_PORT TRANSPORT_PORT ROLES: CMD for node N of the cluster.
opensearch_node_cmd() {
  local n="$1" http="$2" transport="$3" roles="$4" bin
  bin="$(component_binary opensearch)"
  mkdir -p "$CRM_STACK_DATA/opensearch-$n" "$STACK_LOGS/opensearch-$n"
  opensearch_cmd_prefix
  CMD+=("$bin"
    -Ecluster.name=crm-scale
    -Enode.name="crm-scale-$n"
    -Enode.roles="$roles"
    # Node 1 is the only cluster-manager-eligible node: with two eligible nodes, losing either
    # could stop the cluster (no quorum of two). So node 2 may fail, node 1 may not
    # (docs/SCALING.md: three eligible nodes survive any one).
    -Ecluster.initial_cluster_manager_nodes=crm-scale-1
    -Ediscovery.seed_hosts="127.0.0.1:$OPENSEARCH_TRANSPORT_PORT,127.0.0.1:$OPENSEARCH_2_TRANSPORT_PORT"
    -Enetwork.host=127.0.0.1
    -Ehttp.port="$http"
    -Etransport.port="$transport"
    -Epath.data="$CRM_STACK_DATA/opensearch-$n"
    -Epath.logs="$STACK_LOGS/opensearch-$n"
    -Ecluster.routing.allocation.disk.threshold_enabled=false)
}

# scale_command_for NAME: fill CMD (as start.sh's command_for) for a component the profile runs
# differently; fails for one it runs as the default profile does.
scale_command_for() {
  local bin n
  bin="$(component_binary "$1")"
  case "$1" in
    opensearch) opensearch_node_cmd 1 "$OPENSEARCH_PORT" "$OPENSEARCH_TRANSPORT_PORT" cluster_manager,data,ingest ;;
    opensearch-2) opensearch_node_cmd 2 "$OPENSEARCH_2_PORT" "$OPENSEARCH_2_TRANSPORT_PORT" data,ingest ;;
    jaeger)
      CMD=(env JAEGER_OPENSEARCH_URL_1="http://127.0.0.1:$OPENSEARCH_PORT"
        JAEGER_OPENSEARCH_URL_2="http://127.0.0.1:$OPENSEARCH_2_PORT"
        "$bin" --config "$STACK_REPO/otel-collector/jaeger/config.yaml"
        --config "$STACK_REPO/otel-collector/jaeger/opensearch.yaml") ;;
    collector)
      CMD=(env GATEWAY_1_ENDPOINT="127.0.0.1:$GATEWAY_1_OTLP_GRPC_PORT"
        GATEWAY_2_ENDPOINT="127.0.0.1:$GATEWAY_2_OTLP_GRPC_PORT"
        "$bin" --config "$STACK_REPO/otel-collector/config.yaml"
        --config "$STACK_REPO/otel-collector/tiered/agent.yaml") ;;
    gateway-*)
      n="${1#gateway-}"
      # The gateway reads the collector's port variables (config.yaml); here they are its own.
      CMD=(env GATEWAY_NAME="$1"
        COLLECTOR_OTLP_GRPC_PORT="$(gateway_var "$n" OTLP_GRPC_PORT)"
        COLLECTOR_OTLP_HTTP_PORT="$(gateway_var "$n" OTLP_HTTP_PORT)"
        COLLECTOR_HEALTH_PORT="$(gateway_var "$n" HEALTH_PORT)"
        COLLECTOR_TELEMETRY_PORT="$(gateway_var "$n" TELEMETRY_PORT)"
        COLLECTOR_PROMETHEUS_EXPORTER_PORT="$(gateway_var "$n" PROMETHEUS_EXPORTER_PORT)"
        "$bin" --config "$STACK_REPO/otel-collector/config.yaml"
        --config "$STACK_REPO/otel-collector/tiered/gateway.yaml") ;;
    *) return 1 ;;
  esac
}

# scale_prometheus_targets: every collector (agent and gateways), telemetry and exporter.
scale_prometheus_targets() {
  targets_file targets-collector "127.0.0.1:$COLLECTOR_TELEMETRY_PORT" \
    "127.0.0.1:$GATEWAY_1_TELEMETRY_PORT" "127.0.0.1:$GATEWAY_2_TELEMETRY_PORT"
  targets_file targets-collector-exporter "127.0.0.1:$COLLECTOR_PROMETHEUS_EXPORTER_PORT" \
    "127.0.0.1:$GATEWAY_1_PROMETHEUS_EXPORTER_PORT" "127.0.0.1:$GATEWAY_2_PROMETHEUS_EXPORTER_PORT"
}

# scale_urls NAME: the line start.sh prints for a profile component (fails: print the default's).
scale_urls() {
  case "$1" in
    collector) echo "Agent      OTLP gRPC 127.0.0.1:$COLLECTOR_OTLP_GRPC_PORT, OTLP HTTP http://127.0.0.1:$COLLECTOR_OTLP_HTTP_PORT -> gateways 127.0.0.1:$GATEWAY_1_OTLP_GRPC_PORT, 127.0.0.1:$GATEWAY_2_OTLP_GRPC_PORT" ;;
    gateway-*) echo "Gateway ${1#gateway-}  OTLP gRPC 127.0.0.1:$(gateway_var "${1#gateway-}" OTLP_GRPC_PORT), RED metrics http://127.0.0.1:$(gateway_var "${1#gateway-}" PROMETHEUS_EXPORTER_PORT)/metrics" ;;
    opensearch-2) echo "OpenSearch node 2 http://127.0.0.1:$OPENSEARCH_2_PORT (cluster crm-scale)" ;;
    jaeger) echo "Jaeger     API http://127.0.0.1:$JAEGER_UI_PORT/api/traces/<trace id> (storage: OpenSearch, indices crm-jaeger-*)" ;;
    *) return 1 ;;
  esac
}
