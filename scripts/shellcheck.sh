#!/usr/bin/env bash
# Runs shellcheck over every shell script in the repository (part of `npm run lint`): the tracked *.sh
# files and the tracked files whose first line is a bash or sh shebang. Settings: .shellcheckrc.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck > /dev/null; then
  echo "shellcheck is not installed: apt-get install shellcheck (Debian/Ubuntu), brew install shellcheck (macOS)" >&2
  exit 1
fi
scripts=()
while IFS= read -r -d '' file; do
  if [[ "$file" == *.sh ]] || { [[ -f "$file" ]] && head -n 1 "$file" | grep -qE '^#!.*\b(ba)?sh\b'; }; then
    scripts+=("$file")
  fi
done < <(git ls-files -z)
shellcheck "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts, no findings"
