#!/usr/bin/env bash
# The tiered profile's OpenSearch setup, after stack/opensearch-setup.sh (stack/start.sh --profile
# scale runs both once node 1 is healthy; idempotent, safe to run by hand):
#   - every index template of otel-collector/opensearch/ (crm-app-logs, crm-business-events, ...)
#     again, with one replica: the kit's templates say 0 (one local node); on the two-node cluster
#     every log index keeps a copy on each node. Built from the same files, so they stay one source.
#   - the ISM policy crm-jaeger-retention (otel-collector/tiered/), only where ISM is loaded; Jaeger
#     creates its own index templates (one replica: otel-collector/jaeger/opensearch.yaml).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd curl "to call the OpenSearch REST API"
dir="$STACK_REPO/otel-collector/opensearch"
replicas="${CRM_SCALE_LOG_REPLICAS:-1}"
[[ "$replicas" =~ ^[0-9]$ ]] || die "CRM_SCALE_LOG_REPLICAS='$replicas' is not a replica count; accepted: 0-9 (default 1)"

for file in "$dir"/index-template-*.json; do
  family="$(basename "$file" .json)"
  family="${family#index-template-}"
  # An index template's own settings override those of the component templates it is made of.
  # Added as a last member (sed, not jq: the OpenSearch image that runs this in compose has no jq).
  grep -q '"template"' "$file" && die "$file has its own \"template\" now: merge the replica setting into it here instead of appending one"
  opensearch_put "_index_template/$family" "$(sed '$ s/}[[:space:]]*$/, "template": { "settings": { "index.number_of_replicas": '"$replicas"' } } }/' "$file")"
done

# Without ISM, crm-jaeger-* days stay until deleted (as the logs' days do).
opensearch_put_policy crm-jaeger-retention "$STACK_REPO/otel-collector/tiered/ism-policy-crm-jaeger-retention.json"
