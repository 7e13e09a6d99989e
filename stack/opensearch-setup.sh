#!/usr/bin/env bash
# Applies the kit's OpenSearch setup (otel-collector/opensearch/*.json) to the
# running node at 127.0.0.1:$OPENSEARCH_PORT. Idempotent: every call is a PUT.
#   component template crm-otel-logs      (shared mappings/settings)
#   index templates crm-app-logs, crm-business-events, crm-audit
#   ISM policies crm-logs-retention (90 d), crm-audit-retention (1 year)
#                                          (only when the index-management plugin is loaded)
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
put _index_template/crm-audit "$dir/index-template-crm-audit.json"

# put_policy NAME: PUT ism-policy-NAME.json; updating an existing ISM policy needs its current
# sequence number and primary term.
put_policy() {
  local policy="_plugins/_ism/policies/$1" file="$dir/ism-policy-$1.json" current seq term
  current="$(curl -sS "$base/$policy" || true)"
  seq="$(printf '%s' "$current" | sed -n 's/.*"_seq_no":\([0-9]*\).*/\1/p')"
  term="$(printf '%s' "$current" | sed -n 's/.*"_primary_term":\([0-9]*\).*/\1/p')"
  if [[ -n "$seq" && -n "$term" ]]; then
    put "$policy?if_seq_no=$seq&if_primary_term=$term" "$file"
  else
    put "$policy" "$file"
  fi
}

policies=(crm-logs-retention crm-audit-retention)
if curl -sS "$base/_cat/plugins?h=component" | grep -qx 'opensearch-index-management'; then
  for policy in "${policies[@]}"; do put_policy "$policy"; done
else
  for policy in "${policies[@]}"; do
    log "the index-management (ISM) plugin is not loaded: retention policy $policy not applied" \
        "(stack/install-opensearch.sh explains why)"
  done
fi
