#!/usr/bin/env bash
# Applies the kit's OpenSearch setup (otel-collector/opensearch/*.json) to the
# running node at 127.0.0.1:$OPENSEARCH_PORT. Idempotent: every call is a PUT.
#   component template crm-otel-logs      (shared mappings/settings)
#   index templates crm-app-logs, crm-business-events
#   ISM policy crm-logs-retention          (only when the index-management plugin is loaded)
# Called by stack/start.sh once OpenSearch is healthy; safe to run by hand.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd curl "to call the OpenSearch REST API"
dir="$STACK_REPO/otel-collector/opensearch"
base="http://127.0.0.1:$OPENSEARCH_PORT"

# put PATH FILE: PUT a JSON file, fail with OpenSearch's answer on a non-2xx status.
put() {
  local path="$1" file="$2" out code
  out="$(mktemp)"
  code="$(curl -sS -o "$out" -w '%{http_code}' -X PUT "$base/$path" \
    -H 'content-type: application/json' --data-binary "@$file")" || { rm -f "$out"; die "PUT $base/$path failed: is OpenSearch running?"; }
  if [[ "$code" != 2* ]]; then
    local body; body="$(cat "$out")"; rm -f "$out"
    die "PUT $path with $file answered HTTP $code: $body"
  fi
  rm -f "$out"
  log "applied $path"
}

put _component_template/crm-otel-logs "$dir/component-template-crm-otel-logs.json"
put _index_template/crm-app-logs "$dir/index-template-crm-app-logs.json"
put _index_template/crm-business-events "$dir/index-template-crm-business-events.json"

if curl -sS "$base/_cat/plugins?h=component" | grep -qx 'opensearch-index-management'; then
  policy=_plugins/_ism/policies/crm-logs-retention
  # Updating an existing ISM policy needs its current sequence number and primary term.
  current="$(curl -sS "$base/$policy" || true)"
  seq="$(printf '%s' "$current" | sed -n 's/.*"_seq_no":\([0-9]*\).*/\1/p')"
  term="$(printf '%s' "$current" | sed -n 's/.*"_primary_term":\([0-9]*\).*/\1/p')"
  if [[ -n "$seq" && -n "$term" ]]; then
    put "$policy?if_seq_no=$seq&if_primary_term=$term" "$dir/ism-policy-crm-logs-retention.json"
  else
    put "$policy" "$dir/ism-policy-crm-logs-retention.json"
  fi
else
  log "the index-management (ISM) plugin is not loaded: retention policy crm-logs-retention not applied" \
      "(stack/install-opensearch.sh explains why)"
fi
