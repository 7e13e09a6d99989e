#!/usr/bin/env bash
# Imports the kit's saved objects (otel-collector/opensearch-dashboards/saved-objects.ndjson:
# index patterns of both log families, saved searches for errors, slow requests and business
# events by name) into OpenSearch Dashboards at 127.0.0.1:$OPENSEARCH_DASHBOARDS_PORT, and makes
# crm-app-logs the default index pattern. Idempotent: the import overwrites.
# Run by docker compose (the opensearch-dashboards-setup service, in the Dashboards container's
# network namespace); safe to run by hand against any Dashboards (OPENSEARCH_DASHBOARDS_URL).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd curl "to call the OpenSearch Dashboards API"
file="$STACK_REPO/otel-collector/opensearch-dashboards/saved-objects.ndjson"
[[ -f "$file" ]] || die "$file is missing"
base="${OPENSEARCH_DASHBOARDS_URL:-http://127.0.0.1:$OPENSEARCH_DASHBOARDS_PORT}"
timeout_s="${CRM_STACK_START_TIMEOUT:-180}"

# Dashboards answers /api/status before its saved-objects service is ready: wait for "green".
deadline=$(( $(date +%s) + timeout_s ))
until curl -fsS --max-time 5 "$base/api/status" 2>/dev/null | grep -q '"state":"green"'; do
  (( $(date +%s) < deadline )) || die "OpenSearch Dashboards at $base is not green after ${timeout_s}s"
  sleep 2
done

out="$(curl -sS --max-time 60 -X POST "$base/api/saved_objects/_import?overwrite=true" \
  -H 'osd-xsrf: true' --form "file=@$file")" || die "POST $base/api/saved_objects/_import failed"
printf '%s' "$out" | grep -q '"success":true' || die "importing $file: $out"
count="$(printf '%s' "$out" | sed -n 's/.*"successCount":\([0-9]*\).*/\1/p')"
log "imported ${count:-?} saved objects from $file"

curl -fsS --max-time 30 -X POST "$base/api/opensearch-dashboards/settings" -H 'osd-xsrf: true' \
  -H 'content-type: application/json' --data '{"changes":{"defaultIndex":"crm-app-logs"}}' >/dev/null \
  || die "setting the default index pattern at $base failed"
log "default index pattern: crm-app-logs (crm-app-logs-*)"
