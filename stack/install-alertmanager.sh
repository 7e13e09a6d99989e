#!/usr/bin/env bash
# Builds Alertmanager and amtool from the Go module github.com/prometheus/alertmanager,
# through the Go module proxy.
#   -> $CRM_STACK_HOME/bin/alertmanager, $CRM_STACK_HOME/bin/amtool
# ALERTMANAGER_VERSION in stack/stack.env is the release tag (v0.35.0): the module version and
# the prom/alertmanager image tag docker-compose.yml uses are the same string.
# The module does not ship the web UI's compiled assets (ui/app/dist, built by npm/elm in the
# release Makefile) although ui/web.go embeds that folder; this script puts a one-page
# placeholder there, so the HTTP API (/api/v2/*), /metrics and the health endpoints work and
# the UI pages say where to look instead. The stack, amtool and the tests use the API only.
# A second run with the same pin is a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_var ALERTMANAGER_VERSION
require_cmd go "to build Alertmanager from its Go module (install Go >= 1.24)"

bindir="$CRM_STACK_HOME/bin"
stamp="$bindir/.alertmanager-version"
exit_if_built alertmanager "$ALERTMANAGER_VERSION" alertmanager amtool

[[ "$ALERTMANAGER_VERSION" =~ ^v0\.[0-9]+\.[0-9]+$ ]] \
  || die "ALERTMANAGER_VERSION=$ALERTMANAGER_VERSION in stack/stack.env is not an Alertmanager release tag; use v0.MINOR.PATCH, e.g. v0.35.0"

start=$(date +%s)
src="$CRM_STACK_HOME/src/alertmanager-$ALERTMANAGER_VERSION"
go_module_source "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION" "$src" \
  "is ALERTMANAGER_VERSION=$ALERTMANAGER_VERSION a published release?"
[[ -d "$src/cmd/alertmanager" && -d "$src/cmd/amtool" && -f "$src/ui/web.go" ]] \
  || die "alertmanager $ALERTMANAGER_VERSION has no cmd/alertmanager, cmd/amtool and ui/web.go"

# The placeholder UI (both UI roots ui/web.go serves: app/dist/elm and app/dist/mantine), gzipped
# as the release assets are: ui/web.go serves index.html from index.html.gz.
require_cmd gzip "to store the placeholder UI page as Alertmanager's UI code expects it"
rm -rf "$src/ui/app/dist"
for root in elm mantine; do
  mkdir -p "$src/ui/app/dist/$root"
  gzip -n -9 > "$src/ui/app/dist/$root/index.html.gz" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>Alertmanager (API only)</title></head>
<body><h1>Alertmanager: API only</h1>
<p>This Alertmanager was built from its Go module by crm-otel-kit's stack/install-alertmanager.sh,
which has no web UI assets. Use the API (<a href="api/v2/alerts">api/v2/alerts</a>,
<a href="api/v2/status">api/v2/status</a>) or amtool; docker compose runs the released image with its UI.</p>
</body></html>
HTML
done

mkdir -p "$bindir"
log "building cmd/alertmanager and cmd/amtool (a cold build takes a few minutes on 2 cores)"
# Same flags as install-prometheus.sh: GOWORK=off builds against the module's go.mod alone;
# GOTOOLCHAIN=auto fetches the toolchain go.mod asks for if the local one is older;
# the ldflags stamp what `--version` prints.
ldflags="-s -w -X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v} \
  -X github.com/prometheus/common/version.Revision=$ALERTMANAGER_VERSION \
  -X github.com/prometheus/common/version.Branch=module \
  -X github.com/prometheus/common/version.BuildUser=crm-otel-kit \
  -X github.com/prometheus/common/version.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
for cmd in alertmanager amtool; do
  ( cd "$src" && GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0 \
      go build -trimpath -ldflags "$ldflags" -o "$bindir/$cmd.tmp" "./cmd/$cmd" ) \
    || die "go build of $cmd $ALERTMANAGER_VERSION failed (see the output above)"
done
mv "$bindir/alertmanager.tmp" "$bindir/alertmanager"
mv "$bindir/amtool.tmp" "$bindir/amtool"
echo "$ALERTMANAGER_VERSION" > "$stamp"
log "alertmanager $ALERTMANAGER_VERSION built in $(elapsed "$start"): $bindir/alertmanager, $bindir/amtool"
