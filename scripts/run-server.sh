#!/usr/bin/env bash
# Quick start, command 1: installs the dependencies, builds, and starts the
# server on 127.0.0.1:50051 with its embedded store in ./maillage-data
# (created on first run; the French geography ships with the binary's
# reference data). Extra arguments go to the server (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh maillage_server maillage maillage_web
exec build/services/maillage_server --data_dir=maillage-data "$@"
