#!/usr/bin/env bash
# Check a built bundle the way a user's machine runs it: copied out of the clone, a fresh home folder,
# no Python, no uv, no virtual environment on PATH; offscreen. Usage: packaging/smoke.sh [dist/sfloader-gui]
set -euo pipefail
bundle=$(cd "${1:-$(dirname "$0")/../dist/sfloader-gui}" && pwd)
place=$(mktemp -d)
trap 'rm -rf "$place"' EXIT
cp -a "$bundle" "$place/sfloader-gui"
mkdir "$place/home"
cd "$place"
run() {  # a clean environment: nothing of the build machine's Python setup leaks in
  env -i PATH=/usr/bin:/bin HOME="$place/home" QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 timeout 120 "$@"
}
app=$place/sfloader-gui/sfloader-gui cli=$place/sfloader-gui/sfloader
samples=$place/sfloader-gui/_internal/resources/samples

run "$app" --version
run "$cli" --version
run "$cli" orgs | grep -q "No saved orgs"  # the org list and keyring code paths load in the frozen command
run "$app" --demo --auto-load-samples --quit-when-done
run "$cli" upsert "$samples/accounts.csv" --object Account --external-id External_Id__c --demo --json \
  >"$place/upsert.json"
grep -q '"failed": 0' "$place/upsert.json" || { cat "$place/upsert.json"; exit 1; }
# Both runs wrote their run folders under the fresh home, not into the clone or the bundle.
runs=$(find "$place/home" -name manifest.json | wc -l)
[ "$runs" -ge 2 ] || { echo "smoke: expected 2 run folders under the fresh home, found $runs" >&2; exit 1; }
size=$(du -sm "$bundle" | cut -f1)
[ "$size" -lt 250 ] || { echo "smoke: the bundle is $size MB, over the 250 MB budget" >&2; exit 1; }
echo "smoke: bundle ok ($size MB, $runs run folders)"
