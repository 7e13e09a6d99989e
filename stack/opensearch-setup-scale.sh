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
base="http://127.0.0.1:$OPENSEARCH_PORT"
replicas="${CRM_SCALE_LOG_REPLICAS:-1}"
[[ "$replicas" =~ ^[0-9]$ ]] || die "CRM_SCALE_LOG_REPLICAS='$replicas' is not a replica count; accepted: 0-9 (default 1)"

# put PATH JSON: PUT a JSON body, fail with OpenSearch's answer on a non-2xx status.
put() {
  local path="$1" body="$2" out code
  out="$(mktemp)"
  code="$(curl -sS -o "$out" -w '%{http_code}' -X PUT "$base/$path" \
    -H 'content-type: application/json' --data-binary "$body")" || { rm -f "$out"; die "PUT $base/$path failed: is OpenSearch running?"; }
  if [[ "$code" != 2* ]]; then
    body="$(cat "$out")"; rm -f "$out"
    die "PUT $path answered HTTP $code: $body"
  fi
  rm -f "$out"
  log "applied $path"
}

for file in "$dir"/index-template-*.json; do
  family="$(basename "$file" .json)"
  family="${family#index-template-}"
  # An index template's own settings override those of the component templates it is made of.
  # Added as a last member (sed, not jq: the OpenSearch image that runs this in compose has no jq).
  grep -q '"template"' "$file" && die "$file has its own \"template\" now: merge the replica setting into it here instead of appending one"
  put "_index_template/$family" "$(sed '$ s/}[[:space:]]*$/, "template": { "settings": { "index.number_of_replicas": '"$replicas"' } } }/' "$file")"
done

if curl -sS "$base/_cat/plugins?h=component" | grep -qx 'opensearch-index-management'; then
  policy=_plugins/_ism/policies/crm-jaeger-retention
  # Updating an existing ISM policy needs its current sequence number and primary term.
  current="$(curl -sS "$base/$policy" || true)"
  seq="$(printf '%s' "$current" | sed -n 's/.*"_seq_no":\([0-9]*\).*/\1/p')"
  term="$(printf '%s' "$current" | sed -n 's/.*"_primary_term":\([0-9]*\).*/\1/p')"
  [[ -n "$seq" && -n "$term" ]] && policy+="?if_seq_no=$seq&if_primary_term=$term"
  put "$policy" "$(cat "$STACK_REPO/otel-collector/tiered/ism-policy-crm-jaeger-retention.json")"
else
  log "the index-management (ISM) plugin is not loaded: retention policy crm-jaeger-retention not applied" \
      "(as for the logs: stack/install-opensearch.sh explains why; crm-jaeger-* days stay until deleted)"
fi
