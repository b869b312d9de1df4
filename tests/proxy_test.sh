#!/usr/bin/env bash
# deploy/nginx/maillage.conf, tested: nginx (Debian 12's) in front of a real
# server on loopback, with a self-signed certificate in a temporary folder.
#   - curl calls the standard health check over TLS + HTTP/2 through nginx;
#   - the CLI (which has no TLS flag) creates and reads an actor through a
#     plaintext HTTP/2 listener added to the same server block;
#   - a request body over the location's client_max_body_size is refused by
#     nginx (413) and the server keeps answering.
# Usage: tests/proxy_test.sh SERVER_BINARY CLI_BINARY
# Exits 77 (skipped) when nginx or openssl is not installed. With
# H2_PROBE=build/tests/h2_probe (and H2_PROBE_FLAGS, default a 10 s rapid
# reset), it then also replays an attack through nginx and prints the
# figures (docs/SECURITY.md).
set -euo pipefail

server_bin=$1
cli_bin=$2
conf_src="$(cd "$(dirname "$0")/.." && pwd)/deploy/nginx/maillage.conf"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx_bin" ] || ! command -v openssl >/dev/null; then
  echo "SKIP: nginx or openssl not installed (scripts/install-deps.sh)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/maillage-proxy-XXXXXX")
server_pid=
cleanup() {
  if [ -f "$tmp/nginx.pid" ]; then kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for log in server.log error.log; do
    [ -f "$tmp/$log" ] && { echo "--- $log"; tail -20 "$tmp/$log"; }
  done
  exit 1
}

# The server on a free port, its port read from its start-up line.
"$server_bin" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --data_dir="$tmp/store" \
  --sync_writes=false --admin_credentials_file="$tmp/credentials" \
  2>"$tmp/server.log" &
server_pid=$!
port=
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\);.*/\1/p' "$tmp/server.log")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server did not start"
  sleep 0.1
done
[ -n "$port" ] || fail "the server did not start within 60 s"
# The admin key the server wrote at its first start (the CLI goes through
# nginx's port, which the credentials file does not name).
MAILLAGE_TOKEN=$(sed -n 's/^127.0.0.1:[0-9]* //p' "$tmp/credentials")
[ -n "$MAILLAGE_TOKEN" ] || fail "no admin key in the credentials file"
export MAILLAGE_TOKEN

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null

# nginx on two free ports: the shipped server block with its listen port,
# certificate and upstream replaced, plus a plaintext HTTP/2 listener.
start_nginx() {
  tls_port=$((20000 + RANDOM % 20000))
  h2c_port=$((tls_port + 1))
  sed -e "s|listen 443 ssl http2;|listen 127.0.0.1:$tls_port ssl http2;\n    listen 127.0.0.1:$h2c_port http2;|" \
    -e "s|/etc/ssl/maillage/fullchain.pem|$tmp/cert.pem|" \
    -e "s|/etc/ssl/maillage/privkey.pem|$tmp/key.pem|" \
    -e "s|server 127.0.0.1:50051;|server 127.0.0.1:$port;|" \
    "$conf_src" >"$tmp/maillage.conf"
  grep -q "127.0.0.1:$port;" "$tmp/maillage.conf" || fail "upstream not replaced"
  grep -q "$tmp/cert.pem" "$tmp/maillage.conf" || fail "certificate not replaced"
  mkdir -p "$tmp/temp"
  chmod 755 "$tmp"
  chmod 777 "$tmp/temp"
  cat >"$tmp/nginx.conf" <<CONF
pid $tmp/nginx.pid;
error_log $tmp/error.log info;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log $tmp/access.log;
  client_body_temp_path $tmp/temp/body;
  proxy_temp_path $tmp/temp/proxy;
  fastcgi_temp_path $tmp/temp/fastcgi;
  uwsgi_temp_path $tmp/temp/uwsgi;
  scgi_temp_path $tmp/temp/scgi;
  include $tmp/maillage.conf;
}
CONF
  "$nginx_bin" -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf"
}
started=
for _ in 1 2 3 4 5; do
  if start_nginx 2>"$tmp/nginx-start.log"; then started=1 && break; fi
