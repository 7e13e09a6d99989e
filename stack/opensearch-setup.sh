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

opensearch_put _component_template/crm-otel-logs "@$dir/component-template-crm-otel-logs.json"
for family in crm-app-logs crm-business-events crm-audit; do
  opensearch_put "_index_template/$family" "@$dir/index-template-$family.json"
done
for policy in crm-logs-retention crm-audit-retention; do
  opensearch_put_policy "$policy" "$dir/ism-policy-$policy.json"
done
