#!/usr/bin/env bash
# Builds Jaeger v2 (the single `jaeger` binary, an OpenTelemetry Collector
# distribution) from its Go module, through the Go module proxy.
#   -> $CRM_STACK_HOME/bin/jaeger
# The Go module path stays github.com/jaegertracing/jaeger; its v1.N tags carry
# the v2 binary under cmd/jaeger (v1.76.0 is Jaeger v2.13.0). JAEGER_VERSION in
# stack/stack.env is that module tag. A second run with the same pin is a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_var JAEGER_VERSION
require_cmd go "to build Jaeger from its Go module (install Go >= 1.24)"

bin="$CRM_STACK_HOME/bin/jaeger"
stamp="$CRM_STACK_HOME/bin/.jaeger-version"
exit_if_built jaeger "$JAEGER_VERSION" jaeger

start=$(date +%s)
src="$CRM_STACK_HOME/src/jaeger-$JAEGER_VERSION"
go_module_source "github.com/jaegertracing/jaeger@$JAEGER_VERSION" "$src" "is JAEGER_VERSION=$JAEGER_VERSION a published tag?"
[[ -d "$src/cmd/jaeger" ]] || die "jaeger $JAEGER_VERSION has no cmd/jaeger (the v2 binary); pick a v1.6x+ tag that ships it"

mkdir -p "$CRM_STACK_HOME/bin"
log "building cmd/jaeger (cold builds take several minutes on 2 cores)"
# GOTOOLCHAIN=auto lets `go` fetch the toolchain the module asks for if the local one is older.
# -trimpath/-s -w keep the binary small; the ldflags stamp the version `jaeger version` prints.
( cd "$src" && GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION -X github.com/jaegertracing/jaeger/internal/version.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -o "$bin.tmp" ./cmd/jaeger ) || die "go build of jaeger $JAEGER_VERSION failed (see the output above)"
mv "$bin.tmp" "$bin"
echo "$JAEGER_VERSION" > "$stamp"
log "jaeger $JAEGER_VERSION built in $(elapsed "$start"): $bin"
