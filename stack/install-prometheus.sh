#!/usr/bin/env bash
# Builds the Prometheus server and promtool from the Go module
# github.com/prometheus/prometheus, through the Go module proxy.
#   -> $CRM_STACK_HOME/bin/prometheus, $CRM_STACK_HOME/bin/promtool
# PROMETHEUS_VERSION in stack/stack.env is the Prometheus release tag (v3.16.0), which is also
# the prom/prometheus image tag docker-compose.yml uses. Prometheus 3.x is published on the Go
# module proxy as v0.3MM.P (v3.16.0 -> module v0.316.0); this script maps one to the other.
# The build does not use the `builtinassets` tag, so the React web UI is not
# embedded: the HTTP API (/api/v1/*), /metrics and the health endpoints work;
# the UI pages (/query, /graph) answer HTTP 500 "Error opening React index.html". The stack
# and the tests use the API only.
# A second run with the same pin is a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

go_installer prometheus PROMETHEUS_VERSION prometheus promtool

[[ "$PROMETHEUS_VERSION" =~ ^v3\.([0-9]{1,2})\.([0-9]+)$ ]] \
  || die "PROMETHEUS_VERSION=$PROMETHEUS_VERSION in stack/stack.env is not a Prometheus 3 release tag; use vMAJOR.MINOR.PATCH with major 3, e.g. v3.16.0"
semver="${PROMETHEUS_VERSION#v}"
module_version="$(printf 'v0.3%02d.%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")"

src="$CRM_STACK_HOME/src/prometheus-$module_version"
go_module_source "github.com/prometheus/prometheus@$module_version" "$src" \
  "is PROMETHEUS_VERSION=$PROMETHEUS_VERSION a published release? its module tag is $module_version"
[[ -d "$src/cmd/prometheus" && -d "$src/cmd/promtool" ]] || die "prometheus $module_version has no cmd/prometheus and cmd/promtool"

# remove_all_sd leaves out the cloud service discoveries (Kubernetes, AWS, Azure, GCE, ...):
# prometheus.yml uses file_sd (always built in, like static and http sd), and the build is
# smaller and faster without them.
GO_BUILD_TAGS=remove_all_sd go_build prometheus "$PROMETHEUS_VERSION" "$src" \
  "$(prometheus_ldflags "$semver" "$module_version")" prometheus promtool
