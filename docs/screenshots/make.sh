#!/usr/bin/env bash
# Regenerate the screenshots: main window (before, during and after a demo load) with the real app, then the
# workbench and Recent runs (tests/ui/failures/shots.py).
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
# The clean contacts and the ones with mistakes, so "after" shows failed rows to review.
contacts=(--object Contact --auto-load-samples --samples-with-errors)
"${app[@]}" "${contacts[@]}" --screenshot "$out/main-before.png" --screenshot-when ready --quit-when-done
"${app[@]}" "${contacts[@]}" --screenshot "$out/main-during.png" --screenshot-when running --quit-when-done
"${app[@]}" "${contacts[@]}" --screenshot "$out/main-after.png" --screenshot-when done
# The workbench (plain-word explanations, a retry), its report, and the Recent runs window.
uv run python -m tests.ui.failures.shots "$out"
# The Columns tab (mapping view) of a business-style file.
uv run python -m tests.ui.mapping_shot "$out"
ls -l "$out"/*.png
