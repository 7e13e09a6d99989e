#!/usr/bin/env bash
# Installs OpenSearch (the integ-test-zip distribution: core + modules, no bundled
# JDK, no security plugin) from Maven Central through `mvn`, into
#   $CRM_STACK_HOME/opensearch-$OPENSEARCH_VERSION
# plus the index-management (ISM) plugin and the job-scheduler plugin it needs,
# when Maven Central has both zips for that version. A second run is a no-op.
#
# OpenSearch 3.x is compiled for Java 21: it runs on the JDK named by
# OPENSEARCH_JAVA_HOME (environment) or OPENSEARCH_JAVA_HOME_DEFAULT (stack.env).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_var OPENSEARCH_VERSION
require_cmd mvn "to fetch OpenSearch from Maven Central (apt-get install maven)"
require_cmd unzip "to unpack the OpenSearch distribution (apt-get install unzip)"
java_home="$(opensearch_java_home)"

home="$CRM_STACK_HOME/opensearch-$OPENSEARCH_VERSION"
stamp="$home/.crm-installed"
if [[ -f "$stamp" ]]; then
  log "opensearch $OPENSEARCH_VERSION already installed: $home ($(cat "$stamp"))"
  exit 0
fi

start=$(date +%s)
downloads="$CRM_STACK_HOME/downloads"
mkdir -p "$downloads"

# mvn_zip GROUP:ARTIFACT:VERSION -> copies the zip into $downloads (through the Maven local repo).
mvn_zip() {
  mvn -B -q dependency:copy -Dartifact="$1:zip" -DoutputDirectory="$downloads" >"$downloads/mvn.log" 2>&1
}

dist="org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION"
log "fetching $dist from Maven Central"
mvn_zip "$dist" || die "mvn could not fetch $dist:zip (is OPENSEARCH_VERSION=$OPENSEARCH_VERSION published? see $downloads/mvn.log)"

rm -rf "$home.tmp"
mkdir -p "$home.tmp"
unzip -q "$downloads/opensearch-$OPENSEARCH_VERSION.zip" -d "$home.tmp"
[[ -x "$home.tmp/opensearch-$OPENSEARCH_VERSION/bin/opensearch" ]] || die "the distribution zip has no opensearch-$OPENSEARCH_VERSION/bin/opensearch"

# Plugins: versioned <OpenSearch version>.0. ISM needs job-scheduler, so both or neither.
plugin_version="$OPENSEARCH_VERSION.0"
plugins=(opensearch-job-scheduler opensearch-index-management)
installed="plugins: none"
have_all=true
for p in "${plugins[@]}"; do
  if ! mvn_zip "org.opensearch.plugin:$p:$plugin_version"; then
    have_all=false
    log "WARNING: Maven Central has no org.opensearch.plugin:$p:$plugin_version:zip;" \
        "the local OpenSearch runs without ISM, so opensearch-setup.sh applies the index" \
        "templates but not the retention policy (the docker-compose image ships ISM)"
    break
  fi
done
if $have_all; then
  for p in "${plugins[@]}"; do
    log "installing plugin $p $plugin_version"
    OPENSEARCH_JAVA_HOME="$java_home" "$home.tmp/opensearch-$OPENSEARCH_VERSION/bin/opensearch-plugin" \
      install --batch "file://$downloads/$p-$plugin_version.zip" \
      || die "opensearch-plugin install of $p $plugin_version failed"
  done
  installed="plugins: ${plugins[*]}"
fi

rm -rf "$home"
mv "$home.tmp/opensearch-$OPENSEARCH_VERSION" "$home"
rmdir "$home.tmp"
echo "$installed" > "$stamp"
log "opensearch $OPENSEARCH_VERSION installed in $(elapsed "$start"): $home ($installed; java: $java_home)"