done
[ -n "$started" ] || fail "nginx did not start: $(cat "$tmp/nginx-start.log")"
echo "server on $port, nginx TLS on $tls_port, h2c on $h2c_port"

# 1. The health check over TLS + HTTP/2: an empty HealthCheckRequest (the
# whole server) framed as one gRPC message; the answer must be SERVING
# (field 1 = 1) with grpc-status 0.
printf '\x00\x00\x00\x00\x00' >"$tmp/health.req"
ok=
for _ in $(seq 1 50); do
  if curl -sS --http2 --cacert "$tmp/cert.pem" \
    --resolve "localhost:$tls_port:127.0.0.1" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    --data-binary @"$tmp/health.req" -D "$tmp/health.headers" \
    -o "$tmp/health.resp" \
    "https://localhost:$tls_port/grpc.health.v1.Health/Check" 2>"$tmp/curl.log" &&
    [ "$(od -An -tx1 "$tmp/health.resp" | tr -d ' \n')" = 00000000020801 ]; then
    ok=1 && break
  fi
  sleep 0.2
done
[ -n "$ok" ] || fail "health over TLS: $(cat "$tmp/curl.log" "$tmp/health.headers" 2>/dev/null)"
grep -qi '^HTTP/2 200' "$tmp/health.headers" || fail "not HTTP/2 200 over TLS"
grep -qi '^grpc-status: 0' "$tmp/health.headers" || fail "no grpc-status 0"
echo "ok: health SERVING over TLS + HTTP/2 through nginx"

# 2. The CLI through nginx (plaintext HTTP/2; the CLI has no TLS flag).
export MAILLAGE_SERVER="127.0.0.1:$h2c_port"
echo '{"id":"ext:proxy:1","kind":"ACTOR_KIND_COMPANY","name":"Atelier du Proxy",
  "homeCommune":"94018","themes":["digital_inclusion"]}' |
  "$cli_bin" actors create - >"$tmp/cli.out" 2>&1 ||
  fail "CLI create through nginx: $(cat "$tmp/cli.out")"
"$cli_bin" actors get ext:proxy:1 --output json >"$tmp/cli.out" 2>&1 ||
  fail "CLI get through nginx: $(cat "$tmp/cli.out")"
grep -q 'Atelier du Proxy' "$tmp/cli.out" || fail "CLI get: $(cat "$tmp/cli.out")"
"$cli_bin" health >/dev/null 2>&1 || fail "CLI health through nginx"
echo "ok: the CLI creates and reads an actor through nginx"

# 3. A 4 MiB body to an ordinary method: refused by nginx (413), over TLS.
head -c $((4 << 20)) /dev/zero >"$tmp/big.req"
code=$(curl -sS --http2 --cacert "$tmp/cert.pem" \
  --resolve "localhost:$tls_port:127.0.0.1" \
  -H 'content-type: application/grpc' -H 'te: trailers' \
  --data-binary @"$tmp/big.req" -o /dev/null -w '%{http_code}' \
  "https://localhost:$tls_port/maillage.v1.ActorService/GetActor" || true)
[ "$code" = 413 ] || fail "4 MiB GetActor: expected 413 from nginx, got $code"
"$cli_bin" actors get ext:proxy:1 >/dev/null 2>&1 || fail "server not answering after the 413"
echo "ok: a 4 MiB request is refused by nginx (413); the server still answers"

if [ -n "${H2_PROBE:-}" ]; then
  # shellcheck disable=SC2086
  "$H2_PROBE" --pid="$server_pid" --via_port="$h2c_port" \
    --bystander_port="$port" --token="$MAILLAGE_TOKEN" \
    ${H2_PROBE_FLAGS:---attack=rapid_reset --seconds=10 --streams=1000000}
  echo "nginx worker RSS: $(ps -o rss= --ppid "$(cat "$tmp/nginx.pid")" | head -1) kB"
fi
