#!/usr/bin/env bash
# Validates the OpenAPI document openapi_gen wrote (build/tools/openapi/
# openapi.json) with a standard validator, @apidevtools/swagger-parser,
# pinned by tools/openapi/validator/package-lock.json: the OpenAPI 3.0
# schema, and every $ref resolved. Skipped (exit 77) when node/npm are
# missing or the packages cannot be installed.
#   tests/openapi_validate.sh OPENAPI_JSON
set -euo pipefail
document=$1
here=$(cd "$(dirname "$0")/.." && pwd)/tools/openapi/validator
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "SKIP: node and npm are needed to run the OpenAPI validator"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/validate.js" "$work/"
if ! (cd "$work" && npm ci --no-audit --no-fund --silent >"$work/npm.log" 2>&1); then
  echo "SKIP: npm ci failed (offline?):"; tail -5 "$work/npm.log"
  exit 77
fi
node "$work/validate.js" "$document"
