#!/usr/bin/env bash
# The tiered-profile fault tests as their own stage: starts `stack/start.sh --profile scale`
# (fails if the default stack is running), runs test/scale/*.test.ts one file at a time, stops
# the profile (KEEP_STACK=1 keeps it), and writes the SCALE-FIGURE lines the tests print to
# .stack/scale-figures.txt (the figures of docs/RELIABILITY.md).
#   bash test/scale/run.sh              all files
#   bash test/scale/run.sh FILE...      only those
set -euo pipefail
cd "$(dirname "$0")/../.."
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=(test/scale/*.test.ts)
# Stopped on every exit, also when the start fails half-way; never another profile's stack
# (start.sh records the profile only once it is free to start this one).
# shellcheck disable=SC2317 # called by the EXIT trap
stop_scale() { [[ "$(cat .stack/run/profile 2>/dev/null)" != scale ]] || bash stack/stop.sh; }
[[ -n "${KEEP_STACK:-}" ]] || trap stop_scale EXIT
bash stack/start.sh --profile scale
set +e
node scripts/run-tests.mjs "${files[@]}" | tee .stack/scale-test.log
status=${PIPESTATUS[0]}
set -e
grep -ho 'SCALE-FIGURE .*' .stack/scale-test.log > .stack/scale-figures.txt || true
exit "$status"
