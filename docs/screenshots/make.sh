#!/usr/bin/env bash
# Regenerate the main-window screenshots (before, during and after a demo load) with the real app.
# Usage: docs/screenshots/make.sh   (offscreen; no display needed)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/screenshots
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export SFLOADER_HOME="$home" QT_QPA_PLATFORM=offscreen
# A slow demo org (20 rows/s per job) so the "during" picture catches jobs mid-way.
app=(uv run python -m sfloader_gui --demo --demo-rows-per-second 20)
# The contacts point at the sample accounts: load those first (no picture).
"${app[@]}" --auto-load-samples --quit-when-done
"${app[@]}" --object Contact --auto-load-samples --screenshot "$out/main-before.png" --screenshot-when ready \
  --quit-when-done
"${app[@]}" --object Contact --auto-load-samples --screenshot "$out/main-during.png" --screenshot-when running \
  --quit-when-done
"${app[@]}" --object Contact --auto-load-samples --screenshot "$out/main-after.png" --screenshot-when done
ls -l "$out"/*.png
