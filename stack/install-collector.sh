#!/usr/bin/env bash
# Builds the kit's OpenTelemetry Collector distribution, `otelcol-crm`, from
# otel-collector/builder-config.yaml with the OpenTelemetry Collector Builder (ocb).
#
#   bash stack/install-collector.sh
#
# Result: ${CRM_STACK_HOME:-$HOME/.cache/crm-otel-kit}/bin/otelcol-crm
# The build directory is keyed by a hash of OTELCOL_VERSION, the manifest and the sources of the
# kit's own components (otel-collector/components/), so a second run with nothing changed is a
# no-op and any change to them rebuilds. Needs only the `go` command and the Go module proxy.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

manifest="$STACK_REPO/otel-collector/builder-config.yaml"
# The kit's own components (local Go modules the manifest names with `path:`).
components_dir="$STACK_REPO/otel-collector/components"
local_module_prefix="crm-otel-kit.local/"

# sha256 of the go.sum that the manifest at OTELCOL_VERSION resolves to (see the GOSUMDB note further down).
pinned_gosum_sha256="393a02c16fb0b53a85e6ced604989467220eed85b52ce1465c7078438cb19d93"

require_var OTELCOL_VERSION
[[ -f "$manifest" ]] || die "missing builder manifest $manifest"
require_cmd go "to build the collector from source"

version="$OTELCOL_VERSION"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "OTELCOL_VERSION='$version' in stack/stack.env is not a plain release number (accepted: X.Y.Z, e.g. 0.141.0)"

# Every module in the manifest must be at the same release as the builder: core and contrib
# are released together, and mixing releases fails at `go mod tidy` or worse at run time.
# The kit's own modules (crm-otel-kit.local/...) are built from this repository and always v0.0.0.
mismatched="$(grep -E '^\s*-\s*gomod:' "$manifest" | grep -v -F "$local_module_prefix" \
  | grep -v -E " v${version//./\\.}\s*$" || true)"
[[ -z "$mismatched" ]] || die "modules in $manifest not at v$version (OTELCOL_VERSION):
$mismatched"
grep -qE "^\s*version:\s*${version//./\\.}\s*$" "$manifest" \
  || die "dist.version in $manifest is not $version (OTELCOL_VERSION)"
local_mismatched="$(grep -E '^\s*-\s*gomod:' "$manifest" | grep -F "$local_module_prefix" \
  | grep -v -E ' v0\.0\.0\s*$' || true)"
[[ -z "$local_mismatched" ]] || die "the kit's own modules in $manifest must be at v0.0.0 (they are built from $components_dir):
$local_mismatched"
[[ -d "$components_dir" ]] || die "missing $components_dir (the kit's own collector components the manifest names)"

# Fingerprint of the component sources: every file's path and content, in a fixed order.
components_hash() {
  (cd "$components_dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

key="$( { printf '%s\n' "$version"; cat "$manifest"; components_hash; } | sha256sum | cut -c1-16)"
bin_dir="$CRM_STACK_HOME/bin"
binary="$bin_dir/otelcol-crm"
stamp="$bin_dir/.otelcol-crm.key"
build_dir="$CRM_STACK_HOME/build/otelcol-crm-$version-$key"
builder_dir="$CRM_STACK_HOME/tools/ocb-$version"
builder="$builder_dir/builder"

if [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$key" ]]; then
  log "up to date: $binary (collector $version, manifest + components key $key); nothing to do"
  exit 0
fi

if [[ ! -x "$builder" ]]; then
  log "installing the collector builder v$version into $builder_dir"
  mkdir -p "$builder_dir"
  GOBIN="$builder_dir" go install "go.opentelemetry.io/collector/cmd/builder@v$version" \
    || die "could not install go.opentelemetry.io/collector/cmd/builder@v$version from the Go module proxy"
else
  log "builder v$version already installed: $builder"
fi

log "building otelcol-crm $version in $build_dir (first build downloads modules; takes minutes)"
mkdir -p "$build_dir"
cp "$manifest" "$build_dir/builder-config.yaml"
# The manifest's `path: ./components/...` entries resolve against the build directory.
rm -rf "$build_dir/components"
cp -R "$components_dir" "$build_dir/components"
started=$SECONDS
# The checksum database reachable here lacks entries for several collector modules (lookups
# answer 404), so the module graph is resolved with GOSUMDB=off and then checked against the
# go.sum pinned below instead: any module content different from what this kit was built and
# tested with stops the build. Compilation then verifies every downloaded zip against go.sum.
export GOSUMDB=off
(cd "$build_dir" && "$builder" --config builder-config.yaml --skip-compilation) \
  || die "resolving the collector's Go modules failed in $build_dir (see the builder output above)"
gosum_sha="$(sha256sum "$build_dir/build/go.sum" | cut -d' ' -f1)"
if [[ "$gosum_sha" != "$pinned_gosum_sha256" ]]; then
  die "go.sum of the generated collector ($build_dir/build/go.sum, sha256 $gosum_sha) does not match
the one pinned in $0 ($pinned_gosum_sha256).
If you changed otel-collector/builder-config.yaml or OTELCOL_VERSION on purpose, review that go.sum
and update pinned_gosum_sha256 in this script."
fi
(cd "$build_dir" && "$builder" --config builder-config.yaml --skip-generate --skip-get-modules) \
  || die "compiling the collector failed in $build_dir (see the builder output above)"
[[ -x "$build_dir/build/otelcol-crm" ]] || die "the builder finished but $build_dir/build/otelcol-crm is missing"

mkdir -p "$bin_dir"
# Copy then rename, so a running `start.sh` never sees a half-written binary.
cp "$build_dir/build/otelcol-crm" "$binary.tmp.$$"
mv -f "$binary.tmp.$$" "$binary"
printf '%s\n' "$key" > "$stamp"
log "built $binary in $((SECONDS - started))s ($("$binary" --version))"
