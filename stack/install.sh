#!/usr/bin/env bash
# Installs every binary of the local stack into $CRM_STACK_HOME (default
# ~/.cache/crm-otel-kit), outside the repo, so it survives between runs:
#   collector (built with the OpenTelemetry Collector Builder), Jaeger v2, Prometheus and
#   Alertmanager (each built from its Go module), OpenSearch (+ plugins from Maven Central).
# Each step is idempotent: a second run takes seconds. Any failing step stops the run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$(date +%s)
for step in collector jaeger prometheus alertmanager opensearch; do
  script="$STACK_REPO/stack/install-$step.sh"
  [[ -f "$script" ]] || die "stack/install-$step.sh is missing: cannot install $step"
  step_start=$(date +%s)
  log "installing $step"
  bash "$script" || die "installing $step failed (stack/install-$step.sh exited non-zero; see its messages above)"
  log "$step ready ($(elapsed "$step_start"))"
done
log "stack installed in $(elapsed "$start") under $CRM_STACK_HOME; start it with: npm run stack"
