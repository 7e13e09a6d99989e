#!/usr/bin/env bash
# Builds Jaeger v2 (the single `jaeger` binary, an OpenTelemetry Collector
# distribution) from its Go module, through the Go module proxy.
#   -> $CRM_STACK_HOME/bin/jaeger
# The Go module path stays github.com/jaegertracing/jaeger; its v1.N tags carry
# the v2 binary under cmd/jaeger (v1.76.0 is Jaeger v2.13.0). JAEGER_VERSION in
# stack/stack.env is that module tag. A second run with the same pin is a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

go_installer jaeger JAEGER_VERSION jaeger

src="$CRM_STACK_HOME/src/jaeger-$JAEGER_VERSION"
go_module_source "github.com/jaegertracing/jaeger@$JAEGER_VERSION" "$src" "is JAEGER_VERSION=$JAEGER_VERSION a published tag?"
[[ -d "$src/cmd/jaeger" ]] || die "jaeger $JAEGER_VERSION has no cmd/jaeger (the v2 binary); pick a v1.6x+ tag that ships it"

# The ldflags stamp the version `jaeger version` prints.
v=github.com/jaegertracing/jaeger/internal/version
go_build jaeger "$JAEGER_VERSION" "$src" \
  "-s -w -X $v.latestVersion=$JAEGER_VERSION -X $v.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" jaeger
