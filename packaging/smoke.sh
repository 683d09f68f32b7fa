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
# An Excel workbook from the frozen command: the streamed .xlsx reader (expat) must work frozen. Its
# shipments point at the business accounts, so those go first (Windows-1252, as Excel saved them).
run "$cli" upsert "$samples/accounts_business.csv" --object Account --external-id External_Id__c \
  --convert-from cp1252 --demo >/dev/null
run "$cli" upsert "$samples/shipments_business.xlsx" --object Shipment__c --external-id Shipment_Number__c \
  --demo --json >"$place/xlsx.json"
# Its totals say 8 records, 8 loaded, 0 failed (read without a JSON tool: the machine may have no Python).
tr -d ' \n' <"$place/xlsx.json" | grep -q '"totals":{"records":8,"success":8,"failed":0,' ||
  { echo "smoke: the .xlsx load did not load its 8 rows" >&2; cat "$place/xlsx.json"; exit 1; }
# A file of 64 MiB or more is checked in two ranges, the second by a worker: the frozen command starts
# itself as that worker (its launcher hands the worker argument on before anything else loads). This one
# is blocked by a blank External ID in its last row, so nothing is sent; the log says who checked what.
awk 'BEGIN { print "External_Id__c,Name,Description"
  for (i = 0; i < 1400000; i++) printf "EXT-%07d,Account %d,\"line one, %d\nline two\"\n", i, i, i
  print ",No key,x" }' >"$place/big.csv"
rc=0
run "$cli" upsert "$place/big.csv" --object Account --external-id External_Id__c --demo >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "smoke: the big file's check ended with status $rc, not 2 (blocked)" >&2; exit 1; }
grep -hq "big.csv: [0-9]* records checked in this process, [1-9][0-9]* by 1 worker" \
  $(find "$place/home" -name 'sfloader*.log') ||
  { echo "smoke: no worker process checked part of the big file" >&2; find "$place/home" -name '*.log' -exec tail -5 {} +; exit 1; }
# Every run wrote its run folder under the fresh home, not into the clone or the bundle.
runs=$(find "$place/home" -name manifest.json | wc -l)
[ "$runs" -ge 4 ] || { echo "smoke: expected 4 run folders under the fresh home, found $runs" >&2; exit 1; }
size=$(du -sm "$bundle" | cut -f1)
[ "$size" -lt 250 ] || { echo "smoke: the bundle is $size MB, over the 250 MB budget" >&2; exit 1; }
echo "smoke: bundle ok ($size MB, $runs run folders)"
