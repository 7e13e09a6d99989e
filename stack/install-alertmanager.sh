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

go_installer alertmanager ALERTMANAGER_VERSION alertmanager amtool

[[ "$ALERTMANAGER_VERSION" =~ ^v0\.[0-9]+\.[0-9]+$ ]] \
  || die "ALERTMANAGER_VERSION=$ALERTMANAGER_VERSION in stack/stack.env is not an Alertmanager release tag; use v0.MINOR.PATCH, e.g. v0.35.0"

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

go_build alertmanager "$ALERTMANAGER_VERSION" "$src" \
  "$(prometheus_ldflags "${ALERTMANAGER_VERSION#v}" "$ALERTMANAGER_VERSION")" alertmanager amtool
