#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then the installed server started
# with no flag but its data folder and free ports: it must find the installed
# reference data by itself (not the source tree's), serve, and answer the
# installed CLI with the key it wrote for it.
#   tests/install_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/server.log" ] && sed 's/^/  server: /' "$work/server.log" >&2; exit 1; }

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/maillage_server bin/maillage share/maillage/reference/geo \
         share/maillage/reference/vocab share/maillage/reference/mappings \
         share/maillage/deploy/maillage.service \
         share/maillage/deploy/kubernetes/statefulset.yaml; do
  [ -e "$prefix/$f" ] || fail "$f not installed"
done

# The installed server's default reference folder is the installed one.
"$prefix/bin/maillage_server" --help >"$work/help.txt" 2>&1 || true
grep -q -- "default: \"$prefix/share/maillage/reference\"" "$work/help.txt" ||
  fail "--reference_dir does not default to the installed data: $(grep -A3 -- '--reference_dir' "$work/help.txt")"

# HOME: where the server writes the CLI's admin key (~/.config/maillage).
export HOME=$work/home
mkdir -p "$HOME"
cd "$work"
"$prefix/bin/maillage_server" --data_dir="$work/data" --listen=127.0.0.1:0 \
  --http_listen=127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*maillage listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the installed server exited"
  sleep 0.1
done
[ -n "$port" ] || fail "the installed server did not start within 60 s"
grep -q "34969 communes\|[0-9]\{5\} communes" "$work/server.log" || fail "no geography loaded"

cli=("$prefix/bin/maillage" --server "127.0.0.1:$port" --timeout 10)
[ "$("${cli[@]}" health)" = SERVING ] || fail "health is not SERVING"
"${cli[@]}" territories resolve 94220 >"$work/resolve.txt" || fail "territories resolve"
grep -q "94018" "$work/resolve.txt" || fail "94220 did not resolve to Charenton-le-Pont (94018): $(cat "$work/resolve.txt")"
"${cli[@]}" themes >"$work/themes.txt" || fail "themes"
grep -q "digital_inclusion" "$work/themes.txt" || fail "the vocabulary is missing"

# The dashboard, when the build has it (node and npm present), is installed
# and served by the installed server from its own tree.
if [ -f "$build/web/dist/index.html" ]; then
  [ -f "$prefix/share/maillage/web/index.html" ] || fail "the dashboard is not installed"
  http_port=$(sed -n 's/.*HTTP\/JSON on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$http_port" ] || fail "no HTTP port in the log"
  code=$(curl -s -o "$work/index.html" -w '%{http_code}' "http://127.0.0.1:$http_port/")
  [ "$code" = 200 ] || fail "GET / on the installed server answered $code"
  cmp -s "$work/index.html" "$prefix/share/maillage/web/index.html" ||
    fail "GET / is not the installed dashboard"
fi

kill -TERM "$server_pid"
wait "$server_pid" || fail "the server did not stop cleanly"
server_pid=
grep -q "stopped cleanly" "$work/server.log" || fail "no clean stop"
echo "install test: installed tree in $prefix served on port $port"
