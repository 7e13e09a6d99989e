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

require_var PROMETHEUS_VERSION
require_cmd go "to build Prometheus from its Go module (install Go >= 1.24)"

bindir="$CRM_STACK_HOME/bin"
stamp="$bindir/.prometheus-version"
exit_if_built prometheus "$PROMETHEUS_VERSION" prometheus promtool

[[ "$PROMETHEUS_VERSION" =~ ^v3\.([0-9]{1,2})\.([0-9]+)$ ]] \
  || die "PROMETHEUS_VERSION=$PROMETHEUS_VERSION in stack/stack.env is not a Prometheus 3 release tag; use vMAJOR.MINOR.PATCH with major 3, e.g. v3.16.0"
semver="${PROMETHEUS_VERSION#v}"
module_version="$(printf 'v0.3%02d.%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")"

start=$(date +%s)
src="$CRM_STACK_HOME/src/prometheus-$module_version"
go_module_source "github.com/prometheus/prometheus@$module_version" "$src" \
  "is PROMETHEUS_VERSION=$PROMETHEUS_VERSION a published release? its module tag is $module_version"
[[ -d "$src/cmd/prometheus" && -d "$src/cmd/promtool" ]] || die "prometheus $module_version has no cmd/prometheus and cmd/promtool"

mkdir -p "$bindir"
log "building cmd/prometheus and cmd/promtool (cold builds take several minutes on 2 cores)"
# GOWORK=off: the module ships a go.work for its own sub-modules; build cmd/* against go.mod alone.
# GOTOOLCHAIN=auto lets `go` fetch the toolchain the module asks for if the local one is older.
# -tags remove_all_sd leaves out the cloud service discoveries (Kubernetes, AWS, Azure, GCE, ...):
# prometheus.yml uses file_sd (always built in, like static and http sd), and the build is
# smaller and faster without them.
# -trimpath/-s -w keep the binaries small; the ldflags stamp what `--version` prints.
ldflags="-s -w -X github.com/prometheus/common/version.Version=$semver \
  -X github.com/prometheus/common/version.Revision=$module_version \
  -X github.com/prometheus/common/version.Branch=module \
  -X github.com/prometheus/common/version.BuildUser=crm-otel-kit \
  -X github.com/prometheus/common/version.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
for cmd in prometheus promtool; do
  ( cd "$src" && GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0 \
      go build -trimpath -tags remove_all_sd -ldflags "$ldflags" -o "$bindir/$cmd.tmp" "./cmd/$cmd" ) \
    || die "go build of $cmd $PROMETHEUS_VERSION ($module_version) failed (see the output above)"
done
mv "$bindir/prometheus.tmp" "$bindir/prometheus"
mv "$bindir/promtool.tmp" "$bindir/promtool"
echo "$PROMETHEUS_VERSION" > "$stamp"
log "prometheus $PROMETHEUS_VERSION (module $module_version) built in $(elapsed "$start"): $bindir/prometheus, $bindir/promtool"
