#!/usr/bin/env bash
# Refreshes the dashboard's screenshots in docs/screenshots/ (shown in the
# README): builds the server and the dashboard, then runs the dashboard's
# end-to-end test (tests/dashboard/), which saves one picture per page.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh maillage_server maillage_web
mkdir -p docs/screenshots
MAILLAGE_SERVER_BIN=build/services/maillage_server \
MAILLAGE_WEB_DIR="$PWD/build/web/dist" \
MAILLAGE_WEB_MODULES="$PWD/build/web/npm" \
MAILLAGE_SCREENSHOTS_DIR="$PWD/docs/screenshots" \
  node tests/dashboard/dashboard.test.mjs
echo "screenshots: $(ls docs/screenshots | tr '\n' ' ')"
