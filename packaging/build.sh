#!/usr/bin/env bash
# Build the one-folder bundle dist/sfloader-gui/ (the app `sfloader-gui` and the command `sfloader`).
# PyInstaller and Pillow come from the `build` dependency group: never installed for users or tests.
# Usage: packaging/build.sh            (same command on Linux, macOS and Windows' Git Bash)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}  # icons are rendered with Qt: no display needed

uv run --locked --group build python packaging/make_icons.py build/icons >/dev/null
uv run --locked --group build pyinstaller --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath dist packaging/sfloader-gui.spec

# No plaintext keyring backend may ride along (keyrings.alt would store tokens in a readable file).
if grep -qs "('keyrings\\." build/pyinstaller/sfloader-gui/PYZ-*.toc; then
  echo "build.sh: a plaintext keyring backend (keyrings.alt) got into the bundle" >&2
  exit 1
fi
echo "dist/sfloader-gui: $(du -sm dist/sfloader-gui | cut -f1) MB, built in $(( $(date +%s) - start )) s"
