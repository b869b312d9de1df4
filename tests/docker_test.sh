#!/usr/bin/env bash
# deploy/Dockerfile: builds the image, starts it on a fresh volume, waits for
# its HEALTHCHECK (the gRPC health service, through the CLI) to say healthy,
# and checks the process runs as a non-root user with the store on the
# volume. Skipped (77) with a message where no Docker daemon answers: the
# build compiles the whole server (20 minutes or more on 2 cores).
#   tests/docker_test.sh SOURCE_DIR
set -euo pipefail
source=$1
if ! command -v docker >/dev/null; then
  echo "SKIP: docker is not installed"; exit 77
fi
if ! timeout 20 docker info >/dev/null 2>&1; then
  echo "SKIP: no Docker daemon answers (docker info failed)"; exit 77
fi
tag=maillage-test:$$
name=maillage-test-$$
volume=maillage-test-$$
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  docker image rm "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker build -f "$source/deploy/Dockerfile" -t "$tag" "$source"
size=$(docker image inspect --format '{{.Size}}' "$tag")
echo "image size: $((size / 1024 / 1024)) MiB"
[ "$size" -lt $((400 * 1024 * 1024)) ] || { echo "FAIL: image over 400 MiB"; exit 1; }
docker run -d --name "$name" -v "$volume:/var/lib/maillage" "$tag" >/dev/null
status=
for _ in $(seq 1 120); do
  status=$(docker inspect --format '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  [ "$(docker inspect --format '{{.State.Running}}' "$name")" = true ] ||
    { docker logs "$name"; echo "FAIL: the container stopped"; exit 1; }
  sleep 1
done
[ "$status" = healthy ] || { docker logs "$name"; echo "FAIL: health $status"; exit 1; }
uid=$(docker exec "$name" id -u)
[ "$uid" != 0 ] || { echo "FAIL: runs as root"; exit 1; }
docker exec "$name" test -f /var/lib/maillage/store/CURRENT ||
  { echo "FAIL: no store on the volume"; exit 1; }
# The CLI inside finds the first-start admin key ($HOME on the volume).
docker exec "$name" maillage territories resolve 94220 | grep -q 94018 ||
  { echo "FAIL: an authenticated call from inside"; exit 1; }
docker stop -t 30 "$name" >/dev/null
docker logs "$name" 2>&1 | grep -q "stopped cleanly" || { echo "FAIL: no clean stop"; exit 1; }
echo "docker test: image $tag healthy as uid $uid"
